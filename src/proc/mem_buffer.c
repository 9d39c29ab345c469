/* mem_buffer.c: a reader over byte buffers placed at chosen addresses, for
 * unit tests, fuzzing and anything else that has memory already in hand. */
#include "config.h"

#include <stdlib.h>

#include "proc/memreader.h"
#include "util/alloc.h"

struct segment {
    uint64_t addr;
    size_t len;
    const unsigned char *data;
    bool owned;
};

struct buffer_reader {
    gs_reader base;
    struct segment *segs;
    size_t n;
};

static const struct segment *find(const struct buffer_reader *b, uint64_t addr)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct segment *s = &b->segs[i];
        if (addr >= s->addr && addr - s->addr < s->len)
            return s;
    }
    return NULL;
}

static size_t buffer_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    struct buffer_reader *b = (struct buffer_reader *)r;
    size_t done = 0;
    while (done < len) {
        const struct segment *s = find(b, addr + done);
        if (!s)
            break;
        size_t off = (size_t)(addr + done - s->addr);
        size_t n = s->len - off;
        if (n > len - done)
            n = len - done;
        memcpy((char *)buf + done, s->data + off, n);
        done += n;
    }
    return done;
}

static const void *buffer_view(gs_reader *r, uint64_t addr, size_t len)
{
    struct buffer_reader *b = (struct buffer_reader *)r;
    const struct segment *s = find(b, addr);
    if (!s || len > s->len - (size_t)(addr - s->addr))
        return NULL;
    return s->data + (addr - s->addr);
}

static void buffer_free(gs_reader *r)
{
    struct buffer_reader *b = (struct buffer_reader *)r;
    for (size_t i = 0; i < b->n; i++)
        if (b->segs[i].owned)
            free((void *)b->segs[i].data);
    free(b->segs);
    free(b);
}

static const struct gs_reader_ops buffer_ops = {buffer_read, buffer_view, buffer_free};

gs_reader *gs_reader_buffer_new(void)
{
    struct buffer_reader *b = gs_xcalloc(1, sizeof *b);
    b->base.ops = &buffer_ops;
    return &b->base;
}

void gs_reader_buffer_add(gs_reader *r, uint64_t addr, const void *data, size_t len, bool borrow)
{
    struct buffer_reader *b = (struct buffer_reader *)r;
    b->segs = gs_xreallocarray(b->segs, b->n + 1, sizeof *b->segs);
    struct segment *s = &b->segs[b->n++];
    s->addr = addr;
    s->len = len;
    s->owned = !borrow;
    if (borrow) {
        s->data = data;
    } else {
        void *copy = gs_xmalloc(len);
        memcpy(copy, data, len);
        s->data = copy;
    }
}
