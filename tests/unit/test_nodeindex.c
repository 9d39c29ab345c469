/* test_nodeindex: the address -> node index and its address order, with
 * nodes in the dense slots (16-byte aligned, inside a captured region) and
 * in the hash map (8 mod 16, or outside every region), in mixed order; then
 * nodes numbered too far apart for their chunk's 16-bit slots, which the
 * hash map holds too. The regions are this process's own resident writable
 * memory. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "capture.h"
#include "graph/nodeindex.h"
#include "proc/maps.h"
#include "proc/mem_image.h"
#include "unit.h"

#define NODES 3000
#define FAR_NODES 70000 /* more than a slot's distance from its chunk's base */

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    /* Four resident megabytes, so that one region is large enough below. */
    char *ballast = malloc(4 << 20);
    memset(ballast, 1, 4 << 20);
    gs_maps maps = {0};
    gs_error err;
    UNIT_CHECK(gs_maps_read(getpid(), &maps, &err) == GS_OK);
    gs_image *img = NULL;
    if (gs_image_plan(getpid(), &maps, gs_default_max_capture(), 0, &img, NULL, &err) != GS_OK)
        unit_skip("this process is larger than the capture limit (sanitizer shadow?)");
    /* Regions are what the copy found resident. */
    UNIT_CHECK(gs_image_copy_writable(img, getpid(), &maps, 0, &err) == GS_OK);
    gs_image_after_stop(img);
    UNIT_CHECK(gs_image_region_count(img) > 0);
    /* The largest region, so that the slot addresses below are distinct. */
    uint64_t start = 0, end = 0;
    for (size_t r = 0; r < gs_image_region_count(img); r++) {
        uint64_t s, e;
        gs_image_region(img, r, &s, &e);
        if (e - s > end - start) {
            start = s;
            end = e;
        }
    }
    if ((end - start) / 16 < 2 * NODES)
        unit_skip("no writable mapping of this process is large enough");

    struct gs_nodeindex x;
    gs_nodeindex_init(&x, img);
    uint64_t *addr = calloc(NODES, sizeof *addr), *sorted = calloc(NODES, sizeof *sorted);
    uint32_t *order = calloc(NODES, sizeof *order);
    /* Every third node is 8 mod 16 (hash map), every seventh lies below
     * every region (hash map), the rest are slots; numbered out of address
     * order, as a breadth-first walk numbers them. */
    size_t span = (size_t)((end - start) / 16);
    for (uint32_t i = 0; i < NODES; i++) {
        uint64_t a = start + (uint64_t)(((uint64_t)i * 7919u) % span) * 16;
        if (i % 7 == 0)
            a = 4096 + (uint64_t)i * 16;
        else if (i % 3 == 0)
            a += 8;
        addr[i] = a;
    }
    /* Distinct addresses only (the index holds one node per address). */
    memcpy(sorted, addr, NODES * sizeof *addr);
    qsort(sorted, NODES, sizeof *sorted, by_value);
    for (size_t i = 1; i < NODES; i++)
        UNIT_CHECK(sorted[i] != sorted[i - 1]);
    for (uint32_t i = 0; i < NODES; i++)
        UNIT_CHECK(gs_nodeindex_put(&x, addr[i], i));
    for (uint32_t i = 0; i < NODES; i++)
        UNIT_CHECK_EQ_U64(gs_nodeindex_get(&x, addr[i]), i);
    UNIT_CHECK_EQ_U64(gs_nodeindex_get(&x, start + 32 * 16 + 4), UINT32_MAX);

    UNIT_CHECK(gs_nodeindex_in_order(&x, addr, order, NODES));
    for (size_t i = 0; i < NODES; i++)
        UNIT_CHECK_EQ_U64(addr[order[i]], sorted[i]);
    /* An index that does not hold what the caller says is refused. */
    UNIT_CHECK(!gs_nodeindex_in_order(&x, addr, order, NODES - 1));
    addr[5] += 16;
    UNIT_CHECK(!gs_nodeindex_in_order(&x, addr, order, NODES));

    gs_nodeindex_free(&x);

    /* Neighbours numbered far apart (a stride through the span): a chunk's
     * later nodes past its base's reach go to the hash map, and every
     * lookup, peek and the address order still see them. */
    /* 32 bytes apart (one slot each) in the first 4 MiB, numbered along a
     * stride: about 68 nodes in each 4 KiB, numbered up to 70,000 apart. */
    uint64_t span32 = (uint64_t)1 << 17;
    UNIT_CHECK(span / 2 >= span32); /* the ballast alone is that large */
    uint64_t stride = 7919;
    {
        gs_nodeindex_init(&x, img);
        uint64_t *far = calloc(FAR_NODES, sizeof *far);
        uint32_t *far_order = calloc(FAR_NODES, sizeof *far_order);
        for (uint32_t i = 0; i < FAR_NODES; i++) {
            far[i] = start + (uint64_t)(((uint64_t)i * stride) % span32) * 32;
            UNIT_CHECK(gs_nodeindex_put(&x, far[i], i));
        }
        UNIT_CHECK(x.other.n > 0);             /* some were too far */
        size_t cursor = 0, peeked = 0;
        for (uint32_t i = 0; i < FAR_NODES; i++) {
            UNIT_CHECK_EQ_U64(gs_nodeindex_get(&x, far[i]), i);
            uint32_t p = gs_nodeindex_peek(&x, &cursor, far[i]);
            UNIT_CHECK(p == i || p == UINT32_MAX); /* a far node is "not known" to a peek */
            peeked += p == i;
        }
        UNIT_CHECK_EQ_U64(peeked + x.other.n, FAR_NODES);
        UNIT_CHECK(peeked > FAR_NODES / 4); /* many in their slots */
        UNIT_CHECK(gs_nodeindex_in_order(&x, far, far_order, FAR_NODES));
        for (size_t i = 1; i < FAR_NODES; i++)
            UNIT_CHECK(far[far_order[i - 1]] < far[far_order[i]]);
        /* Taking the order gives the same, and the slots' memory back. */
        uint32_t *taken = calloc(FAR_NODES, sizeof *taken);
        UNIT_CHECK(gs_nodeindex_take_order(&x, far, taken, FAR_NODES));
        UNIT_CHECK(memcmp(taken, far_order, FAR_NODES * sizeof *taken) == 0);
        size_t lost = 0; /* the slots read as empty now */
        for (uint32_t i = 0; i < FAR_NODES; i++)
            lost += gs_nodeindex_get(&x, far[i]) == UINT32_MAX;
        UNIT_CHECK_EQ_U64(lost, FAR_NODES);
        free(taken);
        gs_nodeindex_free(&x);
        free(far);
        free(far_order);
    }
    /* Two nodes in one slot's 32 bytes: the first recorded takes the slot,
     * the other goes to the hash map; both are found, in address order. */
    uint64_t pair[4] = {start + 80, start + 64, start + 112, start + 136};
    gs_nodeindex_init(&x, img);
    for (uint32_t i = 0; i < 4; i++)
        UNIT_CHECK(gs_nodeindex_put(&x, pair[i], i));
    for (uint32_t i = 0; i < 4; i++)
        UNIT_CHECK_EQ_U64(gs_nodeindex_get(&x, pair[i]), i);
    UNIT_CHECK_EQ_U64(gs_nodeindex_get(&x, start + 96), UINT32_MAX); /* the empty half of a slot */
    size_t cur = 0;
    UNIT_CHECK_EQ_U64(gs_nodeindex_peek(&x, &cur, pair[0]), 0);
    UNIT_CHECK_EQ_U64(gs_nodeindex_peek(&x, &cur, pair[1]), UINT32_MAX); /* the hash map's: not known */
    uint32_t pair_order[4];
    UNIT_CHECK(gs_nodeindex_in_order(&x, pair, pair_order, 4));
    UNIT_CHECK_EQ_U64(pair_order[0], 1);
    UNIT_CHECK_EQ_U64(pair_order[1], 0);
    UNIT_CHECK_EQ_U64(pair_order[2], 2);
    UNIT_CHECK_EQ_U64(pair_order[3], 3);
    gs_nodeindex_free(&x);
    gs_image_free(img);
    gs_maps_free(&maps);
    free(addr);
    free(sorted);
    free(order);
    free(ballast);
    return unit_finish("test_nodeindex");
}
