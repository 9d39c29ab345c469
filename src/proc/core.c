/* core.c: an ELF core file as maps, threads and a memory reader (core.h).
 *
 * Everything here reads a file that may be cut short, sparse or hostile:
 * each header field is checked against the file's size before use, counts
 * are bounded, and the reader never returns a byte the file does not hold
 * (or a checked file on disk supplies).
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/core.h"
#include "util/alloc.h"
#include "util/sort.h"

#define DELETED_SUFFIX " (deleted)"
#define HEADER_PAGE 4096 /* the kernel dumps the first page of each ELF file mapping */

enum file_state { FILE_UNSEEN, FILE_USED, FILE_MISSING, FILE_MISMATCH };

/* A file named by NT_FILE, opened on demand from disk. */
struct cfile {
    char *path;                  /* as the core names it, " (deleted)" stripped */
    bool deleted;                /* the name ended in " (deleted)" */
    char *opened;                /* what was opened: sysroot + path, or --exe */
    const unsigned char *data;   /* the whole file, mapped; NULL unless FILE_USED */
    size_t size;
    enum file_state state;
    char core_id[80], disk_id[80]; /* build ids; "" when none */
    struct cfile *same;          /* the entry that opens this path (itself, or an earlier entry) */
    uint64_t start, end, off;    /* the mapping this entry describes (NT_FILE) */
};

/* One PT_LOAD. */
struct segment {
    uint64_t vaddr, memsz;
    uint64_t offset;  /* in the core */
    uint64_t filesz;  /* what the core meant to hold */
    uint64_t avail;   /* what it holds: less when the file was cut short */
    unsigned flags;   /* PF_R | PF_W | PF_X */
    struct cfile *file; /* the file mapped here, NULL for anonymous memory */
    uint64_t file_off;  /* file offset of vaddr */
};

struct gs_core {
    gs_reader reader; /* first: the core is its own reader */
    char *path;
    const unsigned char *data;
    size_t size;
    bool mapped;      /* data is our mmap (else borrowed) */
    struct segment *segs;
    size_t nsegs;
    size_t last;      /* the segment of the previous read: reads cluster */
    struct cfile *files;
    size_t nfiles;
    struct gs_core_thread *threads;
    size_t nthreads;
    struct gs_core_info info;
    gs_maps maps;
    uint64_t at_phdr;
};

/* --- sniffing ---------------------------------------------------------------- */

enum gs_core_sniff gs_core_sniff(const void *head, size_t len)
{
    static const struct {
        const char *magic;
        size_t len;
        enum gs_core_sniff kind;
    } magics[] = {
        {"\x7f" "ELF", 4, GS_SNIFF_ELF},
        {"\x28\xb5\x2f\xfd", 4, GS_SNIFF_ZSTD},
        {"\x04\x22\x4d\x18", 4, GS_SNIFF_LZ4},
        {"\xfd" "7zXZ\x00", 6, GS_SNIFF_XZ},
        {"\x1f\x8b", 2, GS_SNIFF_GZIP},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (len >= magics[i].len && memcmp(head, magics[i].magic, magics[i].len) == 0)
            return magics[i].kind;
    return GS_SNIFF_OTHER;
}

enum gs_core_sniff gs_core_sniff_file(const char *path)
{
    unsigned char head[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return GS_SNIFF_OTHER;
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return n > 0 ? gs_core_sniff(head, (size_t)n) : GS_SNIFF_OTHER;
}

static gs_status refuse_compressed(enum gs_core_sniff kind, const char *path, gs_error *err)
{
    static const char *const how[] = {
        [GS_SNIFF_ZSTD] = "zstd -d", [GS_SNIFF_LZ4] = "lz4 -d", [GS_SNIFF_XZ] = "xz -dk", [GS_SNIFF_GZIP] = "gzip -dk",
    };
    static const char *const name[] = {
        [GS_SNIFF_ZSTD] = "zstd", [GS_SNIFF_LZ4] = "lz4", [GS_SNIFF_XZ] = "xz", [GS_SNIFF_GZIP] = "gzip",
    };
    return gs_fail(err, GS_ERR_USAGE,
                   "%s is %s-compressed: decompress it first (%s %s, or coredumpctl dump PID -o core "
                   "for systemd-coredump's cores)",
                   path, name[kind], how[kind], path);
}

/* --- little-endian fields, bounds-checked ----------------------------------- */

static bool range_ok(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* --- build ids from ELF bytes --------------------------------------------------- */

/* The GNU build id of the ELF whose first `len` bytes are `p`, found
 * through its program headers (a core's copy of a file holds its first
 * page only: no section headers). Hex into buf; false if none. */
static bool build_id_of(const unsigned char *p, size_t len, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (len < sizeof(Elf64_Ehdr) || memcmp(p, ELFMAG, SELFMAG) != 0 || p[EI_CLASS] != ELFCLASS64)
        return false;
    Elf64_Ehdr eh;
    memcpy(&eh, p, sizeof eh);
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 4096 ||
        !range_ok(len, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
        return false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, p + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_NOTE || !range_ok(len, ph.p_offset, ph.p_filesz))
            continue;
        const unsigned char *n = p + ph.p_offset;
        uint64_t left = ph.p_filesz;
        while (left >= 12) {
            uint32_t namesz = get32(n), descsz = get32(n + 4), type = get32(n + 8);
            uint64_t nsz = ((uint64_t)namesz + 3) & ~3ull, dsz = ((uint64_t)descsz + 3) & ~3ull;
            if (nsz + dsz > left - 12)
                break;
            if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(n + 12, "GNU", 4) == 0 && descsz > 0 &&
                (size_t)descsz * 2 < cap) {
                for (uint32_t k = 0; k < descsz; k++)
                    snprintf(buf + 2 * k, 3, "%02x", n[12 + nsz + k]);
                return true;
            }
            n += 12 + nsz + dsz;
            left -= 12 + nsz + dsz;
        }
    }
    return false;
}

/* --- segments and the reader ------------------------------------------------------ */

static size_t seg_index(const gs_core *c, uint64_t addr)
{
    /* The first segment whose end is past addr. */
    size_t lo = 0, hi = c->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->segs[mid].vaddr + c->segs[mid].memsz <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const struct segment *seg_find(gs_core *c, uint64_t addr)
{
    if (c->last < c->nsegs) {
        const struct segment *s = &c->segs[c->last];
        if (addr >= s->vaddr && addr - s->vaddr < s->memsz)
            return s;
    }
    size_t i = seg_index(c, addr);
    if (i < c->nsegs && addr >= c->segs[i].vaddr) {
        c->last = i;
        return &c->segs[i];
    }
    return NULL;
}

/* Where the `off`th byte of segment s comes from: a pointer and how many
 * bytes follow it there, or NULL. Bytes the core holds come from the core;
 * bytes it chose to leave out (past p_filesz) come from the attached file;
 * bytes lost to truncation (between what it holds and p_filesz) from
 * nowhere: the memory may have differed from the file. */
static const unsigned char *seg_source(const gs_core *c, const struct segment *s, uint64_t off, uint64_t *avail)
{
    if (off < s->avail) {
        *avail = s->avail - off;
        return c->data + s->offset + off;
    }
    if (off < s->filesz || !s->file || s->file->state != FILE_USED)
        return NULL;
    uint64_t foff = s->file_off + off;
    if (foff < s->file_off || foff >= s->file->size)
        return NULL;
    uint64_t n = s->file->size - foff, seg_left = s->memsz - off;
    *avail = n < seg_left ? n : seg_left;
    return s->file->data + foff;
}

static size_t core_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    gs_core *c = (gs_core *)r;
    size_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        if (a < addr)
            break; /* wrapped */
        const struct segment *s = seg_find(c, a);
        uint64_t avail;
        const unsigned char *src = s ? seg_source(c, s, a - s->vaddr, &avail) : NULL;
        if (!src)
            break;
        size_t n = len - done < avail ? len - done : (size_t)avail;
        memcpy((char *)buf + done, src, n);
        done += n;
    }
    return done;
}

static const void *core_view(gs_reader *r, uint64_t addr, size_t len)
{
    gs_core *c = (gs_core *)r;
    const struct segment *s = seg_find(c, addr);
    uint64_t avail;
    const unsigned char *src = s ? seg_source(c, s, addr - s->vaddr, &avail) : NULL;
    return src && avail >= len ? src : NULL;
}

static void core_reader_free(gs_reader *r)
{
    (void)r; /* owned by the core: gs_core_close() releases it */
}

static const struct gs_reader_ops core_ops = {core_read, core_view, core_reader_free};

gs_reader *gs_core_reader(gs_core *c) { return &c->reader; }

const void *gs_core_data(const gs_core *c, uint64_t addr, size_t len)
{
    size_t i = seg_index(c, addr);
    if (i >= c->nsegs || addr < c->segs[i].vaddr)
        return NULL;
    const struct segment *s = &c->segs[i];
    uint64_t off = addr - s->vaddr;
    return off < s->avail && len <= s->avail - off ? c->data + s->offset + off : NULL;
}

/* --- notes ------------------------------------------------------------------------ */

/* x86_64 layouts of the kernel's note structures (linux/elfcore.h). */
#define PRSTATUS_SIZE 336
#define PRSTATUS_CURSIG 12
#define PRSTATUS_PID 32
#define PRSTATUS_REGS 112
#define PRSTATUS_FPVALID 328
#define PRPSINFO_SIZE 136
#define SIGINFO_SIZE 128

static void note_prstatus(gs_core *c, const unsigned char *d, uint32_t len)
{
    if (len < PRSTATUS_SIZE || c->nthreads >= GS_CORE_MAX_THREADS)
        return;
    c->threads = gs_xreallocarray(c->threads, c->nthreads + 1, sizeof *c->threads);
    struct gs_core_thread *t = &c->threads[c->nthreads++];
    memset(t, 0, sizeof *t);
    int16_t cursig;
    int32_t pid;
    memcpy(&cursig, d + PRSTATUS_CURSIG, 2);
    memcpy(&pid, d + PRSTATUS_PID, 4);
    t->tid = pid;
    t->cursig = cursig;
    memcpy(t->regs, d + PRSTATUS_REGS, sizeof t->regs);
    t->fpvalid = get32(d + PRSTATUS_FPVALID) != 0;
}

/* Copy a fixed-size field that need not be NUL-terminated. */
static void copy_field(char *dst, size_t cap, const unsigned char *src, size_t len)
{
    size_t n = strnlen((const char *)src, len < cap - 1 ? len : cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void note_prpsinfo(gs_core *c, const unsigned char *d, uint32_t len)
{
    if (len < PRPSINFO_SIZE)
        return;
    c->info.state = (char)d[1]; /* pr_sname */
    c->info.uid = get32(d + 16);
    c->info.gid = get32(d + 20);
    c->info.pid = (pid_t)get32(d + 24);
    c->info.ppid = (pid_t)get32(d + 28);
    copy_field(c->info.fname, sizeof c->info.fname, d + 40, 16);
    copy_field(c->info.psargs, sizeof c->info.psargs, d + 56, 80);
}

static void note_siginfo(gs_core *c, const unsigned char *d, uint32_t len)
{
    if (len < SIGINFO_SIZE)
        return;
    int32_t signo, code;
    memcpy(&signo, d, 4);
    memcpy(&code, d + 8, 4);
    c->info.signo = signo;
    c->info.si_code = code;
    if (signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE)
        c->info.fault_addr = get64(d + 16);
}

static void note_auxv(gs_core *c, const unsigned char *d, uint32_t len)
{
    for (uint32_t off = 0; off + 16 <= len; off += 16) {
        uint64_t type = get64(d + off), val = get64(d + off + 8);
        if (type == AT_NULL)
            break;
        if (type == AT_PHDR)
            c->at_phdr = val;
    }
}

/* NT_FILE: count, page size, count x {start, end, page offset}, then the
 * count names, NUL-terminated. */
static void note_file(gs_core *c, const unsigned char *d, uint32_t len)
{
    if (len < 16 || c->files)
        return;
    uint64_t count = get64(d), page = get64(d + 8);
    if (count == 0 || count > GS_CORE_MAX_FILES || count > (len - 16) / 24 || page == 0 || page > (1u << 30))
        return;
    const unsigned char *names = d + 16 + count * 24, *end = d + len;
    c->files = gs_xcalloc((size_t)count, sizeof *c->files);
    size_t n = 0;
    for (uint64_t i = 0; i < count; i++) {
        const unsigned char *e = d + 16 + i * 24;
        size_t room = (size_t)(end - names);
        size_t nl = strnlen((const char *)names, room);
        if (nl == room)
            break; /* the last name runs past the note */
        uint64_t start = get64(e), stop = get64(e + 8), pgoff = get64(e + 16);
        const char *name = (const char *)names;
        names += nl + 1;
        if (stop <= start || pgoff > UINT64_MAX / page)
            continue;
        struct cfile *f = &c->files[n++];
        f->path = gs_xmalloc(nl + 1);
        memcpy(f->path, name, nl);
        f->path[nl] = '\0';
        size_t sl = sizeof DELETED_SUFFIX - 1;
        if (nl > sl && strcmp(f->path + nl - sl, DELETED_SUFFIX) == 0) {
            f->path[nl - sl] = '\0';
            f->deleted = true;
        }
        f->start = start;
        f->end = stop;
        f->off = pgoff * page;
    }
    c->nfiles = n;
}

static int file_by_start(const void *a, const void *b)
{
    uint64_t x = ((const struct cfile *)a)->start, y = ((const struct cfile *)b)->start;
    return x < y ? -1 : x > y;
}

static int file_ptr_by_path(const void *a, const void *b)
{
    const struct cfile *x = *(struct cfile *const *)a, *y = *(struct cfile *const *)b;
    int d = strcmp(x->path, y->path);
    return d ? d : (x < y ? -1 : x > y);
}

/* After the notes: entries in address order, each tied to the first entry
 * of its path (which opens the file once for all), and each segment to the
 * entry that covers its start. Sorting keeps it n log n for a hostile
 * count. */
static void link_files(gs_core *c)
{
    gs_qsort(c->files, c->nfiles, sizeof *c->files, file_by_start);
    struct cfile **by_path = gs_xcalloc(c->nfiles ? c->nfiles : 1, sizeof *by_path);
    for (size_t i = 0; i < c->nfiles; i++)
        by_path[i] = &c->files[i];
    gs_qsort(by_path, c->nfiles, sizeof *by_path, file_ptr_by_path);
    for (size_t i = 0; i < c->nfiles; i++)
        by_path[i]->same = i && strcmp(by_path[i - 1]->path, by_path[i]->path) == 0 ? by_path[i - 1]->same
                                                                                    : by_path[i];
    free(by_path);
    for (size_t s = 0; s < c->nsegs; s++) {
        struct segment *seg = &c->segs[s];
        size_t lo = 0, hi = c->nfiles; /* the first entry ending past vaddr */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->files[mid].end <= seg->vaddr)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < c->nfiles && c->files[lo].start <= seg->vaddr) {
            seg->file = c->files[lo].same;
            seg->file_off = c->files[lo].off + (seg->vaddr - c->files[lo].start);
        }
    }
}

static void parse_notes(gs_core *c, const unsigned char *p, uint64_t len)
{
    while (len >= 12) {
        uint32_t namesz = get32(p), descsz = get32(p + 4), type = get32(p + 8);
        uint64_t nsz = ((uint64_t)namesz + 3) & ~3ull, dsz = ((uint64_t)descsz + 3) & ~3ull;
        if (nsz > len - 12 || dsz > len - 12 - nsz)
            break;
        const unsigned char *name = p + 12, *desc = p + 12 + nsz;
        bool core = namesz == 5 && memcmp(name, "CORE", 5) == 0;
        if (core && type == NT_PRSTATUS)
            note_prstatus(c, desc, descsz);
        else if (core && type == NT_PRPSINFO)
            note_prpsinfo(c, desc, descsz);
        else if (core && type == NT_SIGINFO)
            note_siginfo(c, desc, descsz);
        else if (core && type == NT_AUXV)
            note_auxv(c, desc, descsz);
        else if (core && type == NT_FILE)
            note_file(c, desc, descsz);
        p += 12 + nsz + dsz;
        len -= 12 + nsz + dsz;
    }
}

/* --- opening -------------------------------------------------------------------------- */

static int seg_by_vaddr(const void *a, const void *b)
{
    uint64_t x = ((const struct segment *)a)->vaddr, y = ((const struct segment *)b)->vaddr;
    return x < y ? -1 : x > y;
}

/* The number of program headers: e_phnum, or with more than 0xfffe of them
 * (a process with many mappings), sh_info of section header 0. */
static bool phnum_of(const gs_core *c, const Elf64_Ehdr *eh, uint64_t *phnum)
{
    *phnum = eh->e_phnum;
    if (eh->e_phnum != PN_XNUM)
        return true;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || !range_ok(c->size, eh->e_shoff, sizeof(Elf64_Shdr)))
        return false;
    Elf64_Shdr sh;
    memcpy(&sh, c->data + eh->e_shoff, sizeof sh);
    *phnum = sh.sh_info;
    return true;
}

static gs_status parse(gs_core *c, const char *what, gs_error *err)
{
    enum gs_core_sniff kind = gs_core_sniff(c->data, c->size);
    if (kind != GS_SNIFF_ELF && kind != GS_SNIFF_OTHER)
        return refuse_compressed(kind, what, err);
    Elf64_Ehdr eh;
    if (c->size < sizeof eh || kind != GS_SNIFF_ELF)
        return gs_fail(err, GS_ERR_CORRUPT, "%s is not a core file (no ELF header)", what);
    memcpy(&eh, c->data, sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
        return gs_fail(err, GS_ERR_CORRUPT, "%s is not a 64-bit x86_64 ELF file: gcscope reads x86_64 cores only",
                       what);
    if (eh.e_type != ET_CORE)
        return gs_fail(err, GS_ERR_CORRUPT, "%s is an ELF file but not a core dump (ELF type %u)", what,
                       (unsigned)eh.e_type);
    uint64_t phnum;
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || !phnum_of(c, &eh, &phnum) || phnum > GS_CORE_MAX_SEGMENTS ||
        !range_ok(c->size, eh.e_phoff, phnum * sizeof(Elf64_Phdr)))
        return gs_fail(err, GS_ERR_CORRUPT, "%s: the program headers are cut off or malformed (a truncated core?)",
                       what);
    c->segs = gs_xcalloc(phnum ? (size_t)phnum : 1, sizeof *c->segs);
    const unsigned char *ph0 = c->data + eh.e_phoff;
    for (uint64_t i = 0; i < phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, ph0 + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0 || ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
            continue;
        struct segment *s = &c->segs[c->nsegs++];
        *s = (struct segment){.vaddr = ph.p_vaddr, .memsz = ph.p_memsz, .offset = ph.p_offset,
                              .filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz,
                              .flags = ph.p_flags};
        s->avail = ph.p_offset >= c->size ? 0 : c->size - ph.p_offset;
        if (s->avail > s->filesz)
            s->avail = s->filesz;
        if (s->avail < s->filesz) {
            c->info.segments_truncated++;
            c->info.bytes_missing += s->filesz - s->avail;
        }
    }
    gs_qsort(c->segs, c->nsegs, sizeof *c->segs, seg_by_vaddr);
    /* Overlapping segments cannot come from one address space: keep the
     * first of each overlap so that lookups stay a binary search. */
    size_t keep = 0;
    for (size_t i = 0; i < c->nsegs; i++)
        if (keep == 0 || c->segs[i].vaddr >= c->segs[keep - 1].vaddr + c->segs[keep - 1].memsz)
            c->segs[keep++] = c->segs[i];
    c->nsegs = keep;
    /* Notes after the segments: NT_FILE ties files to them. */
    for (uint64_t i = 0; i < phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, ph0 + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_NOTE || ph.p_offset >= c->size)
            continue;
        uint64_t len = ph.p_filesz < c->size - ph.p_offset ? ph.p_filesz : c->size - ph.p_offset;
        parse_notes(c, c->data + ph.p_offset, len);
    }
    link_files(c);
    if (!c->info.pid && c->nthreads)
        c->info.pid = c->threads[0].tid;
    /* The signal only from NT_SIGINFO, which the kernel always writes: a
     * thread's cursig in gdb's gcore is the SIGSTOP gdb stopped it with. */
    c->info.no_file_note = c->files == NULL;
    /* The executable: the file mapped where the auxiliary vector says the
     * program headers are; else the first file (the kernel lists them in
     * address order, and the executable usually comes first). */
    const struct segment *exe = NULL;
    if (c->at_phdr) {
        size_t i = seg_index(c, c->at_phdr);
        if (i < c->nsegs && c->at_phdr >= c->segs[i].vaddr)
            exe = &c->segs[i];
    }
    if (exe && exe->file)
        snprintf(c->info.exe, sizeof c->info.exe, "%s", exe->file->path);
    else if (c->nfiles)
        snprintf(c->info.exe, sizeof c->info.exe, "%s", c->files[0].path);
    return GS_OK;
}

static gs_core *core_new(void)
{
    gs_core *c = gs_xcalloc(1, sizeof *c);
    c->reader.ops = &core_ops;
    return c;
}

gs_status gs_core_open_buffer(const void *data, size_t len, gs_core **out, gs_error *err)
{
    gs_core *c = core_new();
    c->path = gs_xstrdup("");
    c->data = data;
    c->size = len;
    gs_status st = parse(c, "the core", err);
    if (st != GS_OK) {
        gs_core_close(c);
        return st;
    }
    *out = c;
    return GS_OK;
}

gs_status gs_core_open(const char *path, gs_core **out, gs_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return gs_fail(err, e == EACCES || e == EPERM ? GS_ERR_PERMISSION : GS_ERR_IO, "cannot open %s: %s", path,
                       strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return gs_fail(err, GS_ERR_IO, "%s is not a regular file", path);
    }
    if (st.st_size == 0 || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return gs_fail(err, GS_ERR_CORRUPT, "%s is %s", path, st.st_size ? "too large to map" : "empty");
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return gs_fail(err, GS_ERR_IO, "cannot map %s: %s", path, strerror(e));
    gs_core *c = core_new();
    c->path = gs_xstrdup(path);
    c->data = p;
    c->size = (size_t)st.st_size;
    c->mapped = true;
    gs_status s = parse(c, path, err);
    if (s != GS_OK) {
        gs_core_close(c);
        return s;
    }
    *out = c;
    return GS_OK;
}

/* --- files on disk ------------------------------------------------------------------ */

bool gs_core_build_id_at(gs_core *c, uint64_t start, char *buf, size_t cap)
{
    size_t i = seg_index(c, start);
    if (i >= c->nsegs || start != c->segs[i].vaddr)
        return false;
    const struct segment *s = &c->segs[i];
    size_t len = s->avail < HEADER_PAGE ? (size_t)s->avail : HEADER_PAGE;
    return len && build_id_of(c->data + s->offset, len, buf, cap);
}

static void map_file(struct cfile *f, const char *route)
{
    int fd = open(route, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            f->data = p;
            f->size = (size_t)st.st_size;
            f->opened = gs_xstrdup(route);
        }
    }
    close(fd);
}

/* The permissions of the mapping at file offset `off` of an ELF file, from
 * its own program headers; read-only when the file does not say. */
static unsigned flags_in_file(const struct cfile *f, uint64_t off)
{
    Elf64_Ehdr eh;
    if (!f->data || f->size < sizeof eh)
        return PF_R;
    memcpy(&eh, f->data, sizeof eh);
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        !range_ok(f->size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
        return PF_R;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, f->data + eh.e_phoff + i * sizeof ph, sizeof ph);
        uint64_t lo = ph.p_offset & ~4095ull;
        if (ph.p_type == PT_LOAD && off >= lo && off - lo < ph.p_filesz + (ph.p_offset - lo))
            return ph.p_flags & (PF_R | PF_W | PF_X);
    }
    return PF_R;
}

/* gdb's gcore leaves out the mappings it does not dump (the kernel writes a
 * header with no data for them): a file mapping NT_FILE names but no
 * segment covers becomes a segment with no data in the core, read from the
 * file, with the file's own permissions for that part. */
static void add_file_only_segments(gs_core *c)
{
    size_t added = 0;
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct cfile *e = &c->files[i];
        size_t k = seg_index(c, e->start);
        if (k < c->nsegs && c->segs[k].vaddr < e->end)
            continue; /* (partly) in the core already */
        added++;
    }
    if (!added)
        return;
    c->segs = gs_xreallocarray(c->segs, c->nsegs + added, sizeof *c->segs);
    size_t n = c->nsegs;
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct cfile *e = &c->files[i];
        size_t k = seg_index(c, e->start);
        if (k < c->nsegs && c->segs[k].vaddr < e->end)
            continue;
        c->segs[n++] = (struct segment){.vaddr = e->start, .memsz = e->end - e->start, .file = e->same,
                                        .file_off = e->off, .flags = flags_in_file(e->same, e->off)};
    }
    c->nsegs = n;
    gs_qsort(c->segs, c->nsegs, sizeof *c->segs, seg_by_vaddr);
    c->last = 0;
}

gs_status gs_core_attach_files(gs_core *c, const char *sysroot, const char *exe, gs_error *err)
{
    (void)err;
    /* The core's copy of each file's first page holds its build id. */
    for (size_t s = 0; s < c->nsegs; s++)
        if (c->segs[s].file && c->segs[s].file_off == 0 && !c->segs[s].file->core_id[0])
            gs_core_build_id_at(c, c->segs[s].vaddr, c->segs[s].file->core_id, sizeof c->segs[s].file->core_id);
    for (size_t i = 0; i < c->nfiles; i++) {
        struct cfile *f = &c->files[i];
        if (f->same != f || f->state != FILE_UNSEEN)
            continue; /* one entry per path opens the file */
        char route[4200];
        if (exe && exe[0] && strcmp(f->path, c->info.exe) == 0)
            snprintf(route, sizeof route, "%s", exe);
        else
            snprintf(route, sizeof route, "%s%s", sysroot ? sysroot : "", f->path);
        if (f->path[0] == '/')
            map_file(f, route);
        if (!f->data) {
            f->state = FILE_MISSING;
            continue;
        }
        build_id_of(f->data, f->size, f->disk_id, sizeof f->disk_id);
        if (f->core_id[0] && strcmp(f->core_id, f->disk_id) != 0) {
            munmap((void *)f->data, f->size);
            f->data = NULL;
            f->size = 0;
            f->state = FILE_MISMATCH;
            continue;
        }
        f->state = FILE_USED;
    }
    if (!c->maps.v)
        add_file_only_segments(c);
    /* Tally what the files supply and what nothing supplies. */
    c->info.bytes_from_files = c->info.bytes_unavailable = 0;
    for (size_t s = 0; s < c->nsegs; s++) {
        const struct segment *seg = &c->segs[s];
        if (seg->filesz >= seg->memsz || !seg->file)
            continue;
        uint64_t left = seg->memsz - seg->filesz;
        /* A used file supplies what it has; a mapping past its end (the
         * tail of its last page) holds nothing the process could read. */
        if (seg->file->state == FILE_USED) {
            uint64_t foff = seg->file_off + seg->filesz;
            uint64_t have = foff < seg->file->size ? seg->file->size - foff : 0;
            c->info.bytes_from_files += have < left ? have : left;
        } else {
            c->info.bytes_unavailable += left;
        }
    }
    return GS_OK;
}

const unsigned char *gs_core_file_data(const gs_core *c, uint64_t start, size_t *size)
{
    *size = 0;
    size_t lo = 0, hi = c->nsegs;
    /* segments are sorted by address and disjoint (gs_core_open) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->segs[mid].vaddr < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->nsegs || c->segs[lo].vaddr != start || !c->segs[lo].file)
        return NULL;
    const struct cfile *f = c->segs[lo].file->same;
    if (f->state != FILE_USED || !f->data)
        return NULL;
    *size = f->size;
    return f->data;
}

gs_status gs_core_file_check(const gs_core *c, const char *path, gs_error *err)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct cfile *f = c->files[i].same;
        if (strcmp(f->path, path) != 0)
            continue;
        if (f->state == FILE_MISMATCH)
            return gs_fail(err, GS_ERR_CORRUPT,
                           "%s on disk is not the file the core's process ran (build id %s, the core has %s): "
                           "give the right file with --exe or --sysroot",
                           f->opened ? f->opened : path, f->disk_id[0] ? f->disk_id : "none", f->core_id);
        if (f->state == FILE_MISSING || f->state == FILE_UNSEEN)
            return gs_fail(err, GS_ERR_IO, "cannot open %s, which the core names: give its root with --sysroot", path);
        return GS_OK;
    }
    return GS_OK; /* not a file the core names: nothing to compare with */
}

/* --- the maps ----------------------------------------------------------------------- */

const gs_maps *gs_core_maps(const gs_core *c)
{
    gs_core *m = (gs_core *)c; /* built on first use, then cached */
    if (m->maps.v || !c->nsegs)
        return &c->maps;
    m->maps.v = gs_xcalloc(c->nsegs, sizeof *m->maps.v);
    for (size_t i = 0; i < c->nsegs; i++) {
        const struct segment *s = &c->segs[i];
        gs_map *g = &m->maps.v[m->maps.n++];
        g->start = s->vaddr;
        g->end = s->vaddr + s->memsz;
        g->perms = GS_MAP_PRIVATE | (s->flags & PF_R ? GS_MAP_READ : 0) | (s->flags & PF_W ? GS_MAP_WRITE : 0) |
                   (s->flags & PF_X ? GS_MAP_EXEC : 0);
        g->offset = s->file ? s->file_off : 0;
        g->path = s->file ? s->file->path : (char *)""; /* borrowed: gs_maps_free frees only v */
        g->deleted = s->file && s->file->deleted;
    }
    return &c->maps;
}

const struct gs_core_info *gs_core_info(const gs_core *c) { return &c->info; }

const struct gs_core_thread *gs_core_threads(const gs_core *c, size_t *n)
{
    *n = c->nthreads;
    return c->threads;
}

const char *gs_core_path(const gs_core *c) { return c->path; }

void gs_core_close(gs_core *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nfiles; i++) {
        struct cfile *f = &c->files[i];
        if (f->data)
            munmap((void *)f->data, f->size);
        free(f->path);
        free(f->opened);
    }
    free(c->files);
    gs_maps_free(&c->maps);
    free(c->segs);
    free(c->threads);
    if (c->mapped)
        munmap((void *)c->data, c->size);
    free(c->path);
    free(c);
}
