/* capture_core.c: from a core file to a capture (capture_core.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_core.h"
#include "emu/emu.h"
#include "py/layout.h"
#include "proc/unwind_core.h"
#include "util/alloc.h"
#include "util/clock.h"

/* locate's check: refuse a file that is not the one the process ran. */
static gs_status check_file(void *arg, const char *path, gs_error *err)
{
    return gs_core_file_check(arg, path, err);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The threads as NT_PRSTATUS lists them: tid, TLS base (which is what
 * CPython records as a thread's ident) and whether it sat in a system call;
 * the kernel's name of the main thread only (the core has no others). */
static void read_threads(struct gs_capture *cap, const struct gs_core_opts *opts)
{
    size_t n;
    const struct gs_core_thread *th = gs_core_threads(cap->core, &n);
    const struct gs_core_info *info = gs_core_info(cap->core);
    cap->native = gs_xcalloc(n ? n : 1, sizeof *cap->native);
    cap->nnative = n;
    cap->threads_stopped = n;
    for (size_t i = 0; i < n; i++) {
        struct gs_native_stack *s = &cap->native[i];
        s->tid = th[i].tid;
        s->fs_base = th[i].regs[GS_CORE_REG_FS_BASE];
        s->state = (int64_t)th[i].regs[GS_CORE_REG_ORIG_RAX] >= 0 ? 'S' : 'R';
        if (th[i].tid == info->pid)
            snprintf(s->comm, sizeof s->comm, "%s", info->fname);
    }
    if (opts->native_stacks)
        gs_unwind_core(cap->core, cap->files_root, cap->native, n);
}

static gs_status locate(struct gs_capture *cap, const struct gs_core_opts *opts, gs_error *err)
{
    const struct gs_core_info *info = gs_core_info(cap->core);
    struct gs_py_files files = {
        .pid = 0,
        .root = cap->files_root,
        .exe = info->exe,
        .exe_file = opts->exe,
        .name = base_name(opts->path),
        .comm = info->fname,
        .check = check_file,
        .arg = cap->core,
    };
    gs_status st = gs_py_locate_files(&files, &cap->maps, &cap->loc, err);
    if (st == GS_ERR_IO || st == GS_ERR_PERMISSION)
        gs_error_prefix(err, "%s", opts->sysroot ? "the core's files under --sysroot" :
                                   "the core's files (give --sysroot for a core from another machine or a container)");
    if (st == GS_OK && !cap->loc.runtime_addr)
        st = gs_fail(err, GS_ERR_UNSUPPORTED, "%s is of Python %d.%d: gcscope reads CPython %s", base_name(opts->path),
                     cap->loc.name_major, cap->loc.name_minor, gs_py_layout_supported());
    return st;
}

gs_status gs_capture_core(const struct gs_core_opts *opts, struct gs_capture **out, gs_error *err)
{
    struct gs_capture *cap = gs_xcalloc(1, sizeof *cap);
    cap->started = gs_now();
    cap->floor_seconds = -1;
    cap->attempts = 1;
    cap->files_root = opts->sysroot ? opts->sysroot : "";
    gs_status st = gs_core_open(opts->path, &cap->core, err);
    if (st != GS_OK)
        goto fail;
    const struct gs_core_info *info = gs_core_info(cap->core);
    cap->pid = info->pid;
    cap->was_stopped = info->state == 'T';
    if (info->no_file_note) {
        st = gs_fail(err, GS_ERR_CORRUPT, "%s has no NT_FILE note naming its mapped files: gcscope cannot find the "
                     "interpreter (a core from a kernel older than 3.7?)", opts->path);
        goto fail;
    }
    if ((st = gs_core_attach_files(cap->core, opts->sysroot, opts->exe, err)) != GS_OK)
        goto fail;
    gs_maps_copy(gs_core_maps(cap->core), &cap->maps);
    /* The emulated traverse reads compiled code from the same checked files. */
    cap->emu_files = gs_emu_files_from_core(cap->core, &cap->maps);
    if ((st = locate(cap, opts, err)) != GS_OK)
        goto fail;
    gs_reader *mem = gs_core_reader(cap->core);
    if ((st = gs_capture_choose_layout(cap, mem, err)) != GS_OK)
        goto fail;
    if ((st = gs_image_from_reader(&cap->maps, mem, opts->max_capture, &cap->image, err)) != GS_OK)
        goto fail;
    cap->copy_seconds = gs_image_stats(cap->image)->copy_seconds;
    if ((st = gs_py_runtime_read(gs_image_reader(cap->image), cap->layout, cap->loc.runtime_addr, &cap->rt, err)) !=
        GS_OK)
        goto fail;
    /* A live capture waits for a collection to end; a core cannot: its
     * collector lists are half moved, and gcscope does not guess. */
    if (gs_py_runtime_collecting(&cap->rt)) {
        st = gs_fail(err, GS_ERR_BUSY, "%s was written during a garbage collection: the collector's lists are in "
                     "the middle of a move, and gcscope does not guess", opts->path);
        goto fail;
    }
    if ((st = gs_capture_check_version(cap, err)) != GS_OK)
        goto fail;
    read_threads(cap, opts);
    cap->ready = gs_now();
    *out = cap;
    return GS_OK;
fail:
    gs_capture_free(cap);
    return st;
}
