/* table.c: the report table's rows as data, and what is made from them
 * (see table.h). */
#include "config.h"

#include <string.h>

#include "report/table.h"

#define ROW(name, option, arg, needs, help) \
    {#name, option, arg, needs, {[GS_FORMAT_TEXT] = gs_report_##name##_text, [GS_FORMAT_JSON] = gs_report_##name##_json}, help},
const struct gs_report gs_reports[] = {GS_REPORTS(ROW)};
const size_t gs_nreports = sizeof gs_reports / sizeof gs_reports[0];

const struct gs_report *gs_report_by_name(const char *name)
{
    for (size_t i = 0; i < gs_nreports; i++)
        if (strcmp(gs_reports[i].name, name) == 0)
            return &gs_reports[i];
    return NULL;
}

gs_status gs_report_write(const struct gs_report *r, FILE *out, const struct gs_snapshot *s,
                          const struct gs_report_opts *o, gs_error *err)
{
    return r->write[o->json ? GS_FORMAT_JSON : GS_FORMAT_TEXT](out, s, o, err);
}

/* "      --referrers ADDR   the objects ...": the help starts in column 25
 * as the rest of --help does; continuation lines start there too. */
#define HELP_COLUMN 25

void gs_reports_usage(FILE *out)
{
    for (size_t i = 0; i < gs_nreports; i++) {
        const struct gs_report *r = &gs_reports[i];
        char tag[64];
        snprintf(tag, sizeof tag, "--%s%s%s", r->option, r->arg ? " " : "", r->arg ? r->arg : "");
        fprintf(out, "      %-*s ", HELP_COLUMN - 7, tag);
        for (const char *p = r->help; *p; p++) {
            fputc(*p, out);
            if (*p == '\n')
                fprintf(out, "%*s", HELP_COLUMN, "");
        }
        fputc('\n', out);
    }
}
