/* label.h: how an edge names itself, the way a Python programmer would
 * write the step from an object to its referent.
 *
 * In the snapshot a label is 32 bits: the kind in the top 4 bits, a 28-bit
 * payload below (an index, a string id in the snapshot's string pool, or a
 * node index). A payload that does not fit degrades to GS_LABEL_NONE.
 *
 *   kind              payload            written as
 *   NONE              -                  (nothing: "->")
 *   INDEX             n                  [3]
 *   KEY               -                  <key>          a dict key
 *   VALUE             key's node index   ['self'], [42] (the key's preview)
 *   ATTR              string id          .next          an attribute
 *   FIELD             string id          .__dict__      a named internal field
 *   LOCAL             string id          .f_locals['x'] a frame's local variable
 *   MEMBER            -                  <member>       a set or frozenset member
 *   ITEM_NAMED        string id          [name]         anything else with a name
 *   WORD              string id          +0x18          a word of a compiled object that
 *                                                        publishes no name for it, or
 *                                                        "+0x20[3]": word 3 of the block
 *                                                        the word +0x20 points to (emulated traverse)
 *   INFERRED          string id          ~+0x18 (inferred) a word that looks like a reference, in a
 *                                                        compiled object with no tp_traverse (a
 *                                                        conservative scan: may be a false edge)
 */
#ifndef GCSCOPE_PY_LABEL_H
#define GCSCOPE_PY_LABEL_H

#include <stdbool.h>
#include <stdint.h>

enum gs_label_kind {
    GS_LABEL_NONE = 0,
    GS_LABEL_INDEX = 1,
    GS_LABEL_KEY = 2,
    GS_LABEL_VALUE = 3,
    GS_LABEL_ATTR = 4,
    GS_LABEL_FIELD = 5,
    GS_LABEL_LOCAL = 6,
    GS_LABEL_MEMBER = 7,
    GS_LABEL_ITEM_NAMED = 8,
    GS_LABEL_ATTR_OBJ = 9, /* decoders only: ATTR whose name is a str object at `num`; stored as ATTR */
    GS_LABEL_WORD = 10,
    GS_LABEL_INFERRED = 11,
};

#define GS_LABEL_PAYLOAD_BITS 28
#define GS_LABEL_PAYLOAD_MAX ((1u << GS_LABEL_PAYLOAD_BITS) - 1)

static inline uint32_t gs_label_make(enum gs_label_kind kind, uint32_t payload)
{
    if (payload > GS_LABEL_PAYLOAD_MAX)
        return 0;
    return ((uint32_t)kind << GS_LABEL_PAYLOAD_BITS) | payload;
}

static inline enum gs_label_kind gs_label_kind_of(uint32_t label)
{
    return (enum gs_label_kind)(label >> GS_LABEL_PAYLOAD_BITS);
}

static inline uint32_t gs_label_payload(uint32_t label) { return label & GS_LABEL_PAYLOAD_MAX; }

/* The kinds whose payload is a string id of the snapshot's string pool. */
static inline bool gs_label_names_string(enum gs_label_kind kind)
{
    switch (kind) {
    case GS_LABEL_ATTR:
    case GS_LABEL_FIELD:
    case GS_LABEL_LOCAL:
    case GS_LABEL_ITEM_NAMED:
    case GS_LABEL_WORD:
    case GS_LABEL_INFERRED:
        return true;
    default:
        return false;
    }
}

/* [n]; an index past the payload's range degrades to NONE. */
static inline uint32_t gs_label_index(uint64_t n)
{
    return gs_label_make(GS_LABEL_INDEX, n > GS_LABEL_PAYLOAD_MAX ? GS_LABEL_PAYLOAD_MAX + 1u : (uint32_t)n);
}

#endif
