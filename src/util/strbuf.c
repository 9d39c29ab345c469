#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/strbuf.h"

static void reserve(gs_strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->buf = gs_xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void gs_strbuf_add(gs_strbuf *sb, const char *data, size_t len)
{
    reserve(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void gs_strbuf_puts(gs_strbuf *sb, const char *s) { gs_strbuf_add(sb, s, strlen(s)); }

void gs_strbuf_addf(gs_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void gs_strbuf_free(gs_strbuf *sb)
{
    free(sb->buf);
    *sb = (gs_strbuf){0};
}

const char *gs_strbuf_str(const gs_strbuf *sb) { return sb->buf ? sb->buf : ""; }

void gs_str_appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strnlen(buf, cap);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}
