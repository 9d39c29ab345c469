/* strbuf.h: a growable NUL-terminated byte string (git's strbuf, smaller). */
#ifndef GCSCOPE_UTIL_STRBUF_H
#define GCSCOPE_UTIL_STRBUF_H

#include <stddef.h>

typedef struct gs_strbuf {
    char *buf; /* always NUL-terminated once anything was added; may be NULL before */
    size_t len, cap;
} gs_strbuf;

void gs_strbuf_add(gs_strbuf *sb, const char *data, size_t len);
void gs_strbuf_puts(gs_strbuf *sb, const char *s);
void gs_strbuf_addf(gs_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gs_strbuf_free(gs_strbuf *sb);
const char *gs_strbuf_str(const gs_strbuf *sb); /* "" when empty */

/* printf at the end of the NUL-terminated text in a fixed buffer of cap
 * bytes, cut to fit; nothing when the buffer is already full. */
void gs_str_appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
