/* thp.h: whether transparent huge pages are worth asking for here.
 *
 * A huge page saves 511 page faults and most TLB misses on the big arrays
 * and the copy of the target's memory, but is made of a free 2 MiB block.
 * A virtual machine whose balloon reports free memory to its host
 * (virtio-balloon free page reporting, Linux's page_reporting: free blocks
 * of 2 MiB and more, after about two seconds) has its host take exactly
 * those blocks back, and the next fault on one waits for the host to back
 * it again, while small pages come first from the fragments the guest
 * kept. On such a guest (this project's 2-core test VM) populating 1 GiB
 * took 2.6-3.6 s with huge pages and 0.5-1.1 s without, after 6 s idle;
 * 0.05-0.1 s and 0.16-0.3 s when the memory had been freed just before.
 */
#ifndef GCSCOPE_UTIL_THP_H
#define GCSCOPE_UTIL_THP_H

#include <stdbool.h>

/* False when a virtio balloon with free page reporting is present, or
 * GCSCOPE_HUGE_PAGES=0; true otherwise (or GCSCOPE_HUGE_PAGES=1). Read
 * once; safe from any thread. */
bool gs_huge_pages_pay(void);

#endif
