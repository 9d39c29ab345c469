/* bulk_copy.h: copy ranges of a stopped target into local buffers, in
 * bounded chunks, on several threads, within a deadline (src/proc layer).
 *
 * The pause is the copy, so the copy is what must respect --timeout: it
 * runs in chunks of at most GS_COPY_CHUNK bytes, and before each chunk a
 * worker looks at the deadline and the stop-signal flag. The target is thus
 * never held longer than the deadline plus one chunk per worker (a few
 * milliseconds). Each worker is its own thread with its own
 * process_vm_readv calls (the kernel copies page by page under the target's
 * mm lock taken for reading, so workers do not serialise), as many as the
 * cores gcscope may run on. Unreadable pages are zero-filled and counted.
 */
#ifndef GCSCOPE_PROC_BULK_COPY_H
#define GCSCOPE_PROC_BULK_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GS_COPY_CHUNK ((size_t)8 << 20)

struct gs_copy_job {
    uint64_t addr;      /* in the target */
    unsigned char *dst; /* len writable bytes here */
    size_t len;
};

struct gs_copy_result {
    uint64_t bytes_read;  /* read from the target */
    uint64_t bytes_done;  /* covered (read or zero-filled) */
    size_t bad_pages;     /* zero-filled because unreadable */
    bool complete;        /* every job done (false: deadline, signal, target gone) */
    bool target_gone;     /* process_vm_readv said ESRCH */
    int threads;          /* workers used */
};

/* threads <= 0: gs_copy_threads(). deadline: gs_now() time, 0 = none. */
void gs_bulk_copy(pid_t pid, const struct gs_copy_job *jobs, size_t n, int threads, double deadline,
                  struct gs_copy_result *res);

/* The cores this process may run on, at most 16 (GCSCOPE_COPY_THREADS in
 * the environment overrides it, for benchmarks: 1 gives the single-thread
 * floor). */
int gs_copy_threads(void);

#endif
