/* table.c: the report table's rows as data, and what is made from them
 * (see table.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "report/table.h"

#define ROW(name, option, arg, needs, help)                                                                 \
    {#name, option, arg, needs, {[GS_FORMAT_TEXT] = gs_report_##name##_text, [GS_FORMAT_JSON] = gs_report_##name##_json}, \
     help, gs_report_##name##_man},
const struct gs_report gs_reports[] = {GS_REPORTS(ROW)};
const size_t gs_nreports = sizeof gs_reports / sizeof gs_reports[0];

const struct gs_report *gs_report_by_name(const char *name)
{
    for (size_t i = 0; i < gs_nreports; i++)
        if (strcmp(gs_reports[i].name, name) == 0)
            return &gs_reports[i];
    return NULL;
}

static const struct {
    const char *report;
    enum gs_format format;
    gs_report_writer *write;
} extra_formats[] = {
#define FORMAT_ROW(name, FORMAT, format) {#name, GS_FORMAT_##FORMAT, gs_report_##name##_##format},
    GS_REPORT_FORMATS(FORMAT_ROW)
};

static const char *const format_names[GS_FORMAT_COUNT] = {
    [GS_FORMAT_TEXT] = "text", [GS_FORMAT_JSON] = "json", [GS_FORMAT_SVG] = "svg", [GS_FORMAT_FOLDED] = "folded"};

const char *gs_format_name(enum gs_format f)
{
    return f < GS_FORMAT_COUNT ? format_names[f] : "?";
}

enum gs_format gs_format_by_name(const char *name)
{
    for (int f = 0; f < GS_FORMAT_COUNT; f++)
        if (strcmp(format_names[f], name) == 0)
            return (enum gs_format)f;
    return GS_FORMAT_COUNT;
}

gs_report_writer *gs_report_writer_for(const struct gs_report *r, enum gs_format f)
{
    if (f >= GS_FORMAT_COUNT)
        return NULL;
    if (r->write[f])
        return r->write[f];
    for (size_t i = 0; i < sizeof extra_formats / sizeof extra_formats[0]; i++)
        if (extra_formats[i].format == f && strcmp(extra_formats[i].report, r->name) == 0)
            return extra_formats[i].write;
    return NULL;
}

void gs_reports_with_format(enum gs_format f, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < gs_nreports && at < cap; i++)
        if (gs_report_writer_for(&gs_reports[i], f)) {
            int n = snprintf(buf + at, cap - at, "%s--%s", at ? ", " : "", gs_reports[i].option);
            if (n < 0)
                break;
            at += (size_t)n;
        }
}

void gs_reports_with_pictures(char *buf, size_t cap)
{
    size_t n = 0, at = 0, nformats = sizeof extra_formats / sizeof extra_formats[0];
    for (size_t i = 0; i < nformats; i++)
        n += extra_formats[i].format == GS_FORMAT_SVG;
    buf[0] = 0;
    for (size_t i = 0, k = 0; i < nformats && at < cap; i++) {
        const struct gs_report *r = gs_report_by_name(extra_formats[i].report);
        if (extra_formats[i].format != GS_FORMAT_SVG || !r)
            continue;
        int w = snprintf(buf + at, cap - at, "%s--%s", k == 0 ? "" : k + 1 == n ? " or " : ", ", r->option);
        if (w < 0)
            break;
        at += (size_t)w;
        k++;
    }
}

gs_status gs_report_write(const struct gs_report *r, FILE *out, const struct gs_snapshot *s,
                          const struct gs_report_opts *o, gs_error *err)
{
    gs_report_writer *w = gs_report_writer_for(r, o->format);
    if (!w)
        return gs_fail(err, GS_ERR_USAGE, "--%s has no %s format", r->option, gs_format_name(o->format));
    if (o->an)
        return w(out, s, o, err);
    struct gs_report_opts with = *o;
    with.an = gs_analyses_new(s, NULL, NULL);
    gs_status st = w(out, s, &with, err);
    gs_analyses_free(with.an);
    return st;
}

/* --help's layout: an option in column 3, its text from column 25, every
 * line within HELP_WIDTH so that --help fits an 80-column terminal. */
#define HELP_COLUMN 25
#define HELP_WIDTH 79

/* Writes text's words from column `at` (the cursor's column) to HELP_WIDTH,
 * continuing lines at column `indent`; "\n" in text is a space. */
static void help_wrap(FILE *out, const char *text, int at, int indent)
{
    int col = at;
    bool first = true;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\n')
            p++;
        size_t len = strcspn(p, " \n");
        if (!len)
            break;
        if (!first && col + 1 + (int)len > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, len, out);
        col += (int)len;
        first = false;
        p += len;
    }
    fputc('\n', out);
}

void gs_help_item(FILE *out, const char *tag, const char *text)
{
    int n = fprintf(out, "  %s", tag);
    if (n + 1 > HELP_COLUMN) { /* a long option: its text starts on the next line */
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    } else {
        fprintf(out, "%*s", HELP_COLUMN - n, "");
    }
    help_wrap(out, text, HELP_COLUMN, HELP_COLUMN);
}

void gs_help_paragraph(FILE *out, const char *text)
{
    help_wrap(out, text, 0, 0);
}

void gs_reports_usage(FILE *out)
{
    for (size_t i = 0; i < gs_nreports; i++) {
        const struct gs_report *r = &gs_reports[i];
        char tag[64];
        snprintf(tag, sizeof tag, "    --%s%s%s", r->option, r->arg ? " " : "", r->arg ? r->arg : "");
        gs_help_item(out, tag, r->help);
    }
}

/* A word as roff sets it literally: "-" is a hyphen to roff, "\-" the
 * minus sign an option is typed with (and what docs.py reads back). */
static void roff_option(FILE *out, const char *word)
{
    for (const char *p = word; *p; p++) {
        if (*p == '-')
            fputc('\\', out);
        fputc(*p, out);
    }
}

void gs_reports_man(FILE *out)
{
    for (size_t i = 0; i < gs_nreports; i++) {
        const struct gs_report *r = &gs_reports[i];
        fputs(".TP\n", out);
        fputs(r->arg ? ".BI \\-\\-" : ".B \\-\\-", out);
        roff_option(out, r->option);
        if (r->arg)
            fprintf(out, " \" %s\"", r->arg);
        fputc('\n', out);
        fputs(r->man, out);
    }
}
