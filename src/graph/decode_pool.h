/* decode_pool.h: decoding the graph's nodes on several threads, ahead of
 * the builder.
 *
 * The build numbers nodes as it meets them, and everything it makes is one
 * sequence: a node's id, the order of its edges, every string id and type
 * id depend on what came before. What reads the target's memory does not:
 * an object's referents and preview text depend on its bytes and its
 * type alone, and reading them (random reads over the image) is most of
 * the build. So the builder hands out jobs, runs of consecutive nodes that
 * exist already, and threads decode them into records: each reference as
 * the decoder reported it (with its target's node when the node index knew
 * it then), the preview text. The builder takes the jobs back in
 * node order and replays each record as its own decoding would have gone
 * (build.c): the same ids, edges and strings whatever the thread count.
 *
 * A node a thread cannot decode alone is left to the builder: its type, or
 * a type its decoder asks for, is not in the thread's copy of the type
 * table (the builder would have read and numbered it), or the emulator
 * would run for it (py/emulated.h: one instance, the builder's).
 *
 * The builder's thread decodes jobs too while it waits for the next one,
 * so that on two cores both decode and one of them also merges.
 * GCSCOPE_BUILD_THREADS=N sets the number of threads (1: no pool at all).
 */
#ifndef GCSCOPE_GRAPH_DECODE_POOL_H
#define GCSCOPE_GRAPH_DECODE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/nodeindex.h"
#include "proc/mem_image.h"
#include "py/object.h"
#include "py/typeinfo.h"

#define GS_DECODE_JOB_NODES 4096
#define GS_DECODED_WEAK UINT32_MAX /* the kind of a weak reference's record */

/* One reference as the decoder reported it to its sink (py/referents.h). */
struct gs_decoded_ref {
    uint64_t dst, num;
    uint32_t kind;     /* enum gs_label_kind, or GS_DECODED_WEAK */
    uint32_t name;     /* 1 + the name's offset in the job's text, after its
                          gs_decoded_name; 0: NULL (the builder's replay
                          makes it the name's string id) */
    uint32_t dst_node; /* dst's node if the index knew it (GS_NO_NODE: ask) */
    uint32_t num_node; /* num's, for a GS_LABEL_VALUE label (its key) */
};

/* What the job's text holds right before a name: its length and its
 * gs_strpool_hash, so that the builder interns it without reading it twice. */
struct gs_decoded_name {
    uint32_t len, hash;
};

struct gs_decoded_node {
    size_t first_ref;   /* its records: refs[first_ref, next node's first_ref) */
    uint32_t preview;   /* offset of its preview text in the job's text */
    uint32_t preview_len; /* 0: no preview */
    uint32_t preview_hash; /* gs_strpool_hash of the preview */
    bool done;          /* false: left to the builder */
    uint8_t result;     /* enum gs_py_decode */
};

struct gs_decode_job {
    uint64_t first;      /* nodes [first, first + count) */
    uint32_t count;
    uint64_t addr[GS_DECODE_JOB_NODES];
    uint32_t type[GS_DECODE_JOB_NODES];
    struct gs_decoded_node nodes[GS_DECODE_JOB_NODES + 1]; /* + the end of the last's records */
    struct gs_decoded_ref *refs;
    size_t nrefs, cap_refs;
    char *text;
    size_t ntext, cap_text;
    int state; /* the pool's */
};

struct gs_decode_pool;

/* Threads the build uses: GCSCOPE_BUILD_THREADS, else the cores this process
 * may run on (at most 16). */
int gs_decode_threads(void);

/* A pool of threads - 1 decoding threads over the image (the builder's is
 * the last). NULL when threads <= 1 or they cannot start: the builder
 * decodes alone. `index` is peeked at from the threads (gs_nodeindex_peek). */
struct gs_decode_pool *gs_decode_pool_new(int threads, gs_image *img, const struct gs_py_layout *L,
                                          const struct gs_nodeindex *index);

/* Builder's thread: make the type ids the threads do not know yet known to
 * them. c is the builder's context (its emulator decides which types a
 * thread may decode). */
void gs_decode_pool_publish_types(struct gs_decode_pool *p, const struct gs_py_ctx *c, const struct gs_py_types *types);

/* Where the next job handed out would start. */
uint64_t gs_decode_pool_issued_end(const struct gs_decode_pool *p);

/* Hand out nodes [first, first + count), count <= GS_DECODE_JOB_NODES,
 * first >= gs_decode_pool_issued_end. False when every job is out. */
bool gs_decode_pool_issue(struct gs_decode_pool *p, uint64_t first, uint32_t count, const uint64_t *addr,
                          const uint32_t *type);

/* The oldest job handed out, decoded, if it starts at node `first` (the
 * builder decodes other jobs while a thread finishes it); NULL otherwise. */
struct gs_decode_job *gs_decode_pool_next(struct gs_decode_pool *p, uint64_t first);

/* The builder is done with the job gs_decode_pool_next gave; give_back:
 * free its buffers (records and text) now, not only when it held a huge
 * node. */
void gs_decode_pool_release(struct gs_decode_pool *p, struct gs_decode_job *j, bool give_back);

/* Stop the threads and free everything (before the image). */
void gs_decode_pool_free(struct gs_decode_pool *p);

#endif
