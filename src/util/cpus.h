/* cpus.h: how many threads a parallel step of gcscope uses.
 *
 * The copy in the pause and the graph build each split their work across
 * threads; both ask here so that an environment variable can override
 * the count (1: no threads, for measuring and for comparing outputs) the
 * same way, and both otherwise use the CPUs this process may run on.
 */
#ifndef GCSCOPE_UTIL_CPUS_H
#define GCSCOPE_UTIL_CPUS_H

/* The value of the environment variable env when it is set (at least 1),
 * else the CPUs in this process's affinity mask (else those online);
 * never more than max. */
int gs_thread_count(const char *env, int max);

#endif
