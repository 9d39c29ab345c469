/* test_snapfile: snapshots survive a save and load unchanged; truncated,
 * corrupted, foreign and lying files are refused, never crash. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/snapfile.h"
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
    UNIT_CHECK(gs_snapfile_save(s, path, &err) == GS_OK);
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

    free(copy);
    free(data);
    unlink(path);
    gs_snapshot_free(s);
    return unit_finish("test_snapfile");
}
