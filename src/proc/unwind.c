/* unwind.c: native stacks: the registers inside the pause, the walk with
 * libunwind after it, over the stop's copy of the stacks, and the names
 * from the ELF files.
 *
 * In the stop, each thread costs one PTRACE_GETREGS (gs_unwind_regs).
 * Walking the stacks there cost some 35 us a thread (17 ms of the pause
 * for 500 idle threads of CPython 3.12); after the detach the walk reads
 * the stack pages from the image copied in the same stop, and the
 * registers from what gs_unwind_regs saved, so it sees exactly the stacks
 * of the stop while the target runs. Only read-only file mappings (code,
 * eh_frame, eh_frame_hdr) are read from the live process: they cannot
 * change.
 *
 * Cost of the walk: libunwind-ptrace's accessors read a word per
 * PTRACE_PEEKDATA and, for each return address not seen before, find and
 * parse the function's unwind rules, rereading /proc/PID/maps and mapping
 * the ELF file anew whenever the walk crosses into another file. Three
 * things keep that short (figures for 51 threads of CPython 3.11, 594
 * frames, measured when the walk was still inside the pause):
 *   - one address space per process with UNW_CACHE_GLOBAL: the rules found
 *     for a return address serve every later thread (workers blocked in
 *     the same calls cost ~25 us each);                     ~24 ms in all
 *   - a page cache under access_mem: one copy per 4 KiB page instead of a
 *     read per word;                                         ~8 ms
 *   - one libunwind context per ELF file, so that each file's unwind
 *     table is loaded once per run, not once per crossing.  ~5 ms
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include <libunwind-ptrace.h>

#include "elf/elf.h"
#include "elf/symbolize.h"
#include "proc/load_bias.h"
#include "proc/unwind.h"
#include "util/alloc.h"

/* --- the registers, inside the pause ------------------------------------------ */

/* /proc says 't' (tracing stop) for every thread gcscope stopped, which
 * tells nothing: the registers say whether it was inside a system call
 * (orig_rax holds the call's number; -1 in user code). A thread stopped
 * in a call was blocked in it or about to be: 'S'. */
void gs_unwind_regs(pid_t tid, struct gs_thread_regs *out)
{
    struct user_regs_struct r;
    memset(out, 0, sizeof *out);
    out->tid = tid;
    if (ptrace(PTRACE_GETREGS, tid, NULL, &r) != 0)
        return;
    out->have = true;
    out->fs_base = r.fs_base;
    out->state = (int64_t)r.orig_rax >= 0 ? 'S' : 'R';
    /* libunwind's x86_64 numbering (libunwind-x86_64.h). */
    const uint64_t v[GS_NATIVE_NREGS] = {r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8,
                                         r.r9,  r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip};
    memcpy(out->regs, v, sizeof v);
}

/* --- the walk, after the pause ------------------------------------------------- */

/* The kernel's name of a thread, from its stat line "TID (comm) S ...":
 * comm may hold spaces and parentheses. Names rarely change: read after
 * the stop. */
static void read_comm(pid_t pid, pid_t tid, struct gs_native_stack *out)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ' || !close_paren[2])
        return;
    size_t len = (size_t)(close_paren - open_paren - 1);
    if (len >= sizeof out->comm)
        len = sizeof out->comm - 1;
    memcpy(out->comm, open_paren + 1, len);
    out->comm[len] = '\0';
}

/* libunwind reads the target a word at a time, and byte by byte through
 * the unwind tables: parsing one function's FDE and CIE and running its
 * CFA program costs a few hundred calls. The reads go through this page
 * cache instead: one copy per 4 KiB page. Pages of read-only file mappings
 * (eh_frame, eh_frame_hdr, text) cannot change: read from the live process
 * with process_vm_readv, they serve the whole run. Writable pages (stacks)
 * come from the stop's image and are dropped before each walk, since the
 * next capture has another image. */
#define PAGE_SIZE_4K 4096u
#define PAGE_CACHE 512 /* 2 MiB: the tables and stacks of one run fit */

struct cached_page {
    uint64_t addr; /* page address, 0 = empty */
    bool writable;
    uint8_t data[PAGE_SIZE_4K];
};

/* libunwind-ptrace caches the unwind tables of ONE file per context: each
 * time a walk crosses into another file (libc, libpython, libc again) it
 * rereads /proc/PID/maps and maps the file anew, some 400 us. So the unwind
 * tables are looked up through one context per file, kept for the whole
 * process, each bound to the thread group leader (any stopped thread of
 * the process can serve the memory reads): a file is loaded once per run.
 * When that fails (the leader has exited), the walking thread's own
 * context is used, as libunwind would. The files' ranges come from the
 * maps as read at the first walk: a stale range only costs a reload,
 * since a context checks that its cached table covers the address. */
#define MAX_FILE_CONTEXTS 256

struct file_context {
    uint64_t start, end; /* every mapping of the file */
    void *upt;
};

static struct unwinder {
    pid_t pid;
    unw_addr_space_t as;
    unw_accessors_t acc;
    gs_maps maps;
    struct file_context files[MAX_FILE_CONTEXTS];
    size_t nfiles;
    struct cached_page *pages; /* PAGE_CACHE of them, direct-mapped */
    /* the walk under way: */
    gs_reader *image;          /* writable memory as it was in the stop */
    const uint64_t *regs;      /* the thread's registers in the stop */
} U;

static const uint8_t *cached_page(uint64_t page)
{
    if (!U.pages && !(U.pages = calloc(PAGE_CACHE, sizeof *U.pages)))
        return NULL;
    struct cached_page *p = &U.pages[(page / PAGE_SIZE_4K) % PAGE_CACHE];
    if (p->addr == page)
        return p->data;
    p->addr = 0;
    const gs_map *m = gs_maps_find(&U.maps, page);
    bool writable = !m || (m->perms & GS_MAP_WRITE) || gs_map_is_anonymous(m);
    if (writable) {
        /* Never the live process: its stacks have moved on since the stop. */
        if (!U.image || !gs_read_exact(U.image, page, p->data, PAGE_SIZE_4K))
            return NULL;
    } else {
        struct iovec local = {p->data, PAGE_SIZE_4K}, remote = {(void *)(uintptr_t)page, PAGE_SIZE_4K};
        if (process_vm_readv(U.pid, &local, 1, &remote, 1, 0) != (ssize_t)PAGE_SIZE_4K)
            return NULL;
    }
    p->addr = page;
    p->writable = writable;
    return p->data;
}

static void drop_writable_pages(void)
{
    for (size_t i = 0; U.pages && i < PAGE_CACHE; i++)
        if (U.pages[i].writable)
            U.pages[i].addr = 0;
}

/* A word of the target as it was in the stop. A word across two pages is
 * read from both (libunwind reads unaligned words in the tables). */
static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
    (void)as;
    (void)arg;
    if (write)
        return -UNW_EINVAL;
    uint8_t bytes[sizeof *val];
    for (size_t done = 0; done < sizeof bytes;) {
        uint64_t a = addr + done, off = a % PAGE_SIZE_4K;
        const uint8_t *page = cached_page(a - off);
        if (!page)
            return -UNW_EINVAL;
        size_t n = PAGE_SIZE_4K - off < sizeof bytes - done ? (size_t)(PAGE_SIZE_4K - off) : sizeof bytes - done;
        memcpy(bytes + done, page + off, n);
        done += n;
    }
    memcpy(val, bytes, sizeof bytes);
    return 0;
}

/* The registers saved in the stop; libunwind only reads them. */
static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
    (void)as;
    (void)arg;
    if (write || !U.regs || reg < 0 || reg >= GS_NATIVE_NREGS)
        return -UNW_EBADREG;
    *val = U.regs[reg];
    return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
    (void)as;
    (void)reg;
    (void)val;
    (void)write;
    (void)arg;
    return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
    (void)as;
    (void)c;
    (void)arg;
    return -UNW_EINVAL;
}

static void file_range(const gs_maps *maps, const char *path, uint64_t *start, uint64_t *end)
{
    *start = UINT64_MAX;
    *end = 0;
    for (size_t i = 0; i < maps->n; i++)
        if (strcmp(maps->v[i].path, path) == 0) {
            if (maps->v[i].start < *start)
                *start = maps->v[i].start;
            if (maps->v[i].end > *end)
                *end = maps->v[i].end;
        }
}

static void *file_context_for(uint64_t ip)
{
    for (size_t i = 0; i < U.nfiles; i++)
        if (ip >= U.files[i].start && ip < U.files[i].end)
            return U.files[i].upt;
    const gs_map *m = gs_maps_find(&U.maps, ip);
    if (!m || gs_map_is_anonymous(m) || U.nfiles >= MAX_FILE_CONTEXTS)
        return NULL;
    struct file_context *f = &U.files[U.nfiles];
    file_range(&U.maps, m->path, &f->start, &f->end);
    if (!(f->upt = _UPT_create(U.pid)))
        return NULL;
    U.nfiles++;
    return f->upt;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info, void *arg)
{
    void *upt = file_context_for(ip);
    if (upt && _UPT_find_proc_info(as, ip, pi, need_unwind_info, upt) >= 0)
        return 0;
    return _UPT_find_proc_info(as, ip, pi, need_unwind_info, arg);
}

static void unwinder_reset(void)
{
    for (size_t i = 0; i < U.nfiles; i++)
        _UPT_destroy(U.files[i].upt);
    if (U.as)
        unw_destroy_addr_space(U.as);
    gs_maps_free(&U.maps);
    free(U.pages);
    memset(&U, 0, sizeof U);
}

static bool same_maps(const gs_maps *a, const gs_maps *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].start != b->v[i].start || a->v[i].end != b->v[i].end || a->v[i].inode != b->v[i].inode ||
            a->v[i].offset != b->v[i].offset)
            return false;
    return true;
}

/* Everything cached is keyed by address, which holds only as long as the
 * same files are mapped at the same places. A capture walks the leader
 * once per stop: then the maps are compared with those the caches were
 * built under (one read of /proc/PID/maps per stop), and any change (a
 * library loaded or unloaded between two captures of one run) starts
 * over. */
static bool maps_changed(pid_t pid)
{
    gs_maps now = {0};
    gs_error err;
    if (gs_maps_read(pid, &now, &err) != GS_OK)
        return false;
    bool changed = !same_maps(&now, &U.maps);
    gs_maps_free(&now);
    return changed;
}

/* One address space per process, kept between calls: its cache of unwind
 * rules per return address serves every thread (and every capture) of the
 * run, until the maps change; another pid starts over. */
static unw_addr_space_t address_space(pid_t pid, pid_t tid)
{
    if (U.as && U.pid == pid && (tid != pid || !maps_changed(pid)))
        return U.as;
    unwinder_reset();
    U.pid = pid;
    gs_error err;
    if (gs_maps_read(pid, &U.maps, &err) != GS_OK)
        U.maps = (gs_maps){0};
    /* libunwind-ptrace's accessors for the unwind tables (they read the
     * ELF files and the memory through ours); ours for memory and
     * registers, which never touch the (running) threads. */
    U.acc = _UPT_accessors;
    U.acc.find_proc_info = find_proc_info;
    U.acc.access_mem = access_mem;
    U.acc.access_reg = access_reg;
    U.acc.access_fpreg = access_fpreg;
    U.acc.resume = resume;
    if ((U.as = unw_create_addr_space(&U.acc, 0)) != NULL)
        unw_set_caching_policy(U.as, UNW_CACHE_GLOBAL);
    return U.as;
}

static void walk(pid_t pid, gs_reader *stack, const uint64_t *regs, struct gs_native_stack *out)
{
    unw_addr_space_t as = address_space(pid, out->tid); /* may start the caches over */
    if (!as)
        return;
    drop_writable_pages();
    U.image = stack;
    U.regs = regs;
    /* The thread's own libunwind-ptrace context serves the table lookups
     * the file contexts do not (find_proc_info): they read /proc/TID/maps
     * and the ELF files, never ptrace. */
    void *upt = _UPT_create(out->tid);
    if (!upt) {
        U.image = NULL;
        U.regs = NULL;
        return;
    }
    unw_cursor_t cursor;
    if (unw_init_remote(&cursor, as, upt) == 0) {
        unw_word_t last_ip = 0, last_sp = 0;
        while (out->n < GS_NATIVE_MAX_FRAMES) {
            unw_word_t ip, sp;
            if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || unw_get_reg(&cursor, UNW_REG_SP, &sp) < 0 || ip == 0)
                break;
            /* A frame that unwinds to itself would repeat to the bound. */
            if (out->n > 0 && ip == last_ip && sp == last_sp)
                break;
            out->ips[out->n++] = ip;
            last_ip = ip;
            last_sp = sp;
            if (unw_step(&cursor) <= 0)
                break;
        }
    }
    _UPT_destroy(upt);
    U.image = NULL;
    U.regs = NULL;
    drop_writable_pages(); /* the image goes away after the build */
}

void gs_unwind_walk(pid_t pid, gs_reader *stack, const struct gs_thread_regs *regs, struct gs_native_stack *out)
{
    out->tid = regs->tid;
    out->n = 0;
    out->state = regs->state;
    out->fs_base = regs->fs_base;
    read_comm(pid, regs->tid, out);
    if (!regs->have || !stack)
        return;
    walk(pid, stack, regs->regs, out);
}

/* --- symbols, after the pause ----------------------------------------------- */

#define MAX_MODULES 1024 /* files named per process; more are left "??" */

struct module {
    const char *path;     /* as in maps (borrowed) */
    uint64_t inode;
    gs_elf *elf;          /* the file itself */
    gs_elf *debug;        /* its separate debug file, if installed */
    gs_symtab *tab;       /* from debug when it has symbols, else from elf */
    uint64_t bias;
    bool usable;
};

struct gs_symbolizer {
    pid_t pid;           /* 0: no process (a core): files under root */
    const char *root;
    const gs_maps *maps;
    struct module *mods;
    size_t n, cap;
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Open an ELF file at the first route that works; a route whose inode is
 * the mapping's wins over one that only opens (the path may now name a
 * newer file than the one mapped: an upgrade while the target ran). */
static gs_elf *open_routes(char routes[][4200], int n, uint64_t inode)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            struct stat st;
            if (stat(routes[i], &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            bool same = inode == 0 || (uint64_t)st.st_ino == inode;
            if (pass == 0 ? !same : same)
                continue;
            gs_elf *e = NULL;
            gs_error err;
            if (gs_elf_open(routes[i], &e, &err) == GS_OK)
                return e;
        }
    }
    return NULL;
}

/* The target's file as the target sees it: through its root (another mount
 * namespace, a container), its path, then the kernel's handle on the
 * mapping itself (the only way to a deleted file, but it needs privileges). */
static gs_elf *open_mapped(const gs_symbolizer *sym, const gs_map *m)
{
    char routes[3][4200];
    int n = 0;
    if (sym->pid == 0) {
        snprintf(routes[n++], sizeof routes[0], "%s%s", sym->root, m->path);
        return open_routes(routes, n, 0);
    }
    if (!m->deleted) {
        snprintf(routes[n++], sizeof routes[0], "/proc/%d/root%s", (int)sym->pid, m->path);
        snprintf(routes[n++], sizeof routes[0], "%s", m->path);
    }
    snprintf(routes[n++], sizeof routes[0], "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)sym->pid, m->start,
             m->end);
    return open_routes(routes, n, m->inode);
}

/* Distributions ship the symbols of stripped files apart, found by build
 * id (Debian's libc6-dbg: /usr/lib/debug/.build-id/ab/cdef....debug). */
static gs_elf *open_debug_file(const gs_symbolizer *sym, const gs_elf *e)
{
    char id[130];
    if (!gs_elf_build_id(e, id, sizeof id) || strlen(id) < 3)
        return NULL;
    char routes[2][4200];
    if (sym->pid == 0)
        snprintf(routes[0], sizeof routes[0], "%s/usr/lib/debug/.build-id/%.2s/%s.debug", sym->root, id, id + 2);
    else
        snprintf(routes[0], sizeof routes[0], "/proc/%d/root/usr/lib/debug/.build-id/%.2s/%s.debug", (int)sym->pid,
                 id, id + 2);
    snprintf(routes[1], sizeof routes[1], "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
    return open_routes(routes, 2, 0);
}

static void module_load(const gs_symbolizer *sym, const gs_map *m, struct module *mod)
{
    gs_error err;
    if (!(mod->elf = open_mapped(sym, m)) || !gs_load_bias(mod->elf, sym->maps, m->path, &mod->bias))
        return;
    if ((mod->debug = open_debug_file(sym, mod->elf)) != NULL &&
        gs_symtab_build(mod->debug, &mod->tab, &err) == GS_OK && gs_symtab_count(mod->tab) == 0) {
        gs_symtab_free(mod->tab);
        mod->tab = NULL;
    }
    if (!mod->tab && gs_symtab_build(mod->elf, &mod->tab, &err) != GS_OK)
        return;
    mod->usable = true;
}

static struct module *module_for(gs_symbolizer *sym, const gs_map *m)
{
    for (size_t i = 0; i < sym->n; i++)
        if (sym->mods[i].inode == m->inode && strcmp(sym->mods[i].path, m->path) == 0)
            return &sym->mods[i];
    if (sym->n >= MAX_MODULES)
        return NULL;
    if (sym->n == sym->cap) {
        sym->cap = sym->cap ? sym->cap * 2 : 16;
        sym->mods = gs_xreallocarray(sym->mods, sym->cap, sizeof *sym->mods);
    }
    struct module *mod = &sym->mods[sym->n++];
    *mod = (struct module){.path = m->path, .inode = m->inode};
    module_load(sym, m, mod);
    return mod;
}

gs_symbolizer *gs_symbolizer_new(pid_t pid, const gs_maps *maps)
{
    gs_symbolizer *sym = gs_xcalloc(1, sizeof *sym);
    sym->pid = pid;
    sym->root = "";
    sym->maps = maps;
    return sym;
}

gs_symbolizer *gs_symbolizer_new_root(const char *root, const gs_maps *maps)
{
    gs_symbolizer *sym = gs_symbolizer_new(0, maps);
    sym->root = root ? root : "";
    return sym;
}

void gs_symbolize(gs_symbolizer *sym, uint64_t ip, char *func, size_t fcap, char *module, size_t mcap)
{
    if (fcap)
        snprintf(func, fcap, "??");
    if (mcap)
        module[0] = '\0';
    const gs_map *m = sym && sym->maps ? gs_maps_find(sym->maps, ip) : NULL;
    if (!m)
        return;
    if (mcap)
        snprintf(module, mcap, "%s", base_name(m->path));
    if (gs_map_is_anonymous(m))
        return;
    struct module *mod = module_for(sym, m);
    const char *name;
    uint64_t offset;
    /* A .symtab names versioned definitions "clock_nanosleep@@GLIBC_2.17":
     * the version says nothing here. */
    if (mod && mod->usable && gs_symtab_lookup(mod->tab, ip - mod->bias, &name, &offset) && fcap)
        snprintf(func, fcap, "%.*s+0x%" PRIx64, (int)strcspn(name, "@"), name, offset);
}

void gs_symbolizer_free(gs_symbolizer *sym)
{
    if (!sym)
        return;
    for (size_t i = 0; i < sym->n; i++) {
        gs_symtab_free(sym->mods[i].tab);
        gs_elf_close(sym->mods[i].debug);
        gs_elf_close(sym->mods[i].elf);
    }
    free(sym->mods);
    free(sym);
}
