/* test_thp: huge-page advice follows util/thp.h's decision. With
 * GCSCOPE_HUGE_PAGES=1 a large block gets MADV_HUGEPAGE (the "hg" flag of
 * its mapping in /proc/self/smaps) and a small one does not; with
 * GCSCOPE_HUGE_PAGES=0 no block gets it. The decision is read once per
 * process, so each setting runs in a child of its own. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/thp.h"
#include "unit.h"

/* 1: the mapping holding p is advised for huge pages, 0: not, -1: unknown. */
static int advised(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    bool inside = false;
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        uintptr_t lo, hi;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
            continue;
        }
        if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            found = strstr(line, " hg") != NULL;
            break;
        }
    }
    fclose(f);
    return found;
}

static int child(const char *setting)
{
    unit_passed = unit_failed = 0; /* counted afresh in each child */
    setenv("GCSCOPE_HUGE_PAGES", setting, 1);
    gs_alloc_init();
    bool want = setting[0] == '1';
    UNIT_CHECK(gs_huge_pages_pay() == want);
    void *big = gs_try_malloc((size_t)8 << 20), *small = gs_try_malloc((size_t)1 << 20);
    UNIT_CHECK(big && small);
    UNIT_CHECK(advised(big) == (want ? 1 : 0));
    UNIT_CHECK(advised(small) == 0);
    /* Growing keeps the advice (mremap moves the mapping with its flags). */
    big = gs_try_reallocarray(big, 2, (size_t)8 << 20);
    UNIT_CHECK(big && advised(big) == (want ? 1 : 0));
    gs_advise_huge(NULL, (size_t)8 << 20); /* nothing to advise: no effect, no crash */
    free(big);
    free(small);
    return unit_finish(want ? "test_thp (huge pages on)" : "test_thp (huge pages off)");
}

int main(void)
{
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0)
        return unit_skip("no transparent huge pages in this kernel");
    const char *settings[] = {"1", "0"};
    for (int i = 0; i < 2; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            int rc = child(settings[i]);
            fflush(NULL);
            _exit(rc);
        }
        int status = 0;
        UNIT_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return unit_finish("test_thp");
}
