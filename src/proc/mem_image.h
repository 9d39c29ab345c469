/* mem_image.h: a copy of the target's memory, taken while it is stopped.
 *
 * The pause is spent only on bulk copies: gs_image_plan() (before stopping
 * the target) estimates what is resident and pre-faults a buffer that
 * large, so that gs_image_copy_writable() (while stopped) finds the
 * resident pages again (src/proc/resident.h) and copies them with
 * process_vm_readv straight into ready pages, in bounded chunks on every
 * core (src/proc/bulk_copy.h). gs_image_copy_readonly() (before the stop,
 * and again after it for mappings that appeared meanwhile) adds the small
 * read-only file mappings (.rodata: static type names, member tables),
 * which cannot change. Decoders then read the image through
 * gs_image_reader() and never touch the live process.
 *
 * Which regions: every private readable mapping that is writable (heap,
 * pymalloc arenas, thread stacks, the data and bss of libpython and the
 * extension modules), and read-only, non-executable file mappings of at most
 * GS_IMAGE_RO_MAX bytes. Never device files (/dev/...), [vvar], [vsyscall],
 * or shared mappings (a shared file can be huge and holds no Python objects).
 *
 * The image is sparse: of an anonymous mapping only the pages that are
 * present or swapped out are copied and stored; the others read as zeros
 * (what the target itself would read there) and cost nothing, neither to
 * the target (reading them would give it real pages that stay) nor to
 * gcscope. File-backed writable mappings (.data) are copied whole: their
 * untouched pages hold the file's bytes, not zeros, and they are small.
 */
#ifndef GCSCOPE_PROC_MEM_IMAGE_H
#define GCSCOPE_PROC_MEM_IMAGE_H

#include <sys/types.h>

#include "proc/maps.h"
#include "proc/memreader.h"
#include "util/status.h"

struct gs_phases; /* util/phases.h */

#define GS_IMAGE_RO_MAX (16u << 20)

typedef struct gs_image gs_image;

struct gs_image_stats {
    size_t regions;        /* regions (mappings) in the image */
    size_t runs;           /* stored runs of pages */
    uint64_t bytes;        /* bytes held (stored runs) */
    uint64_t mapped_bytes; /* bytes the regions span (held + absent pages read as zeros) */
    int copy_threads;      /* workers of the stopped copy */
    uint64_t bytes_read;   /* bytes actually read from the target */
    size_t bad_pages;      /* pages that could not be read (zero-filled) */
    double copy_seconds;   /* time spent in the stopped copy */
};

/* Before the stop: make an empty image for process pid with a pre-faulted
 * buffer as large as the resident part of the writable regions of `maps`
 * (plus slack for what the target adds before it stops). max_bytes (0 = no
 * limit) refuses a larger resident heap with GS_ERR_NOMEM and a message
 * naming --max-capture. deadline: gs_now() time (0 = none); past it, or on
 * a stop signal, GS_ERR_DEADLINE / GS_ERR_INTERRUPTED. ph (NULL: none)
 * gets a mark after each step (resident scan, prefault, zero pass, file
 * mappings) for GCSCOPE_TRACE_PHASES. */
gs_status gs_image_plan(pid_t pid, const gs_maps *maps, uint64_t max_bytes, double deadline, gs_image **out,
                        struct gs_phases *ph, gs_error *err);

/* While the target is stopped: find the resident pages of the writable
 * regions of `maps` (re-read after the stop) and copy them, in chunks,
 * checking the deadline and the stop signals between chunks. Call once per
 * image, and gs_image_after_stop() before reading it. Errors: GS_ERR_DEADLINE or GS_ERR_INTERRUPTED saying how much was
 * copied, GS_ERR_EXITED, GS_ERR_NOMEM (grew past max_bytes). */
gs_status gs_image_copy_writable(gs_image *img, pid_t pid, const gs_maps *maps, double deadline, gs_error *err);

/* Add the small read-only file mappings not in the image yet. They never
 * change, so this runs while the target runs. */
void gs_image_copy_readonly(gs_image *img, pid_t pid, const gs_maps *maps);

/* After the detach, before the image is read: index the copy for reading
 * (sort its runs, map each page to its run: a millisecond for 400 MiB,
 * kept out of the pause), and give back the pre-faulted pages that the
 * copy did not fill (the plan's slack for memory the target might touch
 * before the stop: a sixteenth and 4 MiB), so that they do not count in
 * gcscope's peak while the graph is built; later carves fault them in
 * again. */
void gs_image_after_stop(gs_image *img);

/* The image as a reader (owned by the image: do not free it). */
gs_reader *gs_image_reader(gs_image *img);
/* Another reader of the image, for a thread of its own (free it with
 * gs_reader_free before the image); NULL when memory ran out. Readers of
 * one image may run on several threads at once. */
gs_reader *gs_image_thread_reader(gs_image *img);

const struct gs_image_stats *gs_image_stats(const gs_image *img);

/* Where the image holds bytes, in address order: [*start, *end) of span
 * i < count (stored runs merged where they touch). Everything else reads
 * as zeros or not at all, so no object lies outside these spans. */
size_t gs_image_region_count(const gs_image *img);
void gs_image_region(const gs_image *img, size_t i, uint64_t *start, uint64_t *end);
void gs_image_free(gs_image *img);

/* The physical floor, for benchmarks: the time to bulk-copy the resident
 * runs of the image's anonymous regions with process_vm_readv, on one
 * thread, into a pre-faulted scratch buffer. Prepare (allocate and fault
 * the scratch) before stopping the target, measure while it is stopped,
 * free after. */
typedef struct gs_floor gs_floor;
gs_floor *gs_floor_prepare(const gs_image *img);
/* Fill [base, base+len) with zeros by reading zero_fd (/dev/zero; < 0:
 * nothing), so that the kernel has written every page before the stop
 * (mem_image.c's prefault says why). */
void gs_kernel_zero(int zero_fd, unsigned char *base, size_t len);
/* Seconds for the copy (< 0 on failure); *bytes gets the amount copied. */
double gs_floor_measure(gs_floor *f, pid_t pid, uint64_t *bytes);
void gs_floor_free(gs_floor *f);

/* An image of memory that needs no stop (a core file): the regions a live
 * capture would copy (the writable mappings and the small read-only file
 * mappings of `maps`), each borrowed from `from`'s view when it has the
 * region whole (a core's own data: no copy), else copied through read()
 * with the pages it cannot supply zero-filled and counted in bad_pages.
 * `from` must outlive the image. max_bytes as for gs_image_plan(). */
gs_status gs_image_from_reader(const gs_maps *maps, gs_reader *from, uint64_t max_bytes, gs_image **out,
                               gs_error *err);

/* Is this mapping one that the image copies while stopped? */
bool gs_image_wants_writable(const gs_map *m);

#endif
