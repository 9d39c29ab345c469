/* model_agreement SNAPSHOT: the browser's model and the reports say the
 * same thing about one snapshot.
 *
 * The reports are written as JSON into memory and read back with cJSON;
 * the browser's model (ui/model.c, linked without curses) is asked for
 * the same facts. Checked: the cycles' shapes in rank order (class, number
 * of cycles, bytes, the example cycle's head and whether it is
 * uncollectable), the cyclic garbage totals, what the roots reach, the
 * retained size of every type --dump-retained lists, and the suspects in
 * order (name, retained bytes). Run by tests/snapshots/run.py over each
 * committed snapshot. */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/snapfile.h"
#include "report/table.h"
#include "ui/model.h"
#include "unit.h"

static cJSON *report_json(const struct gs_snapshot *s, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct gs_report_opts o = {.format = GS_FORMAT_JSON};
    gs_error err = {0};
    UNIT_CHECK(gs_report_write(gs_report_by_name(name), f, s, &o, &err) == GS_OK);
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    UNIT_CHECK(j != NULL);
    free(buf);
    return j;
}

static uint64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : UINT64_MAX;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static uint64_t addr(const cJSON *o, const char *key) { return strtoull(str(o, key), NULL, 16); }

static void cycles_agree(struct gs_model *m, const struct gs_snapshot *s)
{
    cJSON *j = report_json(s, "cycles");
    UNIT_CHECK(gs_model_need(m, GS_NEED_CYCLES | GS_NEED_GARBAGE));
    const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(j, "shapes");
    const cJSON *cycles = cJSON_GetObjectItemCaseSensitive(j, "cycles");
    UNIT_CHECK_EQ_U64(cJSON_GetArraySize(shapes), m->ncycles);
    UNIT_CHECK_EQ_U64(num(j, "garbage_objects"), m->garbage_objects);
    UNIT_CHECK_EQ_U64(num(j, "garbage_bytes"), m->garbage_bytes);
    size_t i = 0;
    const cJSON *sh;
    cJSON_ArrayForEach(sh, shapes)
    {
        if (i >= m->ncycles)
            break;
        const struct gs_model_cycle *row = &m->cycles[i++];
        UNIT_CHECK_STR(str(sh, "class"), gs_cycle_class_name(row->cls));
        UNIT_CHECK_EQ_U64(num(sh, "cycles"), row->alike + 1);
        UNIT_CHECK_EQ_U64(num(sh, "bytes"), row->bytes + row->alike_bytes);
        const cJSON *example = cJSON_GetArrayItem(cycles, (int)num(sh, "example"));
        UNIT_CHECK(example != NULL);
        if (!example)
            continue;
        UNIT_CHECK_EQ_U64(num(example, "count"), row->count);
        UNIT_CHECK_EQ_U64(num(example, "bytes"), row->bytes);
        UNIT_CHECK_EQ_U64(addr(example, "head"), s->addr[row->cycle->head]);
        UNIT_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(example, "uncollectable")) == row->uncollectable);
    }
    cJSON_Delete(j);
}

static void retained_agree(struct gs_model *m, const struct gs_snapshot *s)
{
    cJSON *j = report_json(s, "retained");
    UNIT_CHECK(gs_model_need(m, GS_NEED_TYPE_RETAINED | GS_NEED_DOM));
    UNIT_CHECK_EQ_U64(num(j, "reachable_objects"), m->reachable_objects);
    UNIT_CHECK_EQ_U64(num(j, "reachable_bytes"), m->reachable_bytes);
    const cJSON *t;
    size_t checked = 0;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "types"))
    {
        /* The type by name and module (a type's row is unique by both). */
        uint32_t found = UINT32_MAX;
        for (uint32_t k = 0; k < s->ntypes && found == UINT32_MAX; k++)
            if (strcmp(gs_snapshot_string(s, s->types[k].name), str(t, "name")) == 0 &&
                strcmp(gs_snapshot_string(s, s->types[k].module), str(t, "module")) == 0 &&
                m->types[k].retained == num(t, "retained"))
                found = k;
        UNIT_CHECK(found != UINT32_MAX);
        checked++;
    }
    UNIT_CHECK(checked > 0);
    cJSON_Delete(j);
}

static void suspects_agree(struct gs_model *m, const struct gs_snapshot *s)
{
    cJSON *j = report_json(s, "suspects");
    UNIT_CHECK(gs_model_need(m, GS_NEED_SUSPECTS));
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "suspects");
    UNIT_CHECK_EQ_U64(cJSON_GetArraySize(list), m->suspects.n);
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, list)
    {
        if (i >= m->suspects.n)
            break;
        const struct gs_suspect *y = &m->suspects.v[i++];
        UNIT_CHECK_STR(str(x, "name"), y->name);
        UNIT_CHECK_EQ_U64(num(x, "retained"), y->retained);
    }
    cJSON_Delete(j);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: model_agreement SNAPSHOT\n");
        return 99;
    }
    struct gs_snapshot *s = NULL;
    gs_error err = {0};
    if (gs_snapfile_load(argv[1], &s, &err) != GS_OK) {
        fprintf(stderr, "model_agreement: %s\n", err.msg);
        return 99;
    }
    struct gs_model m;
    gs_model_init(&m, s, NULL, NULL);
    cycles_agree(&m, s);
    retained_agree(&m, s);
    suspects_agree(&m, s);
    gs_model_free(&m);
    gs_snapshot_free(s);
    return unit_finish("model_agreement");
}
