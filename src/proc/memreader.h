/* memreader.h: one small interface for reading the target's memory.
 *
 * Layer: src/proc/ knows the operating-system process and its core file:
 * attaching and always detaching (attach.h), maps and smaps, the memory
 * readers (live, a captured image, a core, a byte buffer), file
 * descriptors, native stacks, spawning a program. It knows nothing of
 * Python or of the graph; it uses src/elf/ for the files the process maps,
 * and src/util/.
 *
 * Decoders take a gs_reader and never see a pid, so the same code reads a
 * live process, a captured image (after the target was resumed), a core file
 * or a unit test's byte buffer.
 *
 * Contract:
 *   read(r, addr, buf, len): copy up to len bytes at addr into buf; return how
 *     many were copied, stopping at the first unreadable byte (short reads are
 *     normal: the target's pointers may be garbage). Never blocks for long.
 *   view(r, addr, len): optional; a pointer to len readable bytes at addr that
 *     stays valid until the reader is freed, or NULL (then use read). Captured
 *     images implement it so that decoders avoid copies.
 *   free(r): release the reader.
 */
#ifndef GCSCOPE_PROC_MEMREADER_H
#define GCSCOPE_PROC_MEMREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct gs_reader gs_reader;

struct gs_reader_ops {
    size_t (*read)(gs_reader *r, uint64_t addr, void *buf, size_t len);
    const void *(*view)(gs_reader *r, uint64_t addr, size_t len);
    void (*free)(gs_reader *r);
};

struct gs_reader {
    const struct gs_reader_ops *ops;
    uint64_t reads;      /* statistics: calls to read() */
    uint64_t bytes_read; /* and bytes they returned */
    /* The last stretch view() found, which the reader may remember here
     * (zero: none): [win_start, win_end) is readable at win_data until the
     * reader is freed. Most field reads fall in the stretch the previous
     * one did, and are answered inline without a call. */
    uint64_t win_start, win_end;
    const unsigned char *win_data;
    /* The stretch remembered before it, answered inline too: reads
     * alternate between two stretches (an object and its type's static
     * data, a dict and its keys' arena), and each switch was a call. */
    uint64_t win2_start, win2_end;
    const unsigned char *win2_data;
};

/* For readers: remember [start, end) at data as the newest stretch. */
static inline void gs_reader_remember(gs_reader *r, uint64_t start, uint64_t end, const unsigned char *data)
{
    r->win2_start = r->win_start;
    r->win2_end = r->win_end;
    r->win2_data = r->win_data;
    r->win_start = start;
    r->win_end = end;
    r->win_data = data;
}

/* A pointer to [addr, addr + len) inside a remembered stretch, or NULL. */
static inline const void *gs_window(const gs_reader *r, uint64_t addr, size_t len)
{
    uint64_t off = addr - r->win_start;
    if (off < r->win_end - r->win_start && len <= r->win_end - addr)
        return r->win_data + off;
    off = addr - r->win2_start;
    if (off < r->win2_end - r->win2_start && len <= r->win2_end - addr)
        return r->win2_data + off;
    return NULL;
}

static inline size_t gs_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    r->reads++;
    size_t n = r->ops->read(r, addr, buf, len);
    r->bytes_read += n;
    return n;
}

/* The whole range or nothing. */
static inline bool gs_read_exact(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    const void *w = gs_window(r, addr, len);
    if (w) {
        memcpy(buf, w, len);
        return true;
    }
    if (r->ops->view) {
        const void *p = r->ops->view(r, addr, len);
        if (p) {
            memcpy(buf, p, len);
            return true;
        }
    }
    return gs_read(r, addr, buf, len) == len;
}

static inline const void *gs_view(gs_reader *r, uint64_t addr, size_t len)
{
    const void *w = gs_window(r, addr, len);
    if (w)
        return w;
    return r->ops->view ? r->ops->view(r, addr, len) : NULL;
}

static inline bool gs_read_u64(gs_reader *r, uint64_t addr, uint64_t *out)
{
    return gs_read_exact(r, addr, out, sizeof *out);
}

static inline bool gs_read_i64(gs_reader *r, uint64_t addr, int64_t *out)
{
    return gs_read_exact(r, addr, out, sizeof *out);
}

static inline bool gs_read_u32(gs_reader *r, uint64_t addr, uint32_t *out)
{
    return gs_read_exact(r, addr, out, sizeof *out);
}

static inline bool gs_read_i32(gs_reader *r, uint64_t addr, int32_t *out)
{
    return gs_read_exact(r, addr, out, sizeof *out);
}

static inline bool gs_read_u8(gs_reader *r, uint64_t addr, uint8_t *out)
{
    return gs_read_exact(r, addr, out, sizeof *out);
}

/* Read a NUL-terminated string of at most cap-1 bytes; always terminates buf.
 * Returns false if nothing could be read or no NUL was found within cap-1. */
bool gs_read_cstring(gs_reader *r, uint64_t addr, char *buf, size_t cap);

static inline void gs_reader_free(gs_reader *r)
{
    if (r)
        r->ops->free(r);
}

/* --- readers ------------------------------------------------------------ */

/* A reader over byte buffers placed at chosen addresses (unit tests, fuzzing,
 * snapshot files). Segments are copied unless `borrow` is set. */
gs_reader *gs_reader_buffer_new(void);
void gs_reader_buffer_add(gs_reader *r, uint64_t addr, const void *data, size_t len, bool borrow);

#endif
