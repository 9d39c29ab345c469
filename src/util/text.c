/* text.c: the target's strings made safe to show (see text.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "util/text.h"

/* The length of the valid UTF-8 sequence at in (len bytes left) and its
 * code point, or 0 when the bytes there are not one (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_decode(const unsigned char *in, size_t len, uint32_t *cp)
{
    unsigned char b = in[0];
    size_t n;
    uint32_t c, min;
    if (b >= 0xc2 && b <= 0xdf)
        n = 2, c = b & 0x1f, min = 0x80;
    else if (b >= 0xe0 && b <= 0xef)
        n = 3, c = b & 0x0f, min = 0x800;
    else if (b >= 0xf0 && b <= 0xf4)
        n = 4, c = b & 0x07, min = 0x10000;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((in[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (in[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code points that reorder or hide text without showing themselves. */
static bool is_format_char(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9f) || c == 0x061c || (c >= 0x200b && c <= 0x200f) ||
           (c >= 0x202a && c <= 0x202e) || c == 0x2028 || c == 0x2029 || (c >= 0x2060 && c <= 0x2069) ||
           c == 0xfeff;
}

/* The escape for one control byte, into esc (at least 5 bytes). */
static size_t escape_byte(unsigned char b, char *esc)
{
    switch (b) {
    case '\n':
        return (size_t)snprintf(esc, 5, "\\n");
    case '\r':
        return (size_t)snprintf(esc, 5, "\\r");
    case '\t':
        return (size_t)snprintf(esc, 5, "\\t");
    default:
        return (size_t)snprintf(esc, 5, "\\x%02x", b);
    }
}

char *gs_text_escape(char *out, size_t cap, const char *in, size_t len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, i = 0;
    const size_t cut_len = sizeof GS_TEXT_CUT - 1;
    /* Where the marker goes if what follows does not fit: the last
     * boundary that leaves room for it. */
    size_t keep = 0;
    while (i < len) {
        char piece[8];
        const char *src = piece;
        size_t n, used;
        uint32_t cp;
        if (p[i] >= 0x20 && p[i] < 0x7f) {
            piece[0] = (char)p[i];
            n = used = 1;
        } else if (p[i] < 0x80) {
            if ((flags & GS_TEXT_KEEP_LINES) && (p[i] == '\n' || p[i] == '\t')) {
                piece[0] = (char)p[i];
                n = 1;
            } else {
                n = escape_byte(p[i], piece);
            }
            used = 1;
        } else if ((used = utf8_decode(p + i, len - i, &cp)) != 0) {
            if (is_format_char(cp)) {
                n = (size_t)snprintf(piece, sizeof piece, "\\u%04x", (unsigned)cp);
            } else {
                src = in + i;
                n = used;
            }
        } else {
            n = escape_byte(p[i], piece);
            used = 1;
        }
        if (o + n + 1 > cap) {
            /* Cut: back to the last boundary with room for the marker. */
            if (cap > cut_len) {
                memcpy(out + keep, GS_TEXT_CUT, cut_len);
                o = keep + cut_len;
            } /* else no room for the marker: what fits so far */
            break;
        }
        memcpy(out + o, src, n);
        o += n;
        i += used;
        if (o + cut_len + 1 <= cap)
            keep = o;
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return out;
}

char *gs_text(char *out, size_t cap, const char *in)
{
    return gs_text_escape(out, cap, in, strlen(in), 0);
}

size_t gs_text_complete(const char *in, size_t len)
{
    /* A lead byte among the last three whose sequence runs past len. */
    for (size_t back = 1; back <= 3 && back <= len; back++) {
        unsigned char b = (unsigned char)in[len - back];
        if ((b & 0xc0) == 0x80)
            continue; /* a continuation byte: look further back */
        size_t need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return need > back ? len - back : len;
    }
    return len;
}

/* --- the stream ------------------------------------------------------------ */

struct text_stream {
    FILE *to;
    char held[4]; /* the start of a UTF-8 sequence the next write continues */
    size_t nheld;
};

#define CHUNK 4096

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    struct text_stream *t = cookie;
    char in[CHUNK + sizeof t->held];
    char out[CHUNK * 6 + 16]; /* \u202e: one 3-byte character can become 6 bytes */
    size_t done = 0;
    while (done < size) {
        size_t take = size - done < CHUNK ? size - done : CHUNK;
        memcpy(in, t->held, t->nheld);
        memcpy(in + t->nheld, buf + done, take);
        size_t n = t->nheld + take;
        size_t whole = gs_text_complete(in, n);
        gs_text_escape(out, sizeof out, in, whole, GS_TEXT_KEEP_LINES);
        if (fputs(out, t->to) == EOF)
            return done ? (ssize_t)done : -1;
        t->nheld = n - whole;
        memcpy(t->held, in + whole, t->nheld);
        done += take;
    }
    return (ssize_t)size;
}

static int stream_close(void *cookie)
{
    struct text_stream *t = cookie;
    int rc = 0;
    if (t->nheld) {
        char out[32];
        gs_text_escape(out, sizeof out, t->held, t->nheld, GS_TEXT_KEEP_LINES);
        rc = fputs(out, t->to) == EOF ? EOF : 0;
    }
    if (fflush(t->to) != 0)
        rc = EOF;
    free(t);
    return rc;
}

FILE *gs_filter_stream(void *cookie, cookie_write_function_t *write, cookie_close_function_t *close)
{
    FILE *f = fopencookie(cookie, "w", (cookie_io_functions_t){.write = write, .close = close});
    if (!f)
        free(cookie);
    return f;
}

FILE *gs_text_stream(FILE *to)
{
    struct text_stream *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->to = to;
    return gs_filter_stream(t, stream_write, stream_close);
}
