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
    char prefix[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

static int valid(gs_status s) { return (unsigned)s < GS_STATUS_COUNT; }

int gs_status_exit_code(gs_status s) { return valid(s) ? status_table[s].exit_code : 70; }
const char *gs_status_name(gs_status s) { return valid(s) ? status_table[s].name : "GS_ERR_INTERNAL"; }
const char *gs_status_text(gs_status s) { return valid(s) ? status_table[s].text : "internal error"; }
