/* test_smaps: parsing /proc/PID/smaps text, no process: the figures the
 * RSS accounting uses per mapping (Rss, Anonymous, Swap, in bytes), paths
 * with spaces, fields that look like headers, hostile lines (end before
 * start, sizes past the mapping, overlong lines), a truncated last entry,
 * and this process's own smaps against its maps. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/maps.h"
#include "proc/smaps.h"
#include "unit.h"

/* As a 6.x kernel writes it (fields trimmed to the ones that matter and a
 * few that could be mistaken for headers). */
static const char sample[] =
    "55d0c4a00000-55d0c4a28000 r--p 00000000 fd:01 1049011                    /usr/bin/python3.11\n"
    "Size:                160 kB\n"
    "KernelPageSize:        4 kB\n"
    "Rss:                 160 kB\n"
    "Pss:                  80 kB\n"
    "Anonymous:             0 kB\n"
    "Swap:                  0 kB\n"
    "VmFlags: rd mr mw me dw sd\n"
    "55d0c5e2b000-55d0c5f4c000 rw-p 00000000 00:00 0                          [heap]\n"
    "Size:               1156 kB\n"
    "Rss:                1100 kB\n"
    "Anonymous:          1100 kB\n"
    "Swap:                 56 kB\n"
    "THPeligible:    0\n"
    "VmFlags: rd wr mr mw me ac sd\n"
    "7f0a1c000000-7f0a1c100000 rw-p 00000000 00:00 0 \n"
    "Rss:                 512 kB\n"
    "Anonymous:           508 kB\n"
    "7f0a20000000-7f0a20001000 r--p 00000000 08:02 42                         /tmp/my dir/lib x.so (deleted)\n"
    "Rss:                   4 kB\n"
    "Anonymous:             4 kB\n"
    "ProtectionKey:         0\n"
    "7ffc4b6d1000-7ffc4b6f2000 rw-p 00000000 00:00 0                          [stack]\n"
    "Rss:                  16 kB\n"
    "Anonymous:            16 kB\n";

static void test_sample(void)
{
    struct gs_smap *v = NULL;
    size_t n = 0;
    gs_error err;
    UNIT_CHECK(gs_smaps_parse(sample, strlen(sample), &v, &n, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(n, 5);
    if (n != 5) {
        free(v);
        return;
    }
    UNIT_CHECK_EQ_U64(v[0].start, 0x55d0c4a00000ull);
    UNIT_CHECK_EQ_U64(v[0].end, 0x55d0c4a28000ull);
    UNIT_CHECK_EQ_U64(v[0].rss, 160 * 1024);
    UNIT_CHECK_EQ_U64(v[0].anonymous, 0);
    UNIT_CHECK_STR(v[0].path, "/usr/bin/python3.11");
    UNIT_CHECK(v[0].perms == (GS_MAP_READ | GS_MAP_PRIVATE));
    UNIT_CHECK_STR(v[1].path, "[heap]");
    UNIT_CHECK_EQ_U64(v[1].rss, 1100 * 1024);
    UNIT_CHECK_EQ_U64(v[1].anonymous, 1100 * 1024);
    UNIT_CHECK_EQ_U64(v[1].swap, 56 * 1024);
    UNIT_CHECK(v[1].perms == (GS_MAP_READ | GS_MAP_WRITE | GS_MAP_PRIVATE));
    UNIT_CHECK_STR(v[2].path, "");
    UNIT_CHECK_EQ_U64(v[2].anonymous, 508 * 1024);
    UNIT_CHECK_STR(v[3].path, "/tmp/my dir/lib x.so (deleted)");
    UNIT_CHECK_EQ_U64(v[3].rss, 4096);
    UNIT_CHECK_STR(v[4].path, "[stack]");
    UNIT_CHECK_EQ_U64(v[4].anonymous, 16 * 1024);
    free(v);
}

/* Lines no kernel writes: a header whose end is not past its start is
 * not a mapping (its fields are dropped with it), figures larger than the
 * mapping are cut to it, an overlong path is cut, garbage is skipped. */
static void test_hostile(void)
{
    char path[1000];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    char text[4096];
    snprintf(text, sizeof text,
             "garbage-line with a dash before a space\n"
             "Rss: 99 kB\n"
             "7f0000002000-7f0000001000 rw-p 00000000 00:00 0   [end before start]\n"
             "Rss:                   4 kB\n"
             "7f0000003000-7f0000003000 rw-p 00000000 00:00 0   [empty]\n"
             "7f0000004000-7f0000005000 rw-p 00000000 00:00 0   [big figures]\n"
             "Rss:  18446744073709551615 kB\n"
             "Anonymous:  99999999 kB\n"
             "Swap:  99999999 kB\n"
             "7f0000005000-7f0000004000 rw-p 00000000 00:00 0   [a bad header between]\n"
             "Rss:                   8 kB\n"
             "7f0000006000-7f0000007000 rw-p 00000000 00:00 0   /%s\n"
             "Rss: 4 kB\n"
             "7f0000008000-7f0000009000 rw-p 00000000 00:00 0   [truncated]\n"
             "Rss: 4",
             path);
    struct gs_smap *v = NULL;
    size_t n = 0;
    gs_error err;
    UNIT_CHECK(gs_smaps_parse(text, strlen(text), &v, &n, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(n, 3);
    if (n == 3) {
        UNIT_CHECK_STR(v[0].path, "[big figures]");
        UNIT_CHECK_EQ_U64(v[0].rss, 4096); /* cut to the mapping, not the bad header's 8 kB */
        UNIT_CHECK_EQ_U64(v[0].anonymous, 4096);
        UNIT_CHECK_EQ_U64(v[0].swap, 4096);
        UNIT_CHECK(strlen(v[1].path) < sizeof v[1].path && v[1].path[0] == '/');
        UNIT_CHECK_EQ_U64(v[1].rss, 4096);
        UNIT_CHECK_STR(v[2].path, "[truncated]");
        UNIT_CHECK_EQ_U64(v[2].rss, 0); /* "Rss: 4" without its unit is no figure */
    }
    free(v);
    /* Empty text: no mapping, no error. */
    UNIT_CHECK(gs_smaps_parse("", 0, &v, &n, &err) == GS_OK && n == 0);
    free(v);
}

/* This process: every mapping of /proc/self/maps is in smaps with the
 * same bounds, and the resident figures stay within each mapping. */
static void test_self(void)
{
    struct gs_smap *v = NULL;
    size_t n = 0;
    gs_error err;
    gs_maps m;
    UNIT_CHECK(gs_smaps_read(getpid(), &v, &n, &err) == GS_OK);
    UNIT_CHECK(gs_maps_read(getpid(), &m, &err) == GS_OK);
    UNIT_CHECK(n > 3);
    size_t same = 0;
    bool heap_or_anon = false;
    for (size_t i = 0; i < n; i++) {
        UNIT_CHECK(v[i].rss <= v[i].end - v[i].start && v[i].anonymous <= v[i].rss);
        const gs_map *x = gs_maps_find(&m, v[i].start);
        same += x && x->start == v[i].start && x->end == v[i].end;
        heap_or_anon |= v[i].anonymous > 0;
    }
    /* (the two reads are moments apart: a mapping may come or go) */
    UNIT_CHECK(same + 2 >= n);
    UNIT_CHECK(heap_or_anon);
    gs_maps_free(&m);
    free(v);
}

int main(void)
{
    test_sample();
    test_hostile();
    test_self();
    return unit_finish("test_smaps");
}
