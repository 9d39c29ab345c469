#include "config.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/cpus.h"

int gs_thread_count(const char *env, int max)
{
    const char *value = getenv(env);
    int n = 0;
    if (value && *value) {
        n = atoi(value);
    } else {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set) == 0)
            n = CPU_COUNT(&set);
        if (n < 1)
            n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    }
    return n < 1 ? 1 : n > max ? max : n;
}
