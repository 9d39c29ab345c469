/* fakeheap.h: build a small CPython runtime in a byte buffer, laid out by
 * one of gcscope's layout tables, so that the runtime reader, the heap walk
 * and the decoders can be tested (and broken on purpose) without a process. */
#ifndef GCSCOPE_TESTS_FAKEHEAP_H
#define GCSCOPE_TESTS_FAKEHEAP_H

#include <stdint.h>

#include "proc/memreader.h"
#include "py/layout.h"

struct fakeheap {
    const struct py_layout *L;
    unsigned char *mem;
    uint64_t base;
    size_t size, used;
    gs_reader *r;           /* reads mem at base */
    uint64_t runtime, interp, gc, tstate;
    uint64_t type_type;     /* the metatype `type` */
    uint64_t object_type;   /* `object` */
};

void fh_init(struct fakeheap *h, const struct py_layout *L, size_t size);
void fh_free(struct fakeheap *h);
uint64_t fh_alloc(struct fakeheap *h, size_t size);
void fh_w64(struct fakeheap *h, uint64_t addr, uint64_t v);
void fh_w32(struct fakeheap *h, uint64_t addr, uint32_t v);
void fh_w8(struct fakeheap *h, uint64_t addr, uint8_t v);
uint64_t fh_r64(struct fakeheap *h, uint64_t addr);
uint64_t fh_cstring(struct fakeheap *h, const char *s);
/* A static (non-heap) type with this tp_name. */
uint64_t fh_type(struct fakeheap *h, const char *tp_name, uint64_t flags, int64_t basicsize, int64_t itemsize);
/* A compact ASCII str object. */
uint64_t fh_str(struct fakeheap *h, const char *s);
/* Allocate a GC object (header + basicsize bytes) and append it to
 * generation gen (0-2, 3 = permanent). Returns the object's address. */
uint64_t fh_gc_object(struct fakeheap *h, int gen, uint64_t type, size_t size);
uint64_t fh_gen_head(struct fakeheap *h, int gen);

#endif
