/* unwind_core.c: native stacks from a core file (unwind_core.h).
 *
 * libunwind-coredump supplies the registers of each thread (NT_PRSTATUS)
 * and finds the unwind tables in the files NT_FILE names. Memory reads go
 * through gcscope's own core reader instead of libunwind's: it is bounded
 * by the file's real size (a truncated core) and supplies what the core
 * left out from the checked files under the sysroot. With a sysroot, the
 * files libunwind opens for the unwind tables are pointed there too.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libunwind-coredump.h>

#include "proc/unwind_core.h"

/* The core being walked, for access_mem (libunwind passes the UCD_info as
 * the callback's argument, which knows nothing of gcscope's reader). One
 * walk at a time: gcscope is single-threaded. */
static gs_core *walking;

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
    (void)as;
    (void)arg;
    if (write || !walking)
        return -UNW_EINVAL;
    return gs_read_exact(gs_core_reader(walking), addr, val, sizeof *val) ? 0 : -UNW_EINVAL;
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
    if (root && root[0]) {
        const gs_maps *maps = gs_core_maps(core);
        for (size_t i = 0; i < maps->n; i++) {
            char file[4200];
            if (maps->v[i].path[0] != '/')
                continue;
            snprintf(file, sizeof file, "%s%s", root, maps->v[i].path);
            _UCD_add_backing_file_at_vaddr(ui, (unsigned long)maps->v[i].start, file);
        }
    }
    unw_accessors_t acc = _UCD_accessors;
    acc.access_mem = access_mem;
    unw_addr_space_t as = unw_create_addr_space(&acc, 0);
    if (as) {
        unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
        walking = core;
        int nt = _UCD_get_num_threads(ui);
        for (int i = 0; i < nt && (size_t)i < n; i++) {
            _UCD_select_thread(ui, i);
            /* The same notes in the same order: the threads must agree. */
            if (_UCD_get_pid(ui) != out[i].tid)
                continue;
            out[i].n = 0;
            walk(as, ui, &out[i]);
        }
        walking = NULL;
        unw_destroy_addr_space(as);
    }
    _UCD_destroy(ui);
}
