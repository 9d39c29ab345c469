/* phases.h: where a long computation spends its time, for whoever makes it
 * faster. With GCSCOPE_TRACE_PHASES=1 in the environment, each
 * gs_phase_mark() prints one line on stderr: the phase's name, its wall
 * time and the process's CPU time (every thread) since the previous mark,
 * and the process's resident and peak resident memory at the mark.
 * CPU time is the figure to compare on a busy machine, where wall time
 * mostly measures the other processes. Silent and nearly free otherwise. */
#ifndef GCSCOPE_UTIL_PHASES_H
#define GCSCOPE_UTIL_PHASES_H

#include <stdbool.h>

struct gs_phases {
    bool on;
    double wall, cpu; /* at the previous mark */
};

void gs_phases_start(struct gs_phases *p);
void gs_phase_mark(struct gs_phases *p, const char *name);

#endif
