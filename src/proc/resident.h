/* resident.h: which pages of a target's mapping hold data (src/proc layer).
 *
 * Reading a page the target never touched makes the kernel give the target
 * a real page (or the zero page) that stays: a capture that copies whole
 * mappings can push a process with large untouched reservations (8 MiB
 * thread stacks, arenas, MAP_NORESERVE regions) into the OOM killer. So the
 * image copies only the pages that are present or swapped out; the others
 * read as zeros, which is what the target would see in them.
 *
 * How: the PAGEMAP_SCAN ioctl on /proc/PID/pagemap (Linux 6.7+), which
 * returns present ranges only and skips holes in the page tables at the
 * speed of the walk, and tells the shared zero page apart (skipped too: it
 * reads as zeros). Older kernels: one 64-bit /proc/PID/pagemap entry a page
 * (bit 63 present, bit 62 swapped), read in bounded pieces. Both need the
 * same permission as ptrace (PTRACE_MODE_READ). When neither works, the
 * whole range is reported resident (the old behaviour, never less data).
 *
 * Calls: gs_resident_open(pid) once, gs_resident_scan() per range, any
 * number of times (before and during the stop), gs_resident_close().
 */
#ifndef GCSCOPE_PROC_RESIDENT_H
#define GCSCOPE_PROC_RESIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct gs_resident gs_resident;

/* A run of pages to copy: [start, end), page aligned. */
struct gs_run {
    uint64_t start, end;
};

/* NULL only when out of memory; a pagemap that cannot be opened makes
 * every scan report its whole range (gs_resident_exact() says so). */
gs_resident *gs_resident_open(pid_t pid);
void gs_resident_close(gs_resident *r);

/* True when scans really look at pages (PAGEMAP_SCAN or pagemap). */
bool gs_resident_exact(const gs_resident *r);

/* Append the resident runs of [start, end) to *runs (a growable array of
 * *n entries, capacity *cap; the caller frees it), adjacent runs merged.
 * Returns false when the deadline (gs_now() time, 0 = none) passed or a
 * stop signal is pending, with the runs found so far appended. */
bool gs_resident_scan(gs_resident *r, uint64_t start, uint64_t end, double deadline, struct gs_run **runs,
                      size_t *n, size_t *cap);

#endif
