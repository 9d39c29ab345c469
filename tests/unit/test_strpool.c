/* test_strpool: interning (equal strings, one id), the lookup table grown
 * in its own block (every entry reachable from its home after each
 * growth, those whose path wraps past the table's end too), and the table
 * dropped and built again from the strings (gs_strpool_drop_table): every
 * string keeps its id, and new ones get new ids. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/strpool.h"

#define STRINGS 5000 /* several growths of the table */
#define MANY 300000   /* growths up to 1M slots: runs wrap past the end */

/* Every entry is found from its home: no empty slot on the way. */
static bool reachable(const gs_strpool *p)
{
    for (size_t i = 0; i < p->nslots; i++) {
        if (!p->slots[i].id)
            continue;
        for (size_t j = p->slots[i].tag & (p->nslots - 1); j != i; j = (j + 1) & (p->nslots - 1))
            if (!p->slots[j].id)
                return false;
    }
    return true;
}

static void many(void)
{
    gs_strpool p;
    gs_strpool_init(&p);
    uint32_t *id = malloc(MANY * sizeof *id);
    char s[32];
    size_t slots = 0, growths = 0;
    for (int i = 0; i < MANY; i++) {
        snprintf(s, sizeof s, "s%d", i);
        id[i] = gs_strpool_add_cstr(&p, s);
        if (p.nslots != slots) { /* just grown: check the whole table */
            slots = p.nslots;
            growths++;
            UNIT_CHECK(reachable(&p));
        }
    }
    UNIT_CHECK(growths >= 10);
    UNIT_CHECK(reachable(&p));
    for (int i = 0; i < MANY; i++) {
        snprintf(s, sizeof s, "s%d", i);
        UNIT_CHECK_EQ_U64(gs_strpool_add_cstr(&p, s), id[i]);
    }
    UNIT_CHECK_EQ_U64(p.count, MANY);
    free(id);
    gs_strpool_free(&p);
}

int main(void)
{
    many();
    gs_strpool p;
    gs_strpool_init(&p);
    static uint32_t id[STRINGS];
    char s[32];
    for (int i = 0; i < STRINGS; i++) {
        snprintf(s, sizeof s, "name %d", i);
        id[i] = gs_strpool_add_cstr(&p, s);
        UNIT_CHECK(id[i] != 0);
    }
    UNIT_CHECK_EQ_U64(gs_strpool_add_cstr(&p, ""), 0);
    for (int i = 0; i < STRINGS; i++) {
        snprintf(s, sizeof s, "name %d", i);
        UNIT_CHECK_EQ_U64(gs_strpool_add_cstr(&p, s), id[i]);
        UNIT_CHECK_STR(gs_strpool_str(&p, id[i]), s);
    }

    gs_strpool_drop_table(&p);
    UNIT_CHECK(p.slots == NULL);
    UNIT_CHECK_STR(gs_strpool_str(&p, id[7]), "name 7"); /* the strings stay */
    /* The next add builds the table again: old strings find their ids. */
    for (int i = STRINGS; i-- > 0;) {
        snprintf(s, sizeof s, "name %d", i);
        UNIT_CHECK_EQ_U64(gs_strpool_add_cstr(&p, s), id[i]);
    }
    uint32_t fresh = gs_strpool_add_cstr(&p, "not seen before");
    UNIT_CHECK(fresh != 0);
    for (int i = 0; i < STRINGS; i++)
        UNIT_CHECK(fresh != id[i]);
    UNIT_CHECK_EQ_U64(gs_strpool_add_cstr(&p, "not seen before"), fresh);
    UNIT_CHECK_EQ_U64(p.count, STRINGS + 1);

    size_t len;
    char *buf = gs_strpool_take(&p, &len);
    UNIT_CHECK_STR(buf + id[4999], "name 4999");
    free(buf);
    gs_strpool_free(&p);
    return unit_finish("test_strpool");
}
