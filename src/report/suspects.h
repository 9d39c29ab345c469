/* suspects.h: the leak suspects as data, for the browser: the same list,
 * ranking, names and explanations that --dump-suspects prints. */
#ifndef GCSCOPE_REPORT_SUSPECTS_H
#define GCSCOPE_REPORT_SUSPECTS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "graph/snapshot.h"
#include "util/status.h"

struct gs_suspect {
    char kind[24];      /* "global_container", "mutable_default", "callbacks", "cyclic_garbage"... */
    uint32_t node;      /* GS_NO_NODE for the cyclic garbage */
    uint64_t retained;  /* bytes it keeps alive */
    int64_t items;      /* a container's items, -1 otherwise */
    char name[256];     /* where it is bound: "__main__.CACHE", else the path that reaches it */
    char why[640];      /* one or two sentences on why it is a suspect */
};

struct gs_suspect_list {
    struct gs_suspect *v; /* ranked: most retained first */
    size_t n;
    uint64_t reachable_bytes;
};

/* Analyses the caller has already computed over the same snapshot (the
 * browser's model): borrowed, not freed. */
struct gs_suspects_given {
    const struct gs_dominators *dom;
    const struct gs_paths *paths;
    uint8_t *garbage;
};

/* given may be NULL: the analyses are then computed (and freed) here. */
gs_status gs_suspects_find(const struct gs_snapshot *s, const struct gs_suspects_given *given,
                           struct gs_suspect_list *out, gs_error *err);
void gs_suspects_free(struct gs_suspect_list *l);

#endif
