/* clock.h: the one clock gcscope measures time with.
 *
 * Part of src/util/, which knows nothing of processes, Python or graphs.
 * Deadlines, pause times and the figures in reports are all differences of
 * gs_now() values, so they never jump when the wall clock is set. */
#ifndef GCSCOPE_UTIL_CLOCK_H
#define GCSCOPE_UTIL_CLOCK_H

/* Seconds since an arbitrary epoch (CLOCK_MONOTONIC). */
double gs_now(void);

#endif
