#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "proc/page_table.h"
#include "util/alloc.h"

void gs_page_table_init(gs_page_table *t)
{
    t->areas = NULL;
    t->nareas = 0;
}

static struct gs_pt_area *area_for(gs_page_table *t, uint64_t key)
{
    size_t lo = 0, hi = t->nareas;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->areas[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->nareas && t->areas[lo].key == key)
        return &t->areas[lo];
    /* A new area, kept in order: areas are few, so the move is cheap. */
    t->areas = gs_xreallocarray(t->areas, t->nareas + 1, sizeof *t->areas);
    memmove(&t->areas[lo + 1], &t->areas[lo], (t->nareas - lo) * sizeof *t->areas);
    t->areas[lo].key = key;
    t->areas[lo].leaves = gs_xcalloc((size_t)1 << GS_PT_AREA_BITS, sizeof *t->areas[lo].leaves);
    t->nareas++;
    return &t->areas[lo];
}

void gs_page_table_set(gs_page_table *t, uint64_t page, uint32_t value)
{
    struct gs_pt_area *a = area_for(t, page >> (GS_PT_LEAF_BITS + GS_PT_AREA_BITS));
    uint32_t **leaf = &a->leaves[(page >> GS_PT_LEAF_BITS) & ((1u << GS_PT_AREA_BITS) - 1)];
    if (!*leaf)
        *leaf = gs_xcalloc((size_t)1 << GS_PT_LEAF_BITS, sizeof **leaf);
    (*leaf)[page & ((1u << GS_PT_LEAF_BITS) - 1)] = value;
}

void gs_page_table_free(gs_page_table *t)
{
    for (size_t i = 0; i < t->nareas; i++) {
        for (size_t j = 0; j < ((size_t)1 << GS_PT_AREA_BITS); j++)
            free(t->areas[i].leaves[j]);
        free(t->areas[i].leaves);
    }
    free(t->areas);
    gs_page_table_init(t);
}
