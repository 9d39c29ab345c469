/* browser.c: being written (placeholder so the tree links). */
#include "config.h"

#include "ui/browser.h"

gs_status gs_browse(struct gs_snapshot *snap, const struct gs_browse_source *src, gs_error *err)
{
    (void)src;
    gs_snapshot_free(snap);
    return gs_fail(err, GS_ERR_INTERNAL, "the browser is not built yet");
}
