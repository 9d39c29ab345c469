/* paths.c: shortest paths from the roots, breadth first.
 *
 * Three passes, by the kind of root a path should start from: first the
 * modules and the interpreter's dicts, then the threads' frames, then the
 * objects held from outside the graph; each pass reaches only what the
 * earlier ones did not. A module global is explained as `__main__.CACHE`
 * even when the running <module> frame's locals (the same dict) are a
 * shorter way in, and "held by C code" explains an object only when
 * nothing else does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "util/alloc.h"
#include "util/scratch.h"

static void bfs(const struct gs_snapshot *s, struct gs_paths *p, uint32_t *queue, uint64_t head, uint64_t tail)
{
    while (head < tail) {
        uint32_t v = queue[head++];
        for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++) {
            uint32_t w = s->out_dst[e];
            if (p->depth[w] != UINT32_MAX)
                continue;
            p->depth[w] = p->depth[v] + 1;
            p->parent[w] = v;
            p->parent_edge[w] = e;
            p->root[w] = p->root[v];
            queue[tail++] = w;
        }
    }
}

static int root_tier(uint32_t kind)
{
    switch (kind) {
    case GS_ROOT_FRAME:
    case GS_ROOT_LOCAL:
    case GS_ROOT_THREAD:
        return 1;
    case GS_ROOT_EXTERNAL:
        return 2;
    default:
        return 0; /* modules, sys.modules, sys and builtins dicts */
    }
}

/* Seed the queue with the targets of roots of one tier. */
static uint64_t seed(const struct gs_snapshot *s, struct gs_paths *p, uint32_t *queue, uint64_t tail, int tier)
{
    for (uint64_t r = 0; r < s->nroots; r++) {
        const struct gs_root *root = &s->roots[r];
        if (root_tier(root->kind) != tier || p->depth[root->node] != UINT32_MAX)
            continue;
        p->depth[root->node] = 0;
        p->root[root->node] = (uint32_t)r;
        queue[tail++] = root->node;
    }
    return tail;
}

gs_status gs_paths_compute(const struct gs_snapshot *s, struct gs_paths *p, gs_error *err)
{
    uint64_t n = s->nobjects;
    memset(p, 0, sizeof *p);
    /* util/scratch.h: reuses what an earlier analysis (the dominators) freed */
    p->parent = gs_scratch_alloc((size_t)n + 1, sizeof *p->parent);
    p->parent_edge = gs_scratch_alloc((size_t)n + 1, sizeof *p->parent_edge);
    p->root = gs_scratch_alloc((size_t)n + 1, sizeof *p->root);
    p->depth = gs_scratch_alloc((size_t)n + 1, sizeof *p->depth);
    uint32_t *queue = gs_scratch_alloc((size_t)n + 1, sizeof *queue);
    if (!p->parent || !p->parent_edge || !p->root || !p->depth || !queue) {
        gs_scratch_free(queue);
        gs_paths_free(p);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory computing paths over %llu objects", (unsigned long long)n);
    }
    for (uint64_t i = 0; i < n; i++) {
        p->parent[i] = GS_NO_NODE;
        p->parent_edge[i] = UINT64_MAX;
        p->root[i] = GS_NO_NODE;
        p->depth[i] = UINT32_MAX;
    }
    /* Each node enters the queue at most once over all passes. */
    for (int tier = 0; tier < 3; tier++) {
        uint64_t tail = seed(s, p, queue, 0, tier);
        bfs(s, p, queue, 0, tail);
    }
    gs_scratch_free(queue);
    return GS_OK;
}

size_t gs_path_to(const struct gs_paths *p, uint32_t node, uint32_t *buf, size_t cap)
{
    if (p->depth[node] == UINT32_MAX)
        return 0;
    size_t len = (size_t)p->depth[node] + 1;
    /* Fill from the end: the node last, its root first. */
    uint32_t v = node;
    for (size_t i = len; i-- > 0;) {
        if (i < cap)
            buf[i] = v;
        v = p->parent[v];
    }
    return len;
}

void gs_paths_free(struct gs_paths *p)
{
    gs_scratch_free(p->parent);
    gs_scratch_free(p->parent_edge);
    gs_scratch_free(p->root);
    gs_scratch_free(p->depth);
    memset(p, 0, sizeof *p);
}
