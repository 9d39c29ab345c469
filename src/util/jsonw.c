#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "util/jsonw.h"

void gs_json_init(gs_json *w, FILE *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

/* Before any value: a comma if this container already has one. */
static void value_prefix(gs_json *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0 && w->depth < GS_JSON_MAX_DEPTH) {
        if (w->need_comma[w->depth])
            fputs(", ", w->out);
        w->need_comma[w->depth] = true;
    }
}

static void open_container(gs_json *w, char c)
{
    value_prefix(w);
    fputc(c, w->out);
    w->depth++;
    if (w->depth < GS_JSON_MAX_DEPTH)
        w->need_comma[w->depth] = false;
}

static void close_container(gs_json *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    fputc(c, w->out);
}

void gs_json_begin_object(gs_json *w) { open_container(w, '{'); }
void gs_json_end_object(gs_json *w) { close_container(w, '}'); }
void gs_json_begin_array(gs_json *w) { open_container(w, '['); }
void gs_json_end_array(gs_json *w) { close_container(w, ']'); }

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void write_escaped(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc((int)c, out);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            switch (c) {
            case '\n': fputs("\\n", out); break;
            case '\t': fputs("\\t", out); break;
            case '\r': fputs("\\r", out); break;
            default: fprintf(out, "\\u%04x", c);
            }
            i++;
        } else if (c < 0x80) {
            /* a run of characters that need no escape, in one write: a
             * character at a time was a third of --dump-graph's time */
            size_t j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' && p[j] != '\\')
                j++;
            fwrite(p + i, 1, j - i, out);
            i = j;
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0) {
                fputs("\\ufffd", out);
                i++;
            } else {
                fwrite(p + i, 1, len, out);
                i += len;
            }
        }
    }
    fputc('"', out);
}

void gs_json_key(gs_json *w, const char *key)
{
    value_prefix(w);
    write_escaped(w->out, key, strlen(key));
    fputs(": ", w->out);
    w->after_key = true;
}

void gs_json_string_n(gs_json *w, const char *s, size_t n)
{
    value_prefix(w);
    write_escaped(w->out, s, n);
}

void gs_json_string(gs_json *w, const char *s)
{
    if (!s) {
        gs_json_null(w);
        return;
    }
    gs_json_string_n(w, s, strlen(s));
}

void gs_json_int(gs_json *w, int64_t v)
{
    value_prefix(w);
    fprintf(w->out, "%" PRId64, v);
}

void gs_json_uint(gs_json *w, uint64_t v)
{
    value_prefix(w);
    fprintf(w->out, "%" PRIu64, v);
}

void gs_json_double(gs_json *w, double v, int decimals)
{
    value_prefix(w);
    if (!isfinite(v))
        fputs("null", w->out);
    else
        fprintf(w->out, "%.*f", decimals, v);
}

void gs_json_bool(gs_json *w, bool v)
{
    value_prefix(w);
    fputs(v ? "true" : "false", w->out);
}

void gs_json_null(gs_json *w)
{
    value_prefix(w);
    fputs("null", w->out);
}

void gs_json_addr(gs_json *w, uint64_t addr)
{
    value_prefix(w);
    fprintf(w->out, "\"0x%" PRIx64 "\"", addr);
}

void gs_json_finish(gs_json *w) { fputc('\n', w->out); }
