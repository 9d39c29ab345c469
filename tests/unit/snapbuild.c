#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapbuild.h"
#include "util/alloc.h"
#include "util/strpool.h"

struct gs_snapshot *snapbuild(uint32_t n, const uint32_t *src, const uint32_t *dst, size_t nedges,
                              const uint32_t *roots, size_t nroots)
{
    struct gs_snapshot *s = gs_xcalloc(1, sizeof *s);
    gs_strpool pool;
    gs_strpool_init(&pool);
    snprintf(s->meta.python, sizeof s->meta.python, "3.12.1");
    s->meta.pid = 4242;
    s->meta.ninterps = 1;
    s->meta.interps[0].gc_enabled = 1;
    s->meta.interps[0].thresholds[0] = 700;
    s->meta.interps[0].garbage_node = GS_NO_NODE;
    s->meta.floor_ms = -1;
    s->nobjects = n;
    s->nedges = nedges;
    s->ntypes = 2;
    s->types = gs_xcalloc(2, sizeof *s->types);
    s->types[0].name = gs_strpool_add_cstr(&pool, "<bad type>");
    s->types[1].name = gs_strpool_add_cstr(&pool, "Node");
    s->types[1].module = gs_strpool_add_cstr(&pool, "mod");
    s->addr = gs_xcalloc(n + 1, sizeof *s->addr);
    s->type = gs_xcalloc(n + 1, sizeof *s->type);
    s->size = gs_xcalloc(n + 1, sizeof *s->size);
    s->refcnt = gs_xcalloc(n + 1, sizeof *s->refcnt);
    s->explained = gs_xcalloc(n + 1, sizeof *s->explained);
    s->flags = gs_xcalloc(n + 1, sizeof *s->flags);
    s->preview = gs_xcalloc(n + 1, sizeof *s->preview);
    s->by_addr = gs_xcalloc(n + 1, sizeof *s->by_addr);
    for (uint32_t i = 0; i < n; i++) {
        s->addr[i] = 0x1000 + 0x40 * (uint64_t)i;
        s->type[i] = 1;
        s->size[i] = 48;
        s->flags[i] = GS_NODE_TRACKED;
        s->by_addr[i] = i;
    }
    s->out_off = gs_xcalloc(n + 1, sizeof *s->out_off);
    s->in_off = gs_xcalloc(n + 1, sizeof *s->in_off);
    s->out_dst = gs_xcalloc(nedges + 1, sizeof *s->out_dst);
    s->out_label = gs_xcalloc(nedges + 1, sizeof *s->out_label);
    s->in_src = gs_xcalloc(nedges + 1, sizeof *s->in_src);
    /* Forward rows: count, then place edges grouped by source. */
    for (size_t e = 0; e < nedges; e++)
        s->out_off[src[e] + 1]++;
    for (uint32_t i = 0; i < n; i++)
        s->out_off[i + 1] += s->out_off[i];
    uint64_t *fill = gs_xcalloc(n + 1, sizeof *fill);
    memcpy(fill, s->out_off, n * sizeof *fill);
    for (size_t e = 0; e < nedges; e++) {
        uint64_t at = fill[src[e]]++;
        s->out_dst[at] = dst[e];
        s->out_label[at] = gs_label_make(GS_LABEL_INDEX, (uint32_t)e);
        s->in_off[dst[e] + 1]++;
        s->explained[dst[e]]++;
    }
    for (uint32_t i = 0; i < n; i++)
        s->in_off[i + 1] += s->in_off[i];
    memcpy(fill, s->in_off, n * sizeof *fill);
    for (uint32_t i = 0; i < n; i++)
        for (uint64_t e = s->out_off[i]; e < s->out_off[i + 1]; e++)
            s->in_src[fill[s->out_dst[e]]++] = i;
    free(fill);
    for (uint32_t i = 0; i < n; i++)
        s->refcnt[i] = s->explained[i];
    s->nroots = nroots;
    s->roots = gs_xcalloc(nroots + 1, sizeof *s->roots);
    for (size_t r = 0; r < nroots; r++) {
        s->roots[r] = (struct gs_root){roots[r], GS_ROOT_MODULE, gs_strpool_add_cstr(&pool, "mod"), 0};
        s->flags[roots[r]] |= GS_NODE_ROOT;
        s->refcnt[roots[r]]++;
    }
    s->strings = gs_strpool_take(&pool, &s->strings_len);
    return s;
}
