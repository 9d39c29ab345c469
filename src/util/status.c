#include "config.h"

#include <stdio.h>
#include <string.h>

#include "util/status.h"

static const struct {
    const char *name;
    int exit_code;
    const char *text;
} status_table[] = {
#define GS_STATUS_ROW(name, code, text) {#name, code, text},
    GS_STATUS_LIST(GS_STATUS_ROW)
#undef GS_STATUS_ROW
};

gs_status gs_vfail(gs_error *err, gs_status code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

gs_status gs_fail(gs_error *err, gs_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gs_vfail(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void gs_error_prefix(gs_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the old message right to make room for "PREFIX: "; what no
     * longer fits at the end is cut. */
    size_t plen = strlen(prefix) + 2, cap = sizeof err->msg;
    if (plen >= cap)
        plen = cap - 1;
    size_t olen = strnlen(err->msg, cap - 1);
    if (olen > cap - 1 - plen)
        olen = cap - 1 - plen;
    memmove(err->msg + plen, err->msg, olen);
    err->msg[plen + olen] = '\0';
    memcpy(err->msg, prefix, plen - 2 < sizeof prefix ? plen - 2 : 0);
    if (plen >= 2) {
        err->msg[plen - 2] = ':';
        err->msg[plen - 1] = ' ';
    }
}

static int valid(gs_status s) { return (unsigned)s < GS_STATUS_COUNT; }

int gs_status_exit_code(gs_status s) { return valid(s) ? status_table[s].exit_code : 70; }
const char *gs_status_name(gs_status s) { return valid(s) ? status_table[s].name : "GS_ERR_INTERNAL"; }
const char *gs_status_text(gs_status s) { return valid(s) ? status_table[s].text : "internal error"; }
