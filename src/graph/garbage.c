/* garbage.c: what CPython's next full collection would free, computed the
 * way its collector computes it (deduce_unreachable in Modules/gcmodule.c;
 * Python/gc.c from 3.13), and the type facts about finalizers.
 *
 * The collector's rule, over the objects a full collection examines (the
 * tracked objects of generations 0-2; the permanent generation of
 * gc.freeze() is never examined):
 *   1. gc_refs = ob_refcnt - the references from examined objects
 *      (update_refs, subtract_refs: tp_traverse of every examined object);
 *   2. what has gc_refs > 0 is held from outside the examined set: alive;
 *   3. everything reachable from an alive object is alive (move_unreachable);
 *   4. the rest is unreachable: garbage.
 * Here the same, with the snapshot's strong edges in place of tp_traverse.
 * Besides, alive from the start: every untracked or frozen object (not
 * examined: whatever it references stays held from outside), every root's
 * target (held by the interpreter), every 3.12+ immortal object (its
 * reference count means nothing and it is never freed).
 *
 * Checked against the collector itself (gc.DEBUG_SAVEALL and gc.collect()
 * right after a capture): the same objects, on 3.8-3.13.
 *
 * Where this differs from the collector, and in which direction:
 *   - gcscope's edges are a superset of tp_traverse's: it also reports
 *     references that some tp_traverse skips (a heap type's __name__ and
 *     __qualname__, the str keys of a dict's shared key table ...). An
 *     extra edge to an untracked object changes nothing (only examined
 *     objects have gc_refs). An extra edge to a tracked object lowers its gc_refs: when
 *     that reference is real but untraversed, the collector counts it as
 *     held from outside and keeps the object (it leaks for good), where
 *     gcscope calls it garbage. The builtin types' extra edges point at
 *     strings and other untracked objects, so in practice this shows only
 *     with C extensions whose tp_traverse forgets a member.
 *   - Edges gcscope cannot see (opaque objects, objects marked bad) leave
 *     their targets' counts unexplained, so those targets are alive: the
 *     error is on the side of "alive", never an invented garbage.
 *   - A count below zero (more edges than references: memory changed
 *     under the capture, or an edge that is not an owned reference) is
 *     not trusted either: the object counts as alive.
 *
 * Memory: the result (1 byte a node) and a queue (4 bytes a node); gc_refs
 * is computed one node at a time from its reverse edges, never stored.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "py/kinds.h"
#include "util/alloc.h"

/* The objects a full collection examines. */
static bool examined(uint16_t flags)
{
    return (flags & (GS_NODE_TRACKED | GS_NODE_FROZEN)) == GS_NODE_TRACKED;
}

/* Steps 1 and 2, over reverse edges (one node's row at a time): true when
 * the node is held from outside the examined set. */
static bool held_from_outside(const struct gs_snapshot *s, uint32_t v)
{
    uint16_t f = s->flags[v];
    if (!examined(f) || (f & (GS_NODE_IMMORTAL | GS_NODE_ROOT)))
        return true;
    /* A negative count (a snapshot file's, or corrupt memory's) explains
     * nothing: held. From 0 up, at most in-degree decrements follow: no
     * overflow (INT64_MIN - 1 was one). */
    int64_t gc_refs = s->refcnt[v];
    if (gc_refs < 0)
        return true;
    for (uint64_t e = s->in_off[v]; e < s->in_off[v + 1]; e++)
        if (examined(s->flags[s->in_src[e]]))
            gc_refs--;
    return gc_refs != 0;
}

gs_status gs_garbage_compute(const struct gs_snapshot *s, uint8_t **is_garbage, gs_error *err)
{
    *is_garbage = NULL;
    uint64_t n = s->nobjects;
    size_t cap = (size_t)(n ? n : 1);
    uint8_t *g = gs_try_malloc(cap);
    uint32_t *queue = gs_try_reallocarray(NULL, cap, sizeof *queue);
    if (!g || !queue) {
        free(g);
        free(queue);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory finding the cyclic garbage among %llu objects",
                       (unsigned long long)n);
    }
    /* g[v] = 1 until v is proven alive; every node is queued once, when it
     * is found alive. */
    uint64_t head = 0, tail = 0;
    for (uint64_t v = 0; v < n; v++) {
        bool alive = held_from_outside(s, (uint32_t)v);
        g[v] = !alive;
        if (alive)
            queue[tail++] = (uint32_t)v;
    }
    while (head < tail) {
        uint32_t v = queue[head++];
        for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++) {
            uint32_t w = s->out_dst[e];
            if (g[w]) {
                g[w] = 0;
                queue[tail++] = w;
            }
        }
    }
    free(queue);
    *is_garbage = g;
    return GS_OK;
}

/* --- finalizers ------------------------------------------------------------ */

/* Generators, coroutines and async generators have a C tp_finalize that
 * closes a suspended frame. They do not make a cycle "with finalizers":
 * since PEP 442 (3.4) the collector finalizes and frees them like anything
 * else, they never reach gc.garbage, and they sit in a great many ordinary
 * cycles (a frame's locals refer back to the generator), so counting them
 * would bury the cycles whose finalizers someone wrote. What an engineer
 * needs from the class is "collecting this runs code of mine (or of a C
 * type with visible effects: a file flushed and closed, a socket closed,
 * an asyncio Future logging a lost exception)". The cycle's type counts
 * still show its generators. */
static bool interpreter_internal_finalizer(uint32_t kind)
{
    return kind == GS_PYK_GENERATOR || kind == GS_PYK_COROUTINE || kind == GS_PYK_ASYNC_GENERATOR;
}

static const struct gs_snap_type *node_type(const struct gs_snapshot *s, uint32_t node)
{
    if (node >= s->nobjects || s->type[node] >= s->ntypes)
        return NULL;
    return &s->types[s->type[node]];
}

bool gs_node_has_del(const struct gs_snapshot *s, uint32_t node)
{
    const struct gs_snap_type *t = node_type(s, node);
    if (!t)
        return false;
    if (t->facts & (GS_TYPE_PY_DEL | GS_TYPE_LEGACY_DEL))
        return true;
    return (t->facts & GS_TYPE_FINALIZE) && !interpreter_internal_finalizer(t->kind);
}

/* tp_del: the pre-PEP 442 finalizer. The collector does not call it; it
 * moves such garbage, and everything it references, into gc.garbage. */
bool gs_node_has_legacy_del(const struct gs_snapshot *s, uint32_t node)
{
    const struct gs_snap_type *t = node_type(s, node);
    return t && (t->facts & GS_TYPE_LEGACY_DEL);
}
