/* page_table.h: page number -> small integer, for the image's run lookup.
 *
 * Decoders read the image a field at a time, and successive reads jump
 * between objects in different stored runs (an instance, its type, its
 * dict, the dict's keys): a binary search over hundreds of runs per read
 * was the build's largest cost. This table answers "which run touches this
 * page" with three array reads instead.
 *
 * A sparse radix table: a sorted directory of 4 GiB areas (a process's
 * mappings cluster in a handful), each with 2048 pointers to leaves of 512
 * pages (2 MiB). Leaves exist only where something was set: 4 bytes a
 * stored page, 0.1% of the image. Any 64-bit page number may be looked up
 * (pointers from the target may be garbage): absent pages read 0.
 */
#ifndef GCSCOPE_PROC_PAGE_TABLE_H
#define GCSCOPE_PROC_PAGE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define GS_PT_LEAF_BITS 9u  /* pages in a leaf: 512 (2 MiB) */
#define GS_PT_AREA_BITS 11u /* leaves in an area: 2048 (4 GiB) */

struct gs_pt_area {
    uint64_t key;     /* page >> (LEAF_BITS + AREA_BITS) */
    uint32_t **leaves; /* 2048 leaves, NULL where nothing was set */
};

typedef struct gs_page_table {
    struct gs_pt_area *areas; /* sorted by key */
    size_t nareas;
} gs_page_table;

void gs_page_table_init(gs_page_table *t);
/* Set page's value (not 0). */
void gs_page_table_set(gs_page_table *t, uint64_t page, uint32_t value);
void gs_page_table_free(gs_page_table *t);

/* The value set for page, or 0. */
static inline uint32_t gs_page_table_get(const gs_page_table *t, uint64_t page)
{
    uint64_t key = page >> (GS_PT_LEAF_BITS + GS_PT_AREA_BITS);
    size_t lo = 0, hi = t->nareas;
    if (hi <= 8) {
        /* The usual case (heap, mmap area, stack): a short scan. */
        while (lo < hi && t->areas[lo].key < key)
            lo++;
        hi = lo;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->areas[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == t->nareas || t->areas[lo].key != key)
        return 0;
    const uint32_t *leaf = t->areas[lo].leaves[(page >> GS_PT_LEAF_BITS) & ((1u << GS_PT_AREA_BITS) - 1)];
    return leaf ? leaf[page & ((1u << GS_PT_LEAF_BITS) - 1)] : 0;
}

#endif
