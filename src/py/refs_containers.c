/* refs_containers.c: the references of the built-in containers: list,
 * tuple, dict (and OrderedDict), set and frozenset, collections.deque,
 * mappingproxy.
 *
 * Counts read from the target (ob_size, mask, nentries) are checked against
 * the container's own capacity and a hard limit before any loop, and the
 * item arrays are read in bounded batches: a corrupt container gives
 * GS_PY_DECODE_BAD after the items that could be read, never a crash or an
 * endless walk.
 */
#include "config.h"

#include <string.h>

#include "py/refs_internal.h"

/* Largest container gcscope walks item by item; a larger count is corrupt.
 * (2^28 items would be 2 GiB of pointers.) */
#define MAX_ITEMS ((int64_t)1 << 28)

/* Items read per batch from an array of pointers. */
#define BATCH 256

/* Report n pointers stored from `items` on, as INDEX first_index + i. */
static enum gs_py_decode emit_items(const struct gs_py_refs_ctx *rc, uint64_t items, int64_t n, int64_t first_index)
{
    uint64_t buf[BATCH];
    for (int64_t i = 0; i < n;) {
        int64_t chunk = n - i < BATCH ? n - i : BATCH;
        if (!gs_read_exact(rc->c->r, items + (uint64_t)i * 8, buf, (size_t)chunk * 8))
            return GS_PY_DECODE_BAD;
        for (int64_t j = 0; j < chunk; j++)
            gs_py_refs_emit(rc, buf[j], GS_LABEL_INDEX, (uint64_t)(first_index + i + j), NULL);
        i += chunk;
    }
    return GS_PY_DECODE_OK;
}

/* --- list, tuple ---------------------------------------------------------- */

/* PyListObject (Include/cpython/listobject.h, 3.8-3.13): ob_size items in
 * the separately allocated ob_item array of `allocated` slots. */
enum gs_py_decode gs_py_refs_list(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    int64_t n, allocated;
    uint64_t items;
    if (!gs_py_field_ssize(rc->c, rc->obj, L->varobject_ob_size, &n) ||
        !gs_py_field_ssize(rc->c, rc->obj, L->list_allocated, &allocated) ||
        !gs_py_field_ptr(rc->c, rc->obj, L->list_ob_item, &items))
        return GS_PY_DECODE_BAD;
    if (n < 0 || n > allocated || n > MAX_ITEMS || (n > 0 && !items))
        return GS_PY_DECODE_BAD;
    return emit_items(rc, items, n, 0);
}

/* PyTupleObject (Include/cpython/tupleobject.h, 3.8-3.13): ob_size items
 * inline from ob_item. */
/* The fields a struct sequence keeps after its ob_size items: what the
 * tp_basicsize of the first type in its tp_base chain that is not a Python
 * class adds to tuple's. A Python class grows tp_basicsize for its own
 * __dict__ and __weakref__ slots (CodecInfo), which are not fields. */
static bool struct_seq_hidden(const struct gs_py_refs_ctx *rc, int64_t *hidden)
{
    const struct gs_py_ctx *c = rc->c;
    uint64_t type = rc->t->addr;
    for (int depth = 0; type && depth < 64; depth++) {
        uint64_t flags;
        int64_t size;
        if (!gs_py_type_flags(c, type, &flags))
            return false;
        if (!gs_py_is_python_class(c, type, flags)) {
            if (!gs_py_field_ssize(c, type, c->L->type_basicsize, &size) || size > c->L->tuple_ob_item + 4096 * 8)
                return false;
            *hidden = size > c->L->tuple_ob_item ? (size - c->L->tuple_ob_item) / 8 : 0;
            return true;
        }
        if (!gs_py_field_ptr(c, type, c->L->type_base, &type))
            return false;
    }
    return false;
}

enum gs_py_decode gs_py_refs_tuple(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    int64_t n;
    if (!gs_py_field_ssize(rc->c, rc->obj, L->varobject_ob_size, &n) || n < 0 || n > MAX_ITEMS)
        return GS_PY_DECODE_BAD;
    /* A struct sequence (sys.flags, os.stat_result) keeps fields that are
     * not part of the sequence after its ob_size items, and counts them in
     * tp_basicsize (structseq.c get_real_size, 3.13+; 0 of them before);
     * structseq_traverse visits them all. */
    int64_t hidden = 0;
    if (rc->t->basicsize > L->tuple_ob_item && !struct_seq_hidden(rc, &hidden))
        return GS_PY_DECODE_BAD;
    return emit_items(rc, rc->obj + (uint64_t)L->tuple_ob_item, n + hidden, 0);
}

/* --- dict, OrderedDict ------------------------------------------------------ */

struct dict_visit {
    const struct gs_py_refs_ctx *rc;
    bool keys_owned, values_owned;
};

static bool dict_visit(void *arg, uint64_t key, uint64_t value)
{
    struct dict_visit *v = arg;
    if (v->keys_owned)
        gs_py_refs_emit(v->rc, key, GS_LABEL_KEY, 0, NULL);
    if (v->values_owned)
        gs_py_refs_emit(v->rc, value, GS_LABEL_VALUE, key, NULL);
    return true;
}

/* 3.13: split values embedded in an instance (PyDictValues.embedded) belong
 * to the instance, which reports them (refs_instances.c); dict_traverse
 * skips them too. Before 3.13 a dict owns its values array. */
static bool values_embedded(const struct gs_py_refs_ctx *rc, uint64_t values, bool *embedded)
{
    uint8_t flag = 0;
    *embedded = false;
    if (!values || !gs_py_layout_has(rc->c->L->dictvalues_embedded))
        return true;
    if (!gs_read_u8(rc->c->r, values + (uint64_t)rc->c->L->dictvalues_embedded, &flag))
        return false;
    *embedded = flag != 0;
    return true;
}

/* Every live entry (gs_py_dict_foreach skips deleted entries: a dummy or NULL
 * key, or a NULL value; it reads split values from ma_values, after 3.13's
 * PyDictValues header, and rejects a table whose counts do not fit).
 *
 * The keys: a combined table, or a split table whose keys object only this
 * dict holds (dk_refcnt 1), owns its key references, and they are reported
 * even where dict_traverse skips them (str keys, 3.11+). A split table
 * shared with other instances (dk_refcnt > 1, Objects/dictobject.c) does not
 * hold its keys itself: the shared keys object does, and the type reports
 * it (ht_cached_keys, refs_types.c); the values still carry the key in
 * their label. */
enum gs_py_decode gs_py_refs_dict_entries(const struct gs_py_refs_ctx *rc, uint64_t dict)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t keys, values;
    int64_t keys_refcnt;
    if (!gs_py_field_ptr(rc->c, dict, L->dict_ma_keys, &keys) || !keys ||
        !gs_py_field_ptr(rc->c, dict, L->dict_ma_values, &values) ||
        !gs_py_field_ssize(rc->c, keys, L->dictkeys_refcnt, &keys_refcnt))
        return GS_PY_DECODE_BAD;
    bool embedded;
    if (!values_embedded(rc, values, &embedded))
        return GS_PY_DECODE_BAD;
    struct dict_visit v = {rc, !values || keys_refcnt == 1, !embedded};
    return gs_py_dict_foreach(rc->c, dict, dict_visit, &v) ? GS_PY_DECODE_OK : GS_PY_DECODE_BAD;
}

enum gs_py_decode gs_py_refs_dict(const struct gs_py_refs_ctx *rc) { return gs_py_refs_dict_entries(rc, rc->obj); }

/* collections.OrderedDict (Objects/odictobject.c, 3.8-3.13): a dict, plus
 * od_inst_dict (its __dict__, at tp_dictoffset). The linked-list nodes are
 * plain C structs whose keys are the dict's own keys (odict_traverse visits
 * them; here they come with the entries). A subclass's instance dict is this
 * same slot, so gs_py_refs_instance leaves it to this decoder. */
enum gs_py_decode gs_py_refs_odict(const struct gs_py_refs_ctx *rc)
{
    enum gs_py_decode res = gs_py_refs_dict_entries(rc, rc->obj);
    if (!gs_py_refs_field(rc, rc->c->L->odict_inst_dict, "__dict__"))
        return GS_PY_DECODE_BAD;
    return res;
}

/* --- set, frozenset --------------------------------------------------------- */

/* PySetObject (Include/setobject.h, 3.8-3.13): `table` (the inline
 * smalltable or a separate array) of mask + 1 entries {key, hash}. A free
 * slot has a NULL key; a deleted one the dummy key (_PySet_Dummy) with hash
 * -1, which set_discard_entry and set_pop write together in every version
 * (no live key hashes to -1: hash() maps -1 to -2). */
#define SET_DUMMY_HASH (-1)

enum gs_py_decode gs_py_refs_set(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t table;
    int64_t mask;
    if (!gs_py_field_ptr(rc->c, rc->obj, L->set_table, &table) || !table ||
        !gs_py_field_ssize(rc->c, rc->obj, L->set_mask, &mask))
        return GS_PY_DECODE_BAD;
    /* mask + 1 is a power of two, at least PySet_MINSIZE (8). */
    if (mask < 7 || mask >= MAX_ITEMS || ((mask + 1) & mask))
        return GS_PY_DECODE_BAD;
    int64_t es = L->setentry_size;
    unsigned char buf[BATCH * 16];
    if (es <= 0 || es > 16)
        return GS_PY_DECODE_BAD;
    uint64_t dummy = 0;
    for (int64_t i = 0; i <= mask;) {
        int64_t chunk = mask + 1 - i < BATCH ? mask + 1 - i : BATCH;
        if (!gs_read_exact(rc->c->r, table + (uint64_t)(i * es), buf, (size_t)(chunk * es)))
            return GS_PY_DECODE_BAD;
        for (int64_t j = 0; j < chunk; j++) {
            uint64_t key;
            int64_t hash;
            memcpy(&key, buf + j * es + L->setentry_key, 8);
            memcpy(&hash, buf + j * es + L->setentry_hash, 8);
            if (!key)
                continue;
            if (hash == SET_DUMMY_HASH) {
                dummy = key;
                continue;
            }
            if (key != dummy)
                gs_py_refs_emit(rc, key, GS_LABEL_MEMBER, 0, NULL);
        }
        i += chunk;
    }
    return GS_PY_DECODE_OK;
}

/* --- collections.deque ------------------------------------------------------ */

/* dequeobject (Modules/_collectionsmodule.c; the layout fields replicate it
 * per version): ob_size items in blocks of BLOCKLEN slots, linked left to
 * right, starting at leftblock[leftindex]. deque_traverse walks the blocks
 * up to rightblock[rightindex]; here ob_size bounds the walk and the block
 * chain must hold out that long. */
enum gs_py_decode gs_py_refs_deque(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    int64_t n, index, blocklen = L->deque_blocklen;
    uint64_t block;
    if (!gs_py_field_ssize(rc->c, rc->obj, L->varobject_ob_size, &n) ||
        !gs_py_field_ptr(rc->c, rc->obj, L->deque_leftblock, &block) ||
        !gs_py_field_ssize(rc->c, rc->obj, L->deque_leftindex, &index))
        return GS_PY_DECODE_BAD;
    if (blocklen <= 0 || n < 0 || n > MAX_ITEMS || index < 0 || index >= blocklen || !block)
        return GS_PY_DECODE_BAD;
    int64_t done = 0;
    while (done < n) {
        int64_t chunk = blocklen - index;
        if (chunk > n - done)
            chunk = n - done;
        enum gs_py_decode r = emit_items(rc, block + (uint64_t)L->dequeblock_data + (uint64_t)index * 8, chunk, done);
        if (r != GS_PY_DECODE_OK)
            return r;
        done += chunk;
        index = 0;
        if (done < n && (!gs_py_field_ptr(rc->c, block, L->dequeblock_rightlink, &block) || !block))
            return GS_PY_DECODE_BAD;
    }
    return GS_PY_DECODE_OK;
}

/* --- mappingproxy ------------------------------------------------------------ */

/* mappingproxyobject (Objects/descrobject.c, 3.8-3.13): {head, mapping}. */
enum gs_py_decode gs_py_refs_mappingproxy(const struct gs_py_refs_ctx *rc)
{
    return gs_py_refs_field(rc, rc->c->L->mappingproxy_mapping, "mapping") ? GS_PY_DECODE_OK : GS_PY_DECODE_BAD;
}
