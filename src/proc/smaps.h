/* smaps.h: how much of each mapping is resident, from /proc/PID/smaps.
 *
 * Read once per capture, right after the target resumes (the kernel walks
 * every page table to write smaps: milliseconds per gigabyte, which the
 * pause should not pay; a few pages touched meanwhile do not change the
 * accounting). The entries keep the figures the RSS accounting uses.
 */
#ifndef GCSCOPE_PROC_SMAPS_H
#define GCSCOPE_PROC_SMAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/status.h"

#define GS_SMAPS_MAX 1000000

struct gs_smap {
    uint64_t start, end;
    uint64_t rss, anonymous, swap; /* bytes */
    unsigned perms;                /* GS_MAP_* (proc/maps.h) */
    char path[256];                /* "" anonymous, "[heap]", "[stack]", a file (cut) */
};

/* Read /proc/PID/smaps into *out (malloc'd; free it). GS_ERR_NO_PROCESS /
 * GS_ERR_PERMISSION / GS_ERR_IO when it cannot be read. */
gs_status gs_smaps_read(pid_t pid, struct gs_smap **out, size_t *n, gs_error *err);

/* Parse smaps text (tests). */
gs_status gs_smaps_parse(const char *text, size_t len, struct gs_smap **out, size_t *n, gs_error *err);

#endif
