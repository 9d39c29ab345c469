/* unwind_core.c: native stacks from a core file (unwind_core.h).
 *
 * libunwind-coredump supplies the registers of each thread (NT_PRSTATUS).
 * Two of its accessors are replaced:
 *   - memory reads go through gcscope's own core reader: bounded by the
 *     file's real size (a truncated core), and what the core left out
 *     (code, unwind tables) comes from the build-id-checked files under
 *     the sysroot;
 *   - the unwind table of an address is found here: libunwind 1.6's
 *     _UCD_find_proc_info takes a file's load base from the segment the
 *     address is in, which is wrong for every segment but the first of a
 *     file (code segments start at file offset 0x1000 nowadays), so it
 *     finds nothing past the first frame. The file's .eh_frame_hdr, at its
 *     load bias, goes to libunwind's own binary search instead.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libunwind-coredump.h>

#include "elf/elf.h"
#include "proc/load_bias.h"
#include "proc/unwind_core.h"
#include "util/alloc.h"

/* libunwind's search of a binary-search table (.eh_frame_hdr), exported by
 * libunwind-x86_64 but not declared in its headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
                                              unw_proc_info_t *pi, int need_unwind_info, void *arg);

#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_datarel_sdata4 0x3b
#define MAX_FILES 512

/* One file's unwind table as libunwind's remote-table search wants it. */
struct table {
    const char *path; /* as in the maps (borrowed) */
    bool usable;
    unw_dyn_info_t di;
};

static struct {
    gs_core *core;
    const char *root;
    struct table files[MAX_FILES];
    size_t n;
} U;

/* The range every mapping of path covers, for the table's ip range. */
static void file_range(const gs_maps *maps, const char *path, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (size_t i = 0; i < maps->n; i++) {
        if (strcmp(maps->v[i].path, path) != 0)
            continue;
        if (maps->v[i].start < *lo)
            *lo = maps->v[i].start;
        if (maps->v[i].end > *hi)
            *hi = maps->v[i].end;
    }
}

static void table_load(struct table *t, const gs_maps *maps)
{
    char route[4200];
    snprintf(route, sizeof route, "%s%s", U.root ? U.root : "", t->path);
    gs_elf *e = NULL;
    gs_error err;
    if (gs_elf_open(route, &e, &err) != GS_OK)
        return;
    uint64_t bias, hdr, hdr_size;
    size_t len;
    const unsigned char *h = gs_elf_section_data(e, ".eh_frame_hdr", &len);
    if (h && len >= 12 && h[0] == 1 && h[2] == DW_EH_PE_udata4 && h[3] == DW_EH_PE_datarel_sdata4 &&
        gs_elf_section(e, ".eh_frame_hdr", &hdr, &hdr_size) && gs_load_bias(e, maps, t->path, &bias)) {
        uint32_t fde_count;
        memcpy(&fde_count, h + 8, 4);
        uint64_t lo, hi;
        file_range(maps, t->path, &lo, &hi);
        if (fde_count && (uint64_t)fde_count * 8 <= len - 12 && lo < hi) {
            t->di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
            t->di.start_ip = lo;
            t->di.end_ip = hi;
            t->di.u.rti.segbase = hdr + bias;
            t->di.u.rti.table_data = hdr + bias + 12;
            t->di.u.rti.table_len = (uint64_t)fde_count * 8 / sizeof(unw_word_t);
            t->usable = true;
        }
    }
    gs_elf_close(e);
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info, void *arg)
{
    (void)arg;
    const gs_maps *maps = gs_core_maps(U.core);
    const gs_map *m = gs_maps_find(maps, ip);
    if (!m || m->path[0] != '/')
        return -UNW_ENOINFO;
    struct table *t = NULL;
    for (size_t i = 0; i < U.n && !t; i++)
        if (strcmp(U.files[i].path, m->path) == 0)
            t = &U.files[i];
    if (!t) {
        if (U.n == MAX_FILES)
            return -UNW_ENOINFO;
        t = &U.files[U.n++];
        memset(t, 0, sizeof *t);
        t->path = m->path;
        table_load(t, maps);
    }
    if (!t->usable)
        return -UNW_ENOINFO;
    return _Ux86_64_dwarf_search_unwind_table(as, ip, &t->di, pi, need_unwind_info, NULL);
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
    (void)as;
    (void)arg;
    if (write || !U.core)
        return -UNW_EINVAL;
    return gs_read_exact(gs_core_reader(U.core), addr, val, sizeof *val) ? 0 : -UNW_EINVAL;
}

static void walk(unw_addr_space_t as, struct UCD_info *ui, struct gs_native_stack *out)
{
    unw_cursor_t cursor;
    if (unw_init_remote(&cursor, as, ui) != 0)
        return;
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

void gs_unwind_core(gs_core *core, const char *root, struct gs_native_stack *out, size_t n)
{
    const char *path = gs_core_path(core);
    if (!path[0] || n == 0)
        return;
    struct UCD_info *ui = _UCD_create(path);
    if (!ui)
        return;
    unw_accessors_t acc = _UCD_accessors;
    acc.access_mem = access_mem;
    acc.find_proc_info = find_proc_info;
    unw_addr_space_t as = unw_create_addr_space(&acc, 0);
    if (as) {
        unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
        U.core = core;
        U.root = root;
        U.n = 0;
        int nt = _UCD_get_num_threads(ui);
        for (int i = 0; i < nt && (size_t)i < n; i++) {
            _UCD_select_thread(ui, i);
            /* The same notes in the same order: the threads must agree. */
            if (_UCD_get_pid(ui) != out[i].tid)
                continue;
            out[i].n = 0;
            walk(as, ui, &out[i]);
        }
        U.core = NULL;
        unw_destroy_addr_space(as);
    }
    _UCD_destroy(ui);
}
