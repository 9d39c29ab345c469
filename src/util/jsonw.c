#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "util/jsonw.h"

/* Output goes through stdio's unlocked calls and numbers are formatted
 * here, not by fprintf: --dump-graph writes hundreds of megabytes of small
 * tokens, and the stream lock taken per call plus printf's format parsing
 * were two thirds of its time. A writer's stream is only ever written by
 * the thread that owns the writer. */
static void put_c(FILE *out, char c) { putc_unlocked(c, out); }
static void put_n(FILE *out, const void *p, size_t n) { fwrite_unlocked(p, 1, n, out); }
static void put_s(FILE *out, const char *s) { put_n(out, s, strlen(s)); }

/* Decimal digits of v, written just before end; returns the first. */
static char *decimal(uint64_t v, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

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
            put_n(w->out, ", ", 2);
        w->need_comma[w->depth] = true;
    }
}

static void open_container(gs_json *w, char c)
{
    value_prefix(w);
    put_c(w->out, c);
    w->depth++;
    if (w->depth < GS_JSON_MAX_DEPTH)
        w->need_comma[w->depth] = false;
}

static void close_container(gs_json *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    put_c(w->out, c);
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
    put_c(out, '"');
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            put_c(out, '\\');
            put_c(out, (char)c);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            switch (c) {
            case '\n': put_n(out, "\\n", 2); break;
            case '\t': put_n(out, "\\t", 2); break;
            case '\r': put_n(out, "\\r", 2); break;
            default: fprintf(out, "\\u%04x", c);
            }
            i++;
        } else if (c < 0x80) {
            /* a run of characters that need no escape, in one write: a
             * character at a time was a third of --dump-graph's time */
            size_t j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' && p[j] != '\\')
                j++;
            put_n(out, p + i, j - i);
            i = j;
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0) {
                put_n(out, "\\ufffd", 6);
                i++;
            } else {
                put_n(out, p + i, len);
                i += len;
            }
        }
    }
    put_c(out, '"');
}

void gs_json_key(gs_json *w, const char *key)
{
    value_prefix(w);
    write_escaped(w->out, key, strlen(key));
    put_n(w->out, ": ", 2);
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
    char buf[24], *first = decimal(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, buf + sizeof buf);
    if (v < 0)
        *--first = '-';
    put_n(w->out, first, (size_t)(buf + sizeof buf - first));
}

void gs_json_uint(gs_json *w, uint64_t v)
{
    value_prefix(w);
    char buf[24], *first = decimal(v, buf + sizeof buf);
    put_n(w->out, first, (size_t)(buf + sizeof buf - first));
}

void gs_json_double(gs_json *w, double v, int decimals)
{
    value_prefix(w);
    if (!isfinite(v))
        put_n(w->out, "null", 4);
    else
        fprintf(w->out, "%.*f", decimals, v);
}

void gs_json_bool(gs_json *w, bool v)
{
    value_prefix(w);
    put_s(w->out, v ? "true" : "false");
}

void gs_json_null(gs_json *w)
{
    value_prefix(w);
    put_n(w->out, "null", 4);
}

void gs_json_addr(gs_json *w, uint64_t addr)
{
    value_prefix(w);
    static const char hex[] = "0123456789abcdef";
    char buf[24], *p = buf + sizeof buf;
    *--p = '"';
    do {
        *--p = hex[addr & 15];
        addr >>= 4;
    } while (addr);
    *--p = 'x';
    *--p = '0';
    *--p = '"';
    put_n(w->out, p, (size_t)(buf + sizeof buf - p));
}

void gs_json_finish(gs_json *w) { put_c(w->out, '\n'); }
