/* browser.h: the ncurses browser over a snapshot (issue 6).
 *
 * gs_browse() takes over the terminal until the user quits, and always
 * restores it (on errors and signals too). It never touches the target:
 * `R` asks the source for a new snapshot through the recapture callback.
 */
#ifndef GCSCOPE_UI_BROWSER_H
#define GCSCOPE_UI_BROWSER_H

#include "graph/snapshot.h"
#include "util/status.h"

struct gs_browse_source {
    /* Capture the live process again (NULL for a snapshot file). On
     * success *out is a new snapshot the browser owns. */
    gs_status (*recapture)(void *arg, struct gs_snapshot **out, gs_error *err);
    void *arg;
    const char *label; /* "process 1234" or the file name, for the title */
};

/* Browse snap (the browser takes ownership and frees it). */
gs_status gs_browse(struct gs_snapshot *snap, const struct gs_browse_source *src, gs_error *err);

#endif
