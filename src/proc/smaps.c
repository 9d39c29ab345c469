/* smaps.c: see smaps.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/maps.h"
#include "proc/smaps.h"
#include "util/alloc.h"

/* A mapping's first line: "start-end perms offset dev inode   path". */
static bool parse_header(const char *line, struct gs_smap *m)
{
    unsigned long long start, end;
    char perms[8];
    int pos = 0;
    if (sscanf(line, "%llx-%llx %7s %*s %*s %*s%n", &start, &end, perms, &pos) < 3 || pos == 0 || end <= start)
        return false;
    memset(m, 0, sizeof *m);
    m->start = start;
    m->end = end;
    m->perms = (perms[0] == 'r' ? GS_MAP_READ : 0) | (perms[1] == 'w' ? GS_MAP_WRITE : 0) |
               (perms[2] == 'x' ? GS_MAP_EXEC : 0) | (perms[3] == 'p' ? GS_MAP_PRIVATE : 0);
    const char *p = line + pos;
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    if (n >= sizeof m->path)
        n = sizeof m->path - 1;
    memcpy(m->path, p, n);
    m->path[n] = '\0';
    return true;
}

/* A figure in bytes, never more than the mapping: the sums over mappings
 * then stay within the address space whatever the text says. */
static uint64_t within(const struct gs_smap *m, unsigned long long kb)
{
    uint64_t size = m->end - m->start;
    return kb > size / 1024 ? size : (uint64_t)kb * 1024;
}

static void parse_field(const char *line, struct gs_smap *m)
{
    unsigned long long kb;
    char unit[4];
    if (sscanf(line, "Rss: %llu %3s", &kb, unit) == 2 && strcmp(unit, "kB") == 0)
        m->rss = within(m, kb);
    else if (sscanf(line, "Anonymous: %llu %3s", &kb, unit) == 2 && strcmp(unit, "kB") == 0)
        m->anonymous = within(m, kb);
    else if (sscanf(line, "Swap: %llu %3s", &kb, unit) == 2 && strcmp(unit, "kB") == 0)
        m->swap = within(m, kb);
}

gs_status gs_smaps_parse(const char *text, size_t len, struct gs_smap **out, size_t *count, gs_error *err)
{
    size_t n = 0, cap = 0;
    struct gs_smap *v = NULL;
    const char *p = text, *end = text + len;
    bool current = false; /* the lines belong to v[n - 1] */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char line[512];
        size_t cl = ll < sizeof line - 1 ? ll : sizeof line - 1;
        memcpy(line, p, cl);
        line[cl] = '\0';
        p += ll + (nl ? 1 : 0);
        /* Field lines start with a capital letter name and a colon; a
         * header starts with a hex address and a dash. */
        struct gs_smap m;
        bool header_like = strchr(line, '-') && strchr(line, '-') < strchr(line, ' ');
        if (header_like && !parse_header(line, &m)) {
            current = false; /* a bad header's fields belong to no mapping */
        } else if (header_like) {
            if (n == GS_SMAPS_MAX)
                break;
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 256;
                struct gs_smap *nv = gs_try_reallocarray(v, ncap, sizeof *nv);
                if (!nv) {
                    free(v);
                    return gs_fail(err, GS_ERR_NOMEM, "out of memory reading smaps");
                }
                v = nv;
                cap = ncap;
            }
            v[n++] = m;
            current = true;
        } else if (current) {
            parse_field(line, &v[n - 1]);
        }
    }
    *out = v;
    *count = n;
    return GS_OK;
}

gs_status gs_smaps_read(pid_t pid, struct gs_smap **out, size_t *n, gs_error *err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT || errno == ESRCH)
            return gs_fail(err, GS_ERR_NO_PROCESS, "process %d exited before its smaps could be read", (int)pid);
        if (errno == EACCES || errno == EPERM)
            return gs_fail(err, GS_ERR_PERMISSION, "cannot read %s: permission denied", path);
        return gs_fail(err, GS_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = gs_try_malloc(cap);
    while (buf) {
        if (len == cap) {
            char *nb = cap < (1u << 30) ? gs_try_reallocarray(buf, 2, cap) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    fclose(f);
    if (!buf)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory reading %s", path);
    gs_status st = gs_smaps_parse(buf, len, out, n, err);
    free(buf);
    return st;
}
