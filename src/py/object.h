/* object.h: reading basic CPython objects (pointers, str, dict, type flags)
 * from a memory reader, following one version's layout.
 *
 * Layer: src/py/ knows CPython: where its runtime is (locate.h), which
 * layout a version has (layout.h, offsets/, debug_offsets.h), how to walk
 * the interpreters, threads, frames and heaps, and for each kind of object
 * its referents, size and preview (referents.h). It reads memory only
 * through a gs_reader, never a pid, and knows nothing of the graph built
 * from what it finds. It uses src/proc/, src/elf/, src/emu/ (compiled
 * types' own traverse) and src/util/.
 *
 * Every function treats the target's memory as hostile: lengths are bounded,
 * pointers checked for readability, and a bad object makes the call return
 * false, never crash or loop.
 */
#ifndef GCSCOPE_PY_OBJECT_H
#define GCSCOPE_PY_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/memreader.h"
#include "py/layout.h"

/* What every decoder needs: where to read, and how the structures lie. */
struct gs_py_ctx {
    gs_reader *r;
    const struct gs_py_layout *L;
    struct gs_py_emu *emu; /* the emulated traverse for compiled types, or NULL (py/emulated.h) */
};

/* Largest dict we will iterate; larger claims are treated as corrupt. */
#define GS_PY_DICT_MAX_ENTRIES (1u << 28)

/* The reference count held in an object header's first word, as read (8
 * bytes at object_refcnt). Up to 3.13 the word is the count; from 3.14 (GIL
 * build) it is {u32 ob_refcnt, u16 ob_overflow, u16 ob_flags}, and the
 * count is the low 32 bits (immortal ones have bit 31 set, as before). */
static inline int64_t gs_py_refcnt_of_word(const struct gs_py_layout *L, uint64_t word)
{
    return L->object_refcnt_bits == 32 ? (int64_t)(word & 0xffffffffu) : (int64_t)word;
}

/* A _PyStackRef word (3.14+: f_executable, f_funcobj, localsplus[] of an
 * interpreter frame) as an object address: 0 for NULL and for tagged ints,
 * which are no object; the pointer with its tag bits cleared otherwise. Up
 * to 3.13 these words are plain PyObject pointers, returned as they are.
 * *borrowed (may be NULL) is set when the tag says the reference holds no
 * count of its own (borrowed or immortal: Py_TAG_REFCNT). */
static inline uint64_t gs_py_stackref_object(const struct gs_py_layout *L, uint64_t bits, bool *borrowed)
{
    if (borrowed)
        *borrowed = false;
    if (L->stackref_tag_mask <= 0)
        return bits;
    uint64_t mask = (uint64_t)L->stackref_tag_mask;
    /* a tagged int has every Py_INT_TAG bit set: (bits & 3) == 3 in both
     * builds, though a free-threaded build's Py_TAG_BITS is 1 */
    uint64_t int_tag = (uint64_t)L->stackref_int_tag;
    if (bits == (uint64_t)L->stackref_null_bits || (bits & int_tag) == int_tag)
        return 0;
    if (borrowed)
        *borrowed = (bits & (uint64_t)L->stackref_refcnt_tag) != 0;
    return bits & ~mask;
}

bool gs_py_read_ptr(const struct gs_py_ctx *c, uint64_t addr, uint64_t *out);
bool gs_py_read_ssize(const struct gs_py_ctx *c, uint64_t addr, int64_t *out);

/* A field at `offset` from obj: fails if the layout lacks it (GS_PY_ABSENT). */
bool gs_py_field_ptr(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, uint64_t *out);
bool gs_py_field_ssize(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, int64_t *out);

/* A _PyStackRef field (gs_py_stackref_object): fails like gs_py_field_ptr. */
bool gs_py_field_stackref(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, uint64_t *out);

/* A 32-bit int field (co_firstlineno, sock_fd...): false if the layout
 * lacks it or memory is unreadable. */
bool gs_py_field_i32(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, int32_t *out);

bool gs_py_type_of(const struct gs_py_ctx *c, uint64_t obj, uint64_t *type);
bool gs_py_type_flags(const struct gs_py_ctx *c, uint64_t type, uint64_t *flags);

/* Is obj an instance of a type (or subclass) with this tp_flags bit
 * (layout flag_* values, e.g. L->flag_unicode_subclass)? */
bool gs_py_has_type_flag(const struct gs_py_ctx *c, uint64_t obj, int64_t flag);

/* Is `addr` plausibly a type object: its type's tp_flags has TYPE_SUBCLASS. */
bool gs_py_is_type(const struct gs_py_ctx *c, uint64_t addr);

/* A str object as UTF-8 into buf (cap bytes, always NUL-terminated; cut at
 * cap-1 on a character boundary). *len gets the str's length in characters
 * (may be NULL). False if addr is not a readable str. */
bool gs_py_str_utf8(const struct gs_py_ctx *c, uint64_t str, char *buf, size_t cap, int64_t *len);

/* Compare a str object with a C string (ASCII or UTF-8). */
bool gs_py_str_equals(const struct gs_py_ctx *c, uint64_t str, const char *s);

/* An int's (or bool's) digit count and sign: 3.12+ lv_tag = ndigits <<
 * _PyLong_NON_SIZE_BITS | sign (0 positive, 1 zero, 2 negative); before,
 * the signed ob_size. False if obj is no int or is unreadable. */
bool gs_py_int_digits(const struct gs_py_ctx *c, uint64_t obj, int64_t *ndigits, bool *negative);

/* An int's magnitude and sign when the magnitude fits in 64 bits. */
bool gs_py_int_value(const struct gs_py_ctx *c, uint64_t obj, uint64_t *magnitude, bool *negative);

/* The same two for an object whose type's tp_flags the caller already has
 * (its struct gs_py_type_info): no read of the type for every int. */
bool gs_py_int_digits_typed(const struct gs_py_ctx *c, uint64_t obj, uint64_t type_flags, int64_t *ndigits, bool *negative);
bool gs_py_int_value_typed(const struct gs_py_ctx *c, uint64_t obj, uint64_t type_flags, uint64_t *magnitude,
                        bool *negative);

/* Iterate a dict's live entries (key, value), in storage order. The callback
 * returns false to stop. Returns false if the dict is unreadable or corrupt
 * (entries seen before the problem were still reported). */
typedef bool (*gs_py_dict_visit_fn)(void *arg, uint64_t key, uint64_t value);
bool gs_py_dict_foreach(const struct gs_py_ctx *c, uint64_t dict, gs_py_dict_visit_fn fn, void *arg);

/* dict[key] for a str key given as a C string. */
bool gs_py_dict_get_str(const struct gs_py_ctx *c, uint64_t dict, const char *key, uint64_t *value);

/* The size of a dict keys object as _PyDict_KeysSize() counts it, and
 * whether the keys are shared (refcount != 1). */
bool gs_py_dictkeys_size(const struct gs_py_ctx *c, uint64_t keys, uint64_t *size, int64_t *refcnt);

/* How many entries a dict keys object has room for (USABLE_FRACTION of its
 * size) and the size of one entry (the waste report's capacity). */
bool gs_py_dictkeys_capacity(const struct gs_py_ctx *c, uint64_t keys, uint64_t *entries, uint64_t *entry_size);

#endif
