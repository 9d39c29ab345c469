/* test_snapfile: snapshots survive a save and load unchanged; truncated,
 * corrupted, foreign and lying files are refused, never crash. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/analyses.h"
#include "graph/snapfile.h"
#include "util/hash.h"
#include "report/table.h"
#include "snapbuild.h"
#include "unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

#define SAME_ARRAY(a, b, field, count) UNIT_CHECK(memcmp((a)->field, (b)->field, (count) * sizeof *(a)->field) == 0)

/* A loaded snapshot must be usable: run every report over it. */
static void exercise(const struct gs_snapshot *s)
{
    FILE *null = fopen("/dev/null", "w");
    struct gs_report_opts o = {.format = GS_FORMAT_JSON};
    gs_error err;
    UNIT_CHECK(gs_report_write(gs_report_by_name("graph"), null, s, &o, &err) == GS_OK);
    UNIT_CHECK(gs_report_write(gs_report_by_name("types"), null, s, &o, &err) == GS_OK);
    o.format = GS_FORMAT_TEXT;
    UNIT_CHECK(gs_report_write(gs_report_by_name("graph"), null, s, &o, &err) == GS_OK);
    fclose(null);
}

/* docs/snapshot-format.md describes the file the code writes: the header
 * and table-entry sizes, and one row per section with its id, name and
 * element size, no more and no fewer. */
static void check_format_doc(void)
{
    const char *srcdir = getenv("GCSCOPE_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/snapshot-format.md", srcdir && *srcdir ? srcdir : ".");
    size_t len = 0;
    char *doc = read_file(path, &len);
    UNIT_CHECK(doc != NULL);
    if (!doc)
        return;
    struct gs_snapfile_section_info info[64];
    size_t header, entry;
    size_t n = gs_snapfile_layout(info, 64, &header, &entry);
    char want[256];
    snprintf(want, sizeof want, "## Header (%zu bytes)", header);
    UNIT_CHECK(strstr(doc, want) != NULL);
    snprintf(want, sizeof want, "one %zu-byte entry per section", entry);
    UNIT_CHECK(strstr(doc, want) != NULL);
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "\n| %u | %s | %zu | ", info[i].id, info[i].name, info[i].elem_size);
        if (!strstr(doc, want))
            printf("docs/snapshot-format.md lacks the row %s\n", want + 1);
        UNIT_CHECK(strstr(doc, want) != NULL);
    }
    /* Rows of the sections table: from its heading to the first blank line. */
    size_t rows = 0;
    const char *table = strstr(doc, "\n| id | name | bytes each |");
    UNIT_CHECK(table != NULL);
    for (const char *p = table; p && (p = strstr(p + 1, "\n")) != NULL && p[1] == '|';)
        if (p[3] >= '0' && p[3] <= '9')
            rows++;
    UNIT_CHECK_EQ_U64(rows, n);
    free(doc);
}

/* A report's JSON over s, computed by a fresh set of analyses (malloc'd). */
static char *report_json(const struct gs_snapshot *s, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct gs_report_opts o = {.format = GS_FORMAT_JSON};
    gs_error err;
    UNIT_CHECK(gs_report_write(gs_report_by_name(name), f, s, &o, &err) == GS_OK);
    fclose(f);
    /* the report's own run time is the one value that differs */
    for (char *t = strstr(buf, "\"total_ms\": "); t; t = strstr(t + 1, "\"total_ms\": "))
        for (char *d = t + 12; *d && *d != ',' && *d != '}'; d++)
            *d = '0';
    return buf;
}

static void count_progress(void *arg, const char *what)
{
    (void)what;
    ++*(int *)arg;
}

/* How many analyses s makes gs_analyses compute (not read from the file)
 * when every getter is asked once. */
static int analyses_computed(const struct gs_snapshot *s)
{
    int computed = 0;
    gs_error err;
    struct gs_analyses *a = gs_analyses_new(s, count_progress, &computed);
    UNIT_CHECK(gs_analyses_types(a, &err) != NULL);
    UNIT_CHECK(gs_analyses_cycles(a, &err) != NULL);
    UNIT_CHECK(gs_analyses_paths(a, &err) != NULL);
    gs_analyses_free(a);
    return computed;
}

static const char *const analysed_reports[] = {"cycles", "retained", "suspects", "waste", "generations"};
#define NANALYSED (sizeof analysed_reports / sizeof *analysed_reports)

/* Analyses saved with the file are read back in place and give every
 * report what computing them gives; a stored result with a wrong
 * checksum, or a right checksum over wrong content, is computed again. */
static void check_stored_analyses(const struct gs_snapshot *s, const char *path)
{
    char *want[NANALYSED];
    for (size_t i = 0; i < NANALYSED; i++)
        want[i] = report_json(s, analysed_reports[i]);
    int all = analyses_computed(s);
    UNIT_CHECK(all >= 6); /* scc, garbage, paths, dominators, tree, types */
    gs_error err;
    struct gs_analyses *a = gs_analyses_new(s, NULL, NULL);
    struct gs_stored_section stored[GS_STORED_COUNT];
    UNIT_CHECK(gs_analyses_export(a, stored, &err) == GS_OK);
    UNIT_CHECK(gs_snapfile_save(s, stored, path, &err) == GS_OK);
    gs_analyses_free(a);
    struct gs_snapshot *l = NULL;
    UNIT_CHECK(gs_snapfile_load(path, &l, &err) == GS_OK);
    if (!l)
        return;
    for (int k = 0; k < GS_STORED_COUNT; k++)
        UNIT_CHECK(l->stored[k].data != NULL);
    UNIT_CHECK_EQ_U64(analyses_computed(l), 0);
    /* Version 3 with the analyses; the same file called version 2 (which
     * cannot hold them) is refused. */
    size_t flen = 0;
    char *f3 = read_file(path, &flen);
    uint32_t version = 0;
    if (f3 && flen > 12)
        memcpy(&version, f3 + 8, 4);
    UNIT_CHECK_EQ_U64(version, GS_SNAPFILE_VERSION);
    if (f3 && flen > 12) {
        struct gs_snapshot *v2 = NULL;
        version = GS_SNAPFILE_VERSION_PLAIN;
        memcpy(f3 + 8, &version, 4); /* the header checksum covers it: refused either way, never read */
        UNIT_CHECK(gs_snapfile_load_buffer(f3, flen, &v2, &err) == GS_ERR_SNAPSHOT);
    }
    free(f3);
    for (size_t i = 0; i < NANALYSED; i++) {
        char *got = report_json(l, analysed_reports[i]);
        UNIT_CHECK_STR(got, want[i]);
        free(got);
    }
    /* Lies, each with its checksum made right, and one wrong checksum. */
    struct lie {
        enum gs_stored_kind kind;
        size_t index;
        uint64_t value;
        int bad_checksum;
    } lies[] = {
        {GS_STORED_META, 0, GS_ANALYSES_VERSION + 1, 0},  /* version: another one */
        {GS_STORED_GARBAGE, 1, 2, 0},
        {GS_STORED_REACHABLE, 0, 0, 0},                    /* reachable, yet no idom */
        {GS_STORED_IDOM, 4, 4, 0},                         /* its own dominator */
        {GS_STORED_IDOM, 3, 77, 0},
        {GS_STORED_RETAINED, 0, 0, 0},                     /* less than its own size */
        {GS_STORED_DT_OFF, 1, 0, 0},                       /* lists out of order */
        {GS_STORED_DT_CHILD, 0, 0, 0},                     /* a child twice */
        {GS_STORED_TYPES, 0, UINT64_MAX, 0},
        {GS_STORED_CYCLE_OF, 0, GS_NO_NODE, 0},            /* a member of no cycle */
        {GS_STORED_CYCLE_MEMBERS, 0, 5, 0},
        {GS_STORED_CYCLE_OFF, 1, 0, 0},
        {GS_STORED_PATH_DEPTH, 2, 0, 0},                   /* a root that is not one */
        {GS_STORED_PATH_DEPTH, 3, 1, 0},                   /* a step that is not one down */
        {GS_STORED_PATH_PARENT, 1, 5, 0},
        {GS_STORED_PATH_EDGE, 1, 1, 0},                    /* an edge to another node */
        {GS_STORED_PATH_ROOT, 0, 1, 0},
        {GS_STORED_IDOM, 0, 0, 1},                         /* unchanged, wrong checksum */
    };
    for (size_t i = 0; i < sizeof lies / sizeof *lies; i++) {
        struct gs_snapshot c = *l;
        struct gs_stored_section *sec = &c.stored[lies[i].kind];
        size_t bytes = (size_t)(sec->count * sec->elem_size);
        unsigned char *data = malloc(bytes);
        memcpy(data, sec->data, bytes);
        UNIT_CHECK(lies[i].index * sec->elem_size < bytes);
        if (lies[i].kind == GS_STORED_META)
            ((struct gs_stored_meta *)data)->version = (uint32_t)lies[i].value;
        else if (sec->elem_size == 1)
            data[lies[i].index] = (unsigned char)lies[i].value;
        else if (sec->elem_size == 4)
            ((uint32_t *)data)[lies[i].index] = (uint32_t)lies[i].value;
        else
            ((uint64_t *)data)[lies[i].index] = lies[i].value;
        if (lies[i].kind == GS_STORED_TYPES)
            ((struct gs_stored_type_total *)data)[lies[i].index].count = lies[i].value;
        UNIT_CHECK(memcmp(data, sec->data, bytes) != 0 || lies[i].bad_checksum);
        sec->data = data;
        sec->checksum = gs_hash64(data, bytes, sec->file_id) + (uint64_t)lies[i].bad_checksum;
        UNIT_CHECK(analyses_computed(&c) > 0);
        for (size_t r = 0; r < NANALYSED; r++) {
            char *got = report_json(&c, analysed_reports[r]);
            if (strcmp(got, want[r]) != 0)
                printf("lie %zu (section %d): %s differs\n", i, (int)lies[i].kind, analysed_reports[r]);
            UNIT_CHECK_STR(got, want[r]);
            free(got);
        }
        free(data);
    }
    gs_snapshot_free(l);
    /* Random flips over the file with analyses: whatever loads (the
     * analyses are not checksummed at load) reports as computing would. */
    size_t len = 0;
    char *file = read_file(path, &len);
    char *copy = malloc(len);
    int loaded = 0;
    for (int trial = 0; file && trial < 3000; trial++) {
        memcpy(copy, file, len);
        copy[len / 2 + next_random() % (len - len / 2)] ^= (char)(1 + next_random() % 255);
        l = NULL;
        if (gs_snapfile_load_buffer(copy, len, &l, &err) != GS_OK)
            continue;
        loaded++;
        for (size_t r = 0; r < NANALYSED; r++) {
            char *got = report_json(l, analysed_reports[r]);
            UNIT_CHECK_STR(got, want[r]);
            free(got);
        }
        gs_snapshot_free(l);
    }
    printf("stored analyses: %d of 3000 files with a flip in their second half loaded, reported as computed\n",
           loaded);
    free(copy);
    free(file);
    for (size_t i = 0; i < NANALYSED; i++)
        free(want[i]);
}

int main(void)
{
    check_format_doc();
    uint32_t src[] = {0, 1, 2, 2, 3, 4};
    uint32_t dst[] = {1, 2, 0, 3, 4, 3};
    uint32_t roots[] = {0};
    struct gs_snapshot *s = snapbuild(6, src, dst, 6, roots, 1);
    char path[] = "/tmp/gcscope-test-snap-XXXXXX";
    int fd = mkstemp(path);
    UNIT_CHECK(fd >= 0);
    close(fd);
    gs_error err;
    UNIT_CHECK(gs_snapfile_save(s, NULL, path, &err) == GS_OK);
    UNIT_CHECK(gs_snapfile_sniff(path));

    struct gs_snapshot *l = NULL;
    UNIT_CHECK(gs_snapfile_load(path, &l, &err) == GS_OK);
    if (l) {
        UNIT_CHECK_EQ_U64(l->nobjects, 6);
        UNIT_CHECK_EQ_U64(l->nedges, 6);
        UNIT_CHECK_STR(l->meta.python, "3.12.1");
        SAME_ARRAY(s, l, addr, 6);
        SAME_ARRAY(s, l, out_off, 7);
        SAME_ARRAY(s, l, out_dst, 6);
        SAME_ARRAY(s, l, out_label, 6);
        SAME_ARRAY(s, l, in_src, 6);
        SAME_ARRAY(s, l, roots, 1);
        UNIT_CHECK(memcmp(s->strings, l->strings, s->strings_len) == 0);
        UNIT_CHECK_EQ_U64(gs_snapshot_find(l, 0x1000 + 0x40 * 3), 3);
        UNIT_CHECK_EQ_U64(gs_snapshot_find(l, 0x1001), GS_NO_NODE);
        exercise(l);
        gs_snapshot_free(l);
    }

    size_t len = 0;
    char *data = read_file(path, &len);
    UNIT_CHECK(data != NULL && len > 0);
    uint32_t plain_version = 0;
    if (data && len > 12)
        memcpy(&plain_version, data + 8, 4);
    UNIT_CHECK_EQ_U64(plain_version, GS_SNAPFILE_VERSION_PLAIN); /* no analyses: older readers read it */

    /* Every truncation is refused with a message. */
    int refused = 0;
    for (size_t cut = 0; cut < len; cut++) {
        l = NULL;
        if (gs_snapfile_load_buffer(data, cut, &l, &err) != GS_OK)
            refused++;
        else
            gs_snapshot_free(l);
    }
    UNIT_CHECK_EQ_U64(refused, len);

    /* Random corruption: refused (checksums), or if a flip lands in padding
     * it loads and must still be safe to use. */
    char *copy = malloc(len);
    int loaded = 0;
    for (int trial = 0; trial < 20000; trial++) {
        memcpy(copy, data, len);
        int flips = 1 + (int)(next_random() % 4);
        for (int f = 0; f < flips; f++)
            copy[next_random() % len] ^= (char)(1 + next_random() % 255);
        l = NULL;
        if (gs_snapfile_load_buffer(copy, len, &l, &err) == GS_OK) {
            exercise(l);
            gs_snapshot_free(l);
            loaded++;
        } else {
            UNIT_CHECK(err.code == GS_ERR_SNAPSHOT && err.msg[0]);
        }
    }
    printf("corruption: %d of 20000 mutated files loaded (flips in padding)\n", loaded);

    /* A foreign file, an empty one, a future version. */
    UNIT_CHECK(gs_snapfile_load_buffer("hello world, not a snapshot at all", 34, &l, &err) == GS_ERR_SNAPSHOT);
    UNIT_CHECK(strstr(err.msg, "not a gcscope snapshot") != NULL);
    UNIT_CHECK(gs_snapfile_load_buffer("", 0, &l, &err) == GS_ERR_SNAPSHOT);
    memcpy(copy, data, len);
    copy[8] = 99; /* version field */
    UNIT_CHECK(gs_snapfile_load_buffer(copy, len, &l, &err) == GS_ERR_SNAPSHOT);
    UNIT_CHECK(strstr(err.msg, "version") != NULL);
    UNIT_CHECK(gs_snapfile_load("/nonexistent/snapshot", &l, &err) == GS_ERR_IO);
    UNIT_CHECK(gs_snapfile_load("/dev/null", &l, &err) == GS_ERR_SNAPSHOT);

    check_stored_analyses(s, path);

    free(copy);
    free(data);
    unlink(path);
    gs_snapshot_free(s);
    return unit_finish("test_snapfile");
}
