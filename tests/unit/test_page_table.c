/* test_page_table: the page -> run table, alone and behind the image's
 * reader. Alone: values set in a few and in many 4 GiB areas (the short
 * scan and the binary search), pages never set and garbage page numbers
 * read 0. Behind an image built from a buffer reader: every view and read
 * gives the buffer's bytes, in regions spread over many areas and
 * touching each other; a view across two runs is refused while a read across them succeeds; addresses
 * outside every run give nothing. */
#include "config.h"

#include <stdlib.h>

#include "proc/maps.h"
#include "proc/mem_image.h"
#include "proc/page_table.h"
#include "unit.h"

static void table_alone(size_t areas)
{
    gs_page_table t;
    gs_page_table_init(&t);
    /* Areas in descending order, so that each new one goes first. */
    for (size_t a = areas; a-- > 0;)
        for (uint64_t p = 0; p < 3; p++)
            gs_page_table_set(&t, ((uint64_t)(a * 7 + 1) << 20) + p * 600, (uint32_t)(a * 10 + p + 1));
    for (size_t a = 0; a < areas; a++) {
        for (uint64_t p = 0; p < 3; p++) {
            uint64_t page = ((uint64_t)(a * 7 + 1) << 20) + p * 600;
            UNIT_CHECK_EQ_U64(gs_page_table_get(&t, page), a * 10 + p + 1);
            UNIT_CHECK_EQ_U64(gs_page_table_get(&t, page + 1), 0);
        }
        UNIT_CHECK_EQ_U64(gs_page_table_get(&t, (uint64_t)(a * 7 + 2) << 20), 0);
    }
    UNIT_CHECK_EQ_U64(gs_page_table_get(&t, 0), 0);
    UNIT_CHECK_EQ_U64(gs_page_table_get(&t, UINT64_MAX >> 12), 0);
    UNIT_CHECK_EQ_U64(gs_page_table_get(&t, UINT64_MAX), 0);
    gs_page_table_free(&t);
    UNIT_CHECK_EQ_U64(gs_page_table_get(&t, 1u << 20), 0);
}

#define NREG 14

static void behind_image(void)
{
    /* Regions: 12 in distinct 4 GiB areas, then two that touch. */
    uint64_t starts[NREG], lens[NREG];
    for (int i = 0; i < 12; i++) {
        starts[i] = ((uint64_t)(i + 1) << 32) + 0x10000 * (uint64_t)i;
        lens[i] = 0x3000;
    }
    starts[12] = 0x7f0000000000;
    lens[12] = 0x2000;
    starts[13] = starts[12] + lens[12];
    lens[13] = 0x1000;
    gs_reader *from = gs_reader_buffer_new();
    gs_map v[NREG];
    unsigned char *bytes[NREG];
    for (int i = 0; i < NREG; i++) {
        bytes[i] = malloc(lens[i]);
        for (uint64_t k = 0; k < lens[i]; k++)
            bytes[i][k] = (unsigned char)(k * 31 + (uint64_t)i * 7);
        gs_reader_buffer_add(from, starts[i], bytes[i], lens[i], true);
        v[i] = (gs_map){.start = starts[i], .end = starts[i] + lens[i], .perms = GS_MAP_READ | GS_MAP_WRITE | GS_MAP_PRIVATE,
                        .path = ""};
    }
    gs_maps maps = {v, NREG};
    gs_image *img = NULL;
    gs_error err;
    UNIT_CHECK(gs_image_from_reader(&maps, from, 0, &img, &err) == GS_OK);
    if (!img)
        return;
    gs_reader *r = gs_image_reader(img);
    /* Jump between regions, as decoders do between objects. */
    for (int round = 0; round < 3; round++) {
        for (int i = NREG; i-- > 0;) {
            for (uint64_t off = 0; off + 8 <= lens[i]; off += 0x7f8) {
                const unsigned char *p = gs_view(r, starts[i] + off, 8);
                UNIT_CHECK(p && memcmp(p, bytes[i] + off, 8) == 0);
                unsigned char buf[8];
                UNIT_CHECK(gs_read_exact(r, starts[i] + off, buf, 8) && memcmp(buf, bytes[i] + off, 8) == 0);
            }
            UNIT_CHECK(gs_view(r, starts[i] + lens[i] - 4, 8) == NULL || i == 12);
        }
    }
    /* Across the two touching regions: no single view, but a read. */
    UNIT_CHECK(gs_view(r, starts[13] - 4, 8) == NULL);
    unsigned char buf[8];
    UNIT_CHECK(gs_read_exact(r, starts[13] - 4, buf, 8));
    UNIT_CHECK(memcmp(buf, bytes[12] + lens[12] - 4, 4) == 0 && memcmp(buf + 4, bytes[13], 4) == 0);
    /* Outside: another page of a stored area, a page past a region's end,
     * garbage. The previous view must not answer for them. */
    UNIT_CHECK(gs_view(r, starts[3], 8) != NULL);
    UNIT_CHECK(gs_view(r, starts[3] + 0x100000, 8) == NULL);
    UNIT_CHECK(gs_view(r, starts[3] + lens[3], 8) == NULL);
    UNIT_CHECK(gs_view(r, starts[3] - 8, 8) == NULL);
    UNIT_CHECK(gs_view(r, 0, 8) == NULL);
    UNIT_CHECK(gs_view(r, UINT64_MAX - 7, 8) == NULL);
    UNIT_CHECK(gs_read(r, UINT64_MAX - 7, buf, 8) == 0);
    gs_image_free(img);
    gs_reader_free(from);
    for (int i = 0; i < NREG; i++)
        free(bytes[i]);
}

int main(void)
{
    table_alone(3);
    table_alone(40);
    behind_image();
    return unit_finish("test_page_table");
}
