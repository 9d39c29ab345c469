/* suspects.h: the leak suspects as data, for the browser: the same list,
 * ranking, names and explanations that --dump-suspects prints. */
#ifndef GCSCOPE_REPORT_SUSPECTS_H
#define GCSCOPE_REPORT_SUSPECTS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/analyses.h"
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
/* The suspects over the snapshot's analyses (computed there if needed,
 * and shared with every other presenter). */
gs_status gs_suspects_find(struct gs_analyses *an, struct gs_suspect_list *out, gs_error *err);
void gs_suspects_free(struct gs_suspect_list *l);

#endif
