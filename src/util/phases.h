/* phases.h: where a long computation spends its time, for whoever makes it
 * faster. With GCSCOPE_TRACE_PHASES=1 in the environment, each
 * gs_phase_mark() prints one line on stderr: the phase's name, its wall
 * time, the process's CPU time (every thread) and the calling thread's own
 * since the previous mark, and the process's resident and peak resident
 * memory at the mark. CPU time is the figure to compare on a busy machine,
 * where wall time mostly measures the other processes; where a phase runs
 * on several threads, the calling thread's own CPU time is its critical
 * path when the others keep up. Silent and nearly free otherwise. */
#ifndef GCSCOPE_UTIL_PHASES_H
#define GCSCOPE_UTIL_PHASES_H

#include <stdbool.h>

struct gs_phases {
    bool on;
    double wall, cpu, own; /* at the previous mark */
};

void gs_phases_start(struct gs_phases *p);
/* p NULL: nothing (for steps that are traced only from some callers). */
void gs_phase_mark(struct gs_phases *p, const char *name);

#endif
