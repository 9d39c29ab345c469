/* fakeheap.h: build a small CPython runtime in a byte buffer, laid out by
 * one of gcscope's layout tables, so that the runtime reader, the heap walk
 * and the decoders can be tested (and broken on purpose) without a process. */
#ifndef GCSCOPE_TESTS_FAKEHEAP_H
#define GCSCOPE_TESTS_FAKEHEAP_H

#include <stdint.h>

#include "proc/memreader.h"
#include "py/layout.h"

struct fakeheap {
    const struct gs_py_layout *L;
    unsigned char *mem;
    uint64_t base;
    size_t size, used;
    gs_reader *r;           /* reads mem at base */
    uint64_t runtime, interp, gc, tstate;
    uint64_t type_type;     /* the metatype `type` */
    uint64_t object_type;   /* `object` */
    /* Built-in types made on first use by fh_builtin_type(). */
    const char *builtin_names[16];
    uint64_t builtin_types[16];
    int nbuiltin;
    uint64_t dummy;         /* a dummy key for deleted dict (<= 3.10) and set entries */
    uint64_t str_type;      /* `str`, made by the first fh_str() */
};

void fh_init(struct fakeheap *h, const struct gs_py_layout *L, size_t size);
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

/* --- containers, laid out by h->L ------------------------------------------ */

/* The static type with this tp_name ("list", "dict", "collections.deque",
 * ...), made once per heap with the flags, sizes and base it has in CPython. */
uint64_t fh_builtin_type(struct fakeheap *h, const char *tp_name);
/* A non-GC object: refcount 1, this type, size bytes (zeroed). */
uint64_t fh_object(struct fakeheap *h, uint64_t type, size_t size);
/* An int with one digit (<= 2^30 - 1). */
uint64_t fh_int(struct fakeheap *h, uint32_t value);
uint64_t fh_list(struct fakeheap *h, const uint64_t *items, size_t n);
uint64_t fh_tuple(struct fakeheap *h, const uint64_t *items, size_t n);
/* A keys object holding n entries in this order; a 0 key makes a deleted
 * entry (dummy key on <= 3.10, NULL on 3.11+). kind: 0 general entries
 * {hash, key, value}, 1 unicode {key, value} (3.11+), 2 split (3.11+;
 * <= 3.10 split keys are general). values are stored in the entries
 * unless split. refcnt: 1 for a dict's own keys, more when shared. */
uint64_t fh_dict_keys(struct fakeheap *h, const uint64_t *keys, const uint64_t *values, size_t n, int kind,
                      int64_t refcnt);
/* A combined dict over fh_dict_keys(keys, values, n, kind, 1). */
uint64_t fh_dict(struct fakeheap *h, const uint64_t *keys, const uint64_t *values, size_t n, int kind);
/* A PyDictValues for n values (3.13: the header, capacity n, valid). */
uint64_t fh_dict_values(struct fakeheap *h, const uint64_t *values, size_t n);
/* A split dict over shared keys (from fh_dict_keys with kind 2) and n values. */
uint64_t fh_split_dict(struct fakeheap *h, uint64_t keys, const uint64_t *values, size_t n);
/* A set: n keys with their hashes; a 0 key makes a dummy entry (hash -1).
 * Keys after the first `n` slots stay free. Uses the smalltable when
 * n <= 8. */
uint64_t fh_set(struct fakeheap *h, const char *tp_name, const uint64_t *keys, size_t n);
/* A deque of n items starting at leftindex of its first block. */
uint64_t fh_deque(struct fakeheap *h, const uint64_t *items, size_t n, int leftindex);

/* --- classes and their instances ---------------------------------------------- */

/* A class as a class statement makes it: a heap type whose tp_name is the
 * data of its ht_name str, based on `base` (object when 0), with room for
 * nslots T_OBJECT_EX members (fh_slot fills them) and the given flags
 * (HEAPTYPE and HAVE_GC are added). */
uint64_t fh_class(struct fakeheap *h, const char *name, uint64_t base, uint64_t flags, int64_t basicsize,
                  int64_t dictoffset, int nslots);
/* Member i of a class made by fh_class: name, PyMemberDef type, offset. */
void fh_member(struct fakeheap *h, uint64_t cls, int i, const char *name, int type, int64_t offset);
/* An instance of a class: a GC object of the class's basic size, with the
 * 3.11+ pre-header (two words before the GC header) when the class has
 * managed dicts. */
uint64_t fh_instance(struct fakeheap *h, uint64_t cls, size_t size);

#endif
