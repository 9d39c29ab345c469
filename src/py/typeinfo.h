/* typeinfo.h: what gcscope knows about each type it meets, read once per
 * type and kept in a table indexed by a small number.
 *
 * Entry 0 is "<bad type>": objects whose ob_type does not lead to a
 * plausible type object are counted there instead of being dropped.
 */
#ifndef GCSCOPE_PY_TYPEINFO_H
#define GCSCOPE_PY_TYPEINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "py/object.h"
#include "util/addrmap.h"

#include "py/kinds.h"

#define GS_PY_TYPE_BAD 0u

struct gs_py_type_info {
    uint64_t addr;
    char *name;   /* type.__name__ */
    char *module; /* type.__module__ */
    uint64_t flags;
    int64_t basicsize, itemsize, dictoffset;
    enum gs_py_kind kind;
    bool heaptype;
    bool is_gc;
    /* Known to have no static base with members or an instance dict before
     * its kind's own type (gs_py_referents then skips that walk: it reads
     * type names, and would for every object of the type). */
    bool no_static_members;
    /* Known to have no heap type in its chain with an object member (no
     * __slots__): the instance decoder skips that walk the same way. */
    bool no_heap_members;
};

struct gs_py_types {
    struct gs_py_type_info *v;
    size_t n, cap;
    gs_addrmap index; /* type address -> position in v */
    /* Recent answers by type address (0 = empty slot): a heap has a few
     * types that most objects share, and the map's hashing cost more
     * than the rest of the lookup. */
    uint64_t recent_addr[64];
    uint32_t recent_id[64];
    /* A read-only copy for another thread (gs_py_types_init_copy): it
     * borrows the owner's names and never reads a new type; a lookup of a
     * type it lacks answers GS_PY_TYPE_BAD and sets `missed`, so that the
     * caller can leave that object to the owner's thread. */
    bool frozen, missed;
    /* The instance decoder's memo (refs_instances.c): the cached keys of
     * the last class it read them for (a fact of the class, read per
     * instance otherwise). Each thread's table has its own. addr 0: none. */
    struct {
        uint64_t addr;
        uint64_t words[5];
    } keys_memo;
};

void gs_py_types_init(struct gs_py_types *t);
void gs_py_types_free(struct gs_py_types *t);
/* An empty read-only copy, filled by gs_py_types_copy_add with the owner's
 * entries in id order (entry 0 first), so that ids agree. The names stay
 * the owner's: the copy must be freed before the owner. False: no memory. */
void gs_py_types_init_copy(struct gs_py_types *t);
bool gs_py_types_copy_add(struct gs_py_types *t, const struct gs_py_type_info *info);

/* The table entry for the type at `type_addr`, reading it on first use.
 * Returns GS_PY_TYPE_BAD if it is not a readable type object. */
uint32_t gs_py_types_get(struct gs_py_types *t, const struct gs_py_ctx *c, uint64_t type_addr);

#endif
