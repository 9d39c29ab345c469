/* man-reports: writes the manual page (docs/gcscope.1) from its source
 * (docs/gcscope.1.in, on stdin), putting every report's entry from the
 * report table where the line @REPORTS@ stands.
 *
 * Run by make when it builds docs/gcscope.1: the manual's report list is
 * made from the same rows as --help's, so a new report needs no edit of
 * the manual, and the two cannot drift. A program rather than a hidden
 * option of gcscope, so that gcscope's options stay the ones --help lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/table.h"

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int placed = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (strcmp(line, "@REPORTS@\n") == 0) {
            gs_reports_man(stdout);
            placed++;
        } else {
            fwrite(line, 1, (size_t)n, stdout);
        }
    }
    free(line);
    if (placed != 1) {
        fprintf(stderr, "man-reports: expected one @REPORTS@ line on stdin, found %d\n", placed);
        return 1;
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
