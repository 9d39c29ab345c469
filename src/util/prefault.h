/* prefault.h: let another thread take the page faults of memory that one
 * thread is about to write.
 *
 * The first write to a fresh page costs the kernel zeroing it (and, in a
 * virtual machine, the host backing it first): 0.5 to 2.6 GB/s measured on
 * the 2-core test machine, where writing the same pages again runs at 27
 * GB/s. The graph build appends to arrays of hundreds of megabytes, so on
 * its one merging thread those faults were a third of its time. The owner
 * of an array asks for the stretch ahead of what it has written to be
 * faulted in (MADV_POPULATE_WRITE: faults the pages without touching their
 * bytes, so the owner may write there meanwhile) and, before it moves or
 * frees an array, waits until the helper is idle.
 */
#ifndef GCSCOPE_UTIL_PREFAULT_H
#define GCSCOPE_UTIL_PREFAULT_H

#include <stddef.h>

struct gs_prefault;

/* A helper thread, or NULL when the kernel cannot populate ahead (before
 * Linux 5.14) or no thread starts: then every call below does nothing. */
struct gs_prefault *gs_prefault_new(void);

/* An array at base, of cap bytes, written up to `used`: have the stretch
 * past *ahead (what was asked for already, 0 at first) up to a few
 * megabytes beyond `used` faulted in. Cheap when nothing is due. */
void gs_prefault_ahead(struct gs_prefault *pf, void *base, size_t used, size_t cap, size_t *ahead);

/* Have [base, base + len) faulted in (a fresh array about to be filled). */
void gs_prefault_range(struct gs_prefault *pf, void *base, size_t len);

/* Wait until nothing asked for is pending or running: call before moving
 * (realloc) or freeing memory that was asked for. */
void gs_prefault_quiet(struct gs_prefault *pf);

void gs_prefault_free(struct gs_prefault *pf);

#endif
