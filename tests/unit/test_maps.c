/* test_maps: parsing /proc/PID/maps text with the odd cases real systems
 * produce, lookups, anonymous detection, and hostile input. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/maps.h"
#include "unit.h"

/* Lines as kernels write them (padding to column 73), with the odd ones:
 * spaces in paths, deleted files, pseudo paths, a vsyscall page at the top
 * of the address space. Malformed lines between them must be skipped. */
static const char sample[] =
    "55d0c4a00000-55d0c4a28000 r--p 00000000 fd:01 1049011                    /usr/bin/python3.11\n"
    "55d0c4a28000-55d0c4c7e000 r-xp 00028000 fd:01 1049011                    /usr/bin/python3.11\n"
    "55d0c5e2b000-55d0c5f4c000 rw-p 00000000 00:00 0                          [heap]\n"
    "garbage line that is not a mapping\n"
    "7f0a1c000000-7f0a1c021000 rw-p 00000000 00:00 0 \n"
    "7f0a1c021000-7f0a20000000 ---p 00000000 00:00 0\n"
    "\n"
    "7f0a20000000-7f0a20001000 r--p 00000000 08:02 42                         /tmp/my dir/lib x.so\n"
    "7f0a20001000-7f0a20002000 r-xp 00001000 08:02 42                         /tmp/my dir/lib x.so (deleted)\n"
    "7f0a20002000-7f0a20003000 rw-s 00000000 00:01 1025                       /dev/zero (deleted)\n"
    "7f0a20003000-7f0a20004000 rw-s 00000000 00:01 7                          /memfd:wayland-shm (deleted)\n"
    "7f0a20004000-7f0a20005000 rw-p 00000000 00:00 0                          [anon:my name with spaces]\n"
    "7f0a20005000-7f0a20004000 rw-p 00000000 00:00 0                          [end before start]\n"
    "7f0a20006000-7f0a20007000 rwzp 00000000 00:00 0                          [bad perms]\n"
    "7f0a20007000-7f0a20008000 rw-p 0000000g 00:00 0                          [bad offset]\n"
    "7f0a20008000-7f0a20009000 rw-p 00000000 00-00 0                          [bad dev]\n"
    "7f0a20009000-7f0a2000a000 rw-p 00000000 00:00 x                          [bad inode]\n"
    "7f0a2000a000-7f0a2000b000 rw-p 00000000 00:00 0x                         [inode glued]\n"
    "7f0a2000b000-\n"
    "-7f0a2000c000 rw-p 00000000 00:00 0\n"
    "12345678901234567-7f0a2000d000 rw-p 00000000 00:00 0                     [17 digits]\n"
    "7f0a2000e000-7f0a2000f000 r--p 00000000 fd:01 99                         /usr/lib/a(deleted)\n"
    "7f0a20010000-7f0a20011000 rw-p 00000000 00:00 0                          [anon_shmem:x]\n"
    "7f0a20011000-7f0a20012000 rw-p 00000000 00:0f 2077                       anon_inode:[io_uring]\n"
    "7ffc4b6d1000-7ffc4b6f2000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffc4b7c8000-7ffc4b7cc000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ffc4b7cc000-7ffc4b7ce000 r-xp 00000000 00:00 0                          [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static const gs_map *by_start(const gs_maps *m, uint64_t start)
{
    const gs_map *x = gs_maps_find(m, start);
    return x && x->start == start ? x : NULL;
}

static void test_sample(void)
{
    gs_maps m;
    gs_error err;
    UNIT_CHECK(gs_maps_parse(sample, strlen(sample), &m, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(m.n, 17);

    const gs_map *x = &m.v[0];
    UNIT_CHECK_EQ_U64(x->start, 0x55d0c4a00000);
    UNIT_CHECK_EQ_U64(x->end, 0x55d0c4a28000);
    UNIT_CHECK_EQ_U64(x->perms, GS_MAP_READ | GS_MAP_PRIVATE);
    UNIT_CHECK_EQ_U64(x->dev_major, 0xfd);
    UNIT_CHECK_EQ_U64(x->dev_minor, 1);
    UNIT_CHECK_EQ_U64(x->inode, 1049011);
    UNIT_CHECK_STR(x->path, "/usr/bin/python3.11");
    UNIT_CHECK(!x->deleted);
    UNIT_CHECK(!gs_map_is_anonymous(x));

    x = &m.v[1];
    UNIT_CHECK_EQ_U64(x->offset, 0x28000);
    UNIT_CHECK_EQ_U64(x->perms, GS_MAP_READ | GS_MAP_EXEC | GS_MAP_PRIVATE);

    x = &m.v[2];
    UNIT_CHECK_STR(x->path, "[heap]");
    UNIT_CHECK(gs_map_is_anonymous(x));

    /* Anonymous, with and without the trailing blank older kernels left. */
    x = by_start(&m, 0x7f0a1c000000);
    UNIT_CHECK(x && strcmp(x->path, "") == 0 && gs_map_is_anonymous(x));
    x = by_start(&m, 0x7f0a1c021000);
    UNIT_CHECK(x && strcmp(x->path, "") == 0 && x->perms == GS_MAP_PRIVATE);

    x = by_start(&m, 0x7f0a20000000);
    UNIT_CHECK(x && strcmp(x->path, "/tmp/my dir/lib x.so") == 0 && !x->deleted);
    x = by_start(&m, 0x7f0a20001000);
    UNIT_CHECK(x && strcmp(x->path, "/tmp/my dir/lib x.so") == 0 && x->deleted);
    UNIT_CHECK(x && !gs_map_is_anonymous(x));

    x = by_start(&m, 0x7f0a20002000);
    UNIT_CHECK(x && strcmp(x->path, "/dev/zero") == 0 && x->deleted);
    UNIT_CHECK(x && !(x->perms & GS_MAP_PRIVATE) && (x->perms & GS_MAP_WRITE));
    UNIT_CHECK(x && gs_map_is_anonymous(x));

    x = by_start(&m, 0x7f0a20003000);
    UNIT_CHECK(x && strcmp(x->path, "/memfd:wayland-shm") == 0 && x->deleted);
    UNIT_CHECK(x && !gs_map_is_anonymous(x));

    x = by_start(&m, 0x7f0a20004000);
    UNIT_CHECK(x && strcmp(x->path, "[anon:my name with spaces]") == 0 && gs_map_is_anonymous(x));

    /* "(deleted)" without the blank is part of the name. */
    x = by_start(&m, 0x7f0a2000e000);
    UNIT_CHECK(x && strcmp(x->path, "/usr/lib/a(deleted)") == 0 && !x->deleted);

    x = by_start(&m, 0x7f0a20010000);
    UNIT_CHECK(x && gs_map_is_anonymous(x));
    x = by_start(&m, 0x7f0a20011000);
    UNIT_CHECK(x && strcmp(x->path, "anon_inode:[io_uring]") == 0 && gs_map_is_anonymous(x));

    /* None of the malformed lines made it. */
    for (uint64_t a = 0x7f0a20005000; a < 0x7f0a2000e000; a += 0x1000)
        UNIT_CHECK(gs_maps_find(&m, a) == NULL);

    x = by_start(&m, 0x7ffc4b6d1000);
    UNIT_CHECK(x && strcmp(x->path, "[stack]") == 0 && gs_map_is_anonymous(x));
    x = by_start(&m, 0x7ffc4b7c8000);
    UNIT_CHECK(x && strcmp(x->path, "[vvar]") == 0 && gs_map_is_anonymous(x));

    x = &m.v[m.n - 1];
    UNIT_CHECK_EQ_U64(x->start, 0xffffffffff600000);
    UNIT_CHECK_EQ_U64(x->end, 0xffffffffff601000);
    UNIT_CHECK_EQ_U64(x->perms, GS_MAP_EXEC | GS_MAP_PRIVATE);
    UNIT_CHECK_STR(x->path, "[vsyscall]");

    for (size_t i = 1; i < m.n; i++)
        UNIT_CHECK(m.v[i - 1].start < m.v[i].start);
    gs_maps_free(&m);
    UNIT_CHECK(m.v == NULL && m.n == 0);
    gs_maps_free(&m); /* twice is fine */
}

static void test_find(void)
{
    gs_maps m;
    UNIT_CHECK(gs_maps_parse(sample, strlen(sample), &m, NULL) == GS_OK);
    /* Every address tested against a linear scan: starts, last bytes,
     * ends (exclusive), gaps, and the extremes. */
    uint64_t probes[4 * 32 + 4];
    size_t np = 0;
    for (size_t i = 0; i < m.n && np + 4 <= 4 * 32; i++) {
        probes[np++] = m.v[i].start;
        probes[np++] = m.v[i].start - 1;
        probes[np++] = m.v[i].end - 1;
        probes[np++] = m.v[i].end;
    }
    probes[np++] = 0;
    probes[np++] = UINT64_MAX;
    probes[np++] = 0x7f0a1ffff000;
    probes[np++] = 0x55d0c4a27fff;
    int bad = 0;
    for (size_t k = 0; k < np; k++) {
        const gs_map *want = NULL;
        for (size_t i = 0; i < m.n; i++)
            if (probes[k] >= m.v[i].start && probes[k] < m.v[i].end)
                want = &m.v[i];
        if (gs_maps_find(&m, probes[k]) != want) {
            bad++;
            fprintf(stderr, "find(0x%" PRIx64 ") is wrong\n", probes[k]);
        }
    }
    UNIT_CHECK(bad == 0);
    UNIT_CHECK(gs_maps_find(&m, 0x55d0c4a27fff) == &m.v[0]);
    UNIT_CHECK(gs_maps_find(&m, 0x55d0c4a28000) == &m.v[1]);
    gs_maps_free(&m);

    gs_maps empty = {NULL, 0};
    UNIT_CHECK(gs_maps_find(&empty, 0x1000) == NULL);
    UNIT_CHECK(gs_maps_find(NULL, 0x1000) == NULL);
}

static void test_unsorted(void)
{
    const char *t = "3000-4000 r--p 00000000 00:00 0 [c]\n"
                    "1000-2000 r--p 00000000 00:00 0 [a]\n"
                    "2000-3000 r--p 00000000 00:00 0 [b]\n";
    gs_maps m;
    UNIT_CHECK(gs_maps_parse(t, strlen(t), &m, NULL) == GS_OK);
    UNIT_CHECK_EQ_U64(m.n, 3);
    const gs_map *x = gs_maps_find(&m, 0x1800);
    UNIT_CHECK(x && strcmp(x->path, "[a]") == 0);
    x = gs_maps_find(&m, 0x3fff);
    UNIT_CHECK(x && strcmp(x->path, "[c]") == 0);
    gs_maps_free(&m);
}

static void test_malformed(void)
{
    gs_maps m;
    /* Empty, only newlines, only garbage: zero entries, not an error. */
    UNIT_CHECK(gs_maps_parse("", 0, &m, NULL) == GS_OK && m.n == 0);
    UNIT_CHECK(gs_maps_parse(NULL, 0, &m, NULL) == GS_OK && m.n == 0);
    UNIT_CHECK(gs_maps_parse("\n\n\n", 3, &m, NULL) == GS_OK && m.n == 0);
    const char *junk = "-\n--\n1-\n1-2\n1-2 \n1-2 rwxp\n1-2 rwxp 0\n1-2 rwxp 0 0:0\n"
                       "1-2 rwxp 0 0:0 \n:\n \t \n1-2 rwxpx 0 0:0 0\n";
    UNIT_CHECK(gs_maps_parse(junk, strlen(junk), &m, NULL) == GS_OK);
    UNIT_CHECK_EQ_U64(m.n, 0);
    gs_maps_free(&m);

    /* The shortest valid line. */
    UNIT_CHECK(gs_maps_parse("1-2 rwxs 0 0:0 0", 16, &m, NULL) == GS_OK);
    UNIT_CHECK(m.n == 1 && m.v[0].perms == (GS_MAP_READ | GS_MAP_WRITE | GS_MAP_EXEC));
    gs_maps_free(&m);

    /* An embedded NUL spoils its line only. */
    const char nul[] = "1000-2000 r--p 00000000 00:00 0 /a\0b\n2000-3000 r--p 00000000 00:00 0 /c\n";
    UNIT_CHECK(gs_maps_parse(nul, sizeof nul - 1, &m, NULL) == GS_OK);
    UNIT_CHECK(m.n == 1 && strcmp(m.v[0].path, "/c") == 0);
    gs_maps_free(&m);

    /* Numbers that overflow: 17 hex digits, a 21-digit inode, a device
     * number over 32 bits. */
    const char *big = "10000000000000000-10000000000000001 r--p 0 0:0 0\n"
                      "1000-2000 r--p 0 0:0 123456789012345678901\n"
                      "1000-2000 r--p 0 100000000:0 1\n"
                      "1000-2000 r--p 0 0:0 18446744073709551615 /max-inode\n";
    UNIT_CHECK(gs_maps_parse(big, strlen(big), &m, NULL) == GS_OK);
    UNIT_CHECK(m.n == 1 && m.v[0].inode == UINT64_MAX);
    gs_maps_free(&m);

    /* CRLF endings. */
    const char *crlf = "1000-2000 r--p 0 0:0 5 /x\r\n2000-3000 r--p 0 0:0 0\r\n";
    UNIT_CHECK(gs_maps_parse(crlf, strlen(crlf), &m, NULL) == GS_OK);
    UNIT_CHECK(m.n == 2 && strcmp(m.v[0].path, "/x") == 0 && strcmp(m.v[1].path, "") == 0);
    gs_maps_free(&m);

    /* A path that is only " (deleted)" is kept as a path. */
    const char *d = "1000-2000 r--p 0 0:0 5  (deleted)\n";
    UNIT_CHECK(gs_maps_parse(d, strlen(d), &m, NULL) == GS_OK);
    UNIT_CHECK(m.n == 1 && strcmp(m.v[0].path, "(deleted)") == 0 && !m.v[0].deleted);
    gs_maps_free(&m);
}

/* Every prefix of the sample (a read cut short anywhere) parses to the
 * complete lines it holds plus, at most, one shortened last line. The
 * prefix is copied to an exact-size buffer so that ASan sees any read
 * past its end. */
static void test_truncated(void)
{
    size_t len = strlen(sample);
    gs_maps full;
    UNIT_CHECK(gs_maps_parse(sample, len, &full, NULL) == GS_OK);
    int bad = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        char *buf = malloc(cut ? cut : 1);
        memcpy(buf, sample, cut);
        gs_maps m;
        if (gs_maps_parse(buf, cut, &m, NULL) != GS_OK) {
            bad++;
        } else {
            /* Lines wholly inside the prefix (their '\n' included or
             * not), and how many of those are valid. */
            size_t complete = 0;
            for (const char *l = sample; l < sample + cut;) {
                const char *nl = strchr(l, '\n');
                if ((size_t)(nl - sample) > cut)
                    break;
                gs_maps one;
                if (gs_maps_parse(l, (size_t)(nl - l), &one, NULL) == GS_OK && one.n == 1)
                    complete++;
                gs_maps_free(&one);
                l = nl + 1;
            }
            if (m.n != complete && m.n != complete + 1) {
                bad++;
                fprintf(stderr, "cut %zu: %zu entries, %zu complete\n", cut, m.n, complete);
            }
            /* Entries parsed from a prefix agree with the full parse on
             * start and perms, paths possibly cut; the partial last line
             * (if it parsed) may be anything. */
            size_t differ = 0;
            for (size_t i = 0; i < m.n; i++) {
                const gs_map *f = gs_maps_find(&full, m.v[i].start);
                char whole[256];
                if (f)
                    snprintf(whole, sizeof whole, "%s%s", f->path, f->deleted ? " (deleted)" : "");
                if (!f || f->start != m.v[i].start || f->perms != m.v[i].perms ||
                    strncmp(whole, m.v[i].path, strlen(m.v[i].path)) != 0)
                    differ++;
            }
            if (differ > m.n - complete) {
                bad++;
                fprintf(stderr, "cut %zu: %zu entries differ\n", cut, differ);
            }
            if (m.n > full.n)
                bad++;
            gs_maps_free(&m);
        }
        free(buf);
    }
    UNIT_CHECK(bad == 0);
    gs_maps_free(&full);
}

static void test_huge_line(void)
{
    /* A 1 MiB path: skipped, and the lines around it kept. */
    size_t n = 1 << 20;
    const char *head = "1000-2000 r--p 0 0:0 1 /before\n3000-4000 r--p 0 0:0 1 /";
    const char *tail = "\n5000-6000 r--p 0 0:0 1 /after\n";
    size_t hl = strlen(head), tl = strlen(tail);
    char *buf = malloc(hl + n + tl);
    memcpy(buf, head, hl);
    memset(buf + hl, 'x', n);
    memcpy(buf + hl + n, tail, tl);
    gs_maps m;
    UNIT_CHECK(gs_maps_parse(buf, hl + n + tl, &m, NULL) == GS_OK);
    UNIT_CHECK(m.n == 2 && strcmp(m.v[0].path, "/before") == 0 && strcmp(m.v[1].path, "/after") == 0);
    gs_maps_free(&m);

    /* A path of 4095 bytes (PATH_MAX - 1) is kept whole. */
    size_t pl = 4095;
    char *line = malloc(32 + pl);
    int k = snprintf(line, 32, "1000-2000 r--p 0 0:0 1 /");
    memset(line + k, 'y', pl - 1);
    gs_maps m2;
    UNIT_CHECK(gs_maps_parse(line, (size_t)k + pl - 1, &m2, NULL) == GS_OK);
    UNIT_CHECK(m2.n == 1 && strlen(m2.v[0].path) == pl);
    gs_maps_free(&m2);
    free(line);
    free(buf);

    /* No newline at all in a large text of digits. */
    char *digits = malloc(n);
    memset(digits, '7', n);
    UNIT_CHECK(gs_maps_parse(digits, n, &m, NULL) == GS_OK && m.n == 0);
    free(digits);
}

/* More than GS_MAPS_MAX lines: the count is capped. */
static void test_bound(void)
{
    size_t lines = GS_MAPS_MAX + 10;
    size_t cap = lines * 40;
    char *buf = malloc(cap);
    size_t len = 0;
    for (size_t i = 0; i < lines; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%zx-%zx r--p 0 0:0 0\n", (i + 1) * 0x1000,
                                (i + 2) * 0x1000);
    gs_maps m;
    UNIT_CHECK(gs_maps_parse(buf, len, &m, NULL) == GS_OK);
    UNIT_CHECK_EQ_U64(m.n, GS_MAPS_MAX);
    UNIT_CHECK(gs_maps_find(&m, 0x1000) == &m.v[0]);
    UNIT_CHECK(gs_maps_find(&m, (uint64_t)GS_MAPS_MAX * 0x1000 + 0x10) == &m.v[GS_MAPS_MAX - 1]);
    UNIT_CHECK(gs_maps_find(&m, (uint64_t)(GS_MAPS_MAX + 1) * 0x1000) == NULL);
    gs_maps_free(&m);
    free(buf);
}

static int global_var = 42;

static void test_read_self(void)
{
    gs_maps m;
    gs_error err;
    UNIT_CHECK(gs_maps_read(getpid(), &m, &err) == GS_OK);
    UNIT_CHECK(m.n > 5);
    int local = 1;
    const gs_map *x = gs_maps_find(&m, (uint64_t)(uintptr_t)&local);
    UNIT_CHECK(x && (x->perms & GS_MAP_WRITE) && gs_map_is_anonymous(x));
    x = gs_maps_find(&m, (uint64_t)(uintptr_t)&test_read_self);
    UNIT_CHECK(x && (x->perms & GS_MAP_EXEC) && !gs_map_is_anonymous(x) && x->path[0] == '/');
    x = gs_maps_find(&m, (uint64_t)(uintptr_t)&global_var);
    UNIT_CHECK(x && (x->perms & GS_MAP_WRITE));
    gs_maps_free(&m);

    /* A pid that cannot exist (above pid_max's upper limit of 2^22). */
    err.code = GS_OK;
    UNIT_CHECK(gs_maps_read(99999999, &m, &err) == GS_ERR_NO_PROCESS);
    UNIT_CHECK(err.code == GS_ERR_NO_PROCESS && strstr(err.msg, "no process with pid 99999999") != NULL);
    UNIT_CHECK(strstr(err.msg, "ps -p 99999999") != NULL);
    UNIT_CHECK(m.v == NULL && m.n == 0);
    UNIT_CHECK(gs_maps_read(0, &m, &err) == GS_ERR_NO_PROCESS);
    UNIT_CHECK(gs_maps_read(-5, &m, &err) == GS_ERR_NO_PROCESS);

    /* Another user's process: needs a non-root test run and a process
     * owned by someone else; checked when both hold. */
    if (geteuid() != 0) {
        gs_status s = gs_maps_read(1, &m, &err);
        UNIT_CHECK(s == GS_ERR_PERMISSION || s == GS_OK);
        if (s == GS_OK)
            gs_maps_free(&m);
    }
}

int main(void)
{
    test_sample();
    test_find();
    test_unsorted();
    test_malformed();
    test_truncated();
    test_huge_line();
    test_bound();
    test_read_self();
    return unit_finish("test_maps");
}
