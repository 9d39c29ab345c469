#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/maps.h"
#include "util/alloc.h"
#include "util/sort.h"

/* A line longer than this cannot be a real mapping: paths are at most
 * PATH_MAX bytes, and the kernel's escapes (\012 for a newline) at most
 * quadruple that. Such a line is skipped as malformed, so a hostile or
 * corrupted text never makes us keep megabytes of one path. */
#define MAX_PATH_BYTES (4 * 4096 + 64)

/* /proc/PID/maps of a process with GS_MAPS_MAX mappings is about 100 MB;
 * anything much larger is not a maps file. */
#define MAX_MAPS_TEXT ((size_t)1 << 30)

#define DELETED_SUFFIX " (deleted)"

/* One parsed line. path points into the text and is not terminated. */
struct line {
    gs_map m;
    const char *path;
    size_t path_len;
};

/* Parse 1 to 16 hex digits at *p (< end); advance *p. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;
    while (s < end) {
        int d;
        char c = *s;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            break;
        if (++digits > 16)
            return false;
        v = (v << 4) | (uint64_t)d;
        s++;
    }
    if (digits == 0)
        return false;
    *p = s;
    *out = v;
    return true;
}

/* Decimal, at most 20 digits, overflow checked. */
static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int digits = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        digits++;
        s++;
    }
    if (digits == 0)
        return false;
    *p = s;
    *out = v;
    return true;
}

static bool expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

/* At least one space or tab. */
static bool skip_blanks(const char **p, const char *end)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s == *p)
        return false;
    *p = s;
    return true;
}

/* "start-end perms offset major:minor inode [path]". The path is the rest
 * of the line after the blanks that pad it to a column: it may contain
 * spaces, and the kernel appends " (deleted)" when the file was unlinked. */
static bool parse_line(const char *s, const char *end, struct line *out)
{
    gs_map *m = &out->m;
    memset(out, 0, sizeof *out);
    if (end > s && end[-1] == '\r') /* a file edited on another system */
        end--;

    uint64_t maj, min;
    if (!parse_hex(&s, end, &m->start) || !expect(&s, end, '-') ||
        !parse_hex(&s, end, &m->end) || !skip_blanks(&s, end))
        return false;
    if (m->end <= m->start)
        return false;

    /* Permissions: exactly four characters, each in its place. */
    if (end - s < 4)
        return false;
    static const char want[4] = {'r', 'w', 'x', 'p'};
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        if (c == want[i])
            m->perms |= (i == 0 ? GS_MAP_READ : i == 1 ? GS_MAP_WRITE : i == 2 ? GS_MAP_EXEC
                                                                              : GS_MAP_PRIVATE);
        else if (!(c == '-' || (i == 3 && c == 's')))
            return false;
    }
    s += 4;

    if (!skip_blanks(&s, end) || !parse_hex(&s, end, &m->offset) || !skip_blanks(&s, end) ||
        !parse_hex(&s, end, &maj) || !expect(&s, end, ':') || !parse_hex(&s, end, &min) ||
        !skip_blanks(&s, end) || !parse_dec(&s, end, &m->inode))
        return false;
    if (maj > 0xffffffffu || min > 0xffffffffu)
        return false;
    m->dev_major = (unsigned)maj;
    m->dev_minor = (unsigned)min;

    /* Anonymous mappings end right after the inode (older kernels leave a
     * trailing blank); anything else must be separated by blanks. */
    const char *path = s;
    while (path < end && (*path == ' ' || *path == '\t'))
        path++;
    if (path == s && path < end)
        return false;
    size_t len = (size_t)(end - path);
    if (len > MAX_PATH_BYTES)
        return false;

    size_t sl = sizeof DELETED_SUFFIX - 1;
    if (len > sl && memcmp(path + len - sl, DELETED_SUFFIX, sl) == 0) {
        m->deleted = true;
        len -= sl;
    }
    out->path = path;
    out->path_len = len;
    return true;
}

/* Calls fn on every well-formed line, in order, at most GS_MAPS_MAX times. */
typedef void (*line_fn)(const struct line *l, void *ctx);

static size_t for_each_line(const char *text, size_t len, line_fn fn, void *ctx)
{
    size_t n = 0;
    const char *p = text, *end = text + len;
    while (p < end && n < GS_MAPS_MAX) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        struct line l;
        /* An embedded NUL means the text is not a maps file there. */
        if (!memchr(p, '\0', (size_t)(eol - p)) && parse_line(p, eol, &l)) {
            fn(&l, ctx);
            n++;
        }
        p = nl ? nl + 1 : end;
    }
    return n;
}

struct sizing {
    size_t count;
    size_t bytes; /* path bytes including terminators */
};

static void size_line(const struct line *l, void *ctx)
{
    struct sizing *sz = ctx;
    sz->count++;
    sz->bytes += l->path_len + 1;
}

struct filling {
    gs_map *v;
    char *strings;
    size_t i, off;
};

static void fill_line(const struct line *l, void *ctx)
{
    struct filling *f = ctx;
    gs_map *m = &f->v[f->i++];
    *m = l->m;
    m->path = f->strings + f->off;
    memcpy(m->path, l->path, l->path_len);
    m->path[l->path_len] = '\0';
    f->off += l->path_len + 1;
}

static int cmp_start(const void *a, const void *b)
{
    const gs_map *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

gs_status gs_maps_parse(const char *text, size_t len, gs_maps *out, gs_error *err)
{
    out->v = NULL;
    out->n = 0;
    if (!text || len == 0)
        return GS_OK;

    /* Two passes over the text so that the entries and their paths fit in
     * one allocation: gs_maps_free() frees one block, and a parse never
     * leaves half-built state behind. */
    struct sizing sz = {0, 0};
    for_each_line(text, len, size_line, &sz);
    if (sz.count == 0)
        return GS_OK;

    size_t head = sz.count * sizeof(gs_map);
    if (sz.count > SIZE_MAX / sizeof(gs_map) || sz.bytes > SIZE_MAX - head)
        return gs_fail(err, GS_ERR_NOMEM, "cannot allocate the memory map table: too large");
    gs_map *v = gs_try_malloc(head + sz.bytes);
    if (!v)
        return gs_fail(err, GS_ERR_NOMEM,
                       "cannot allocate %zu bytes for %zu mappings: free some memory",
                       head + sz.bytes, sz.count);

    struct filling f = {v, (char *)v + head, 0, 0};
    size_t n = for_each_line(text, len, fill_line, &f);
    if (n != sz.count) {
        free(v);
        return gs_fail(err, GS_ERR_INTERNAL, "memory map text changed between passes");
    }

    /* The kernel writes mappings in address order; test input or a hand-made
     * file may not, and gs_maps_find() needs the order. */
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = v[i - 1].start <= v[i].start;
    if (!sorted)
        gs_qsort(v, n, sizeof *v, cmp_start);

    out->v = v;
    out->n = n;
    return GS_OK;
}

static gs_status open_error(pid_t pid, int e, gs_error *err)
{
    if (e == ENOENT || e == ESRCH)
        return gs_fail(err, GS_ERR_NO_PROCESS, "no process with pid %d: check the pid (ps -p %d)",
                       (int)pid, (int)pid);
    if (e == EACCES || e == EPERM)
        return gs_fail(err, GS_ERR_PERMISSION,
                       "cannot read /proc/%d/maps: %s: run gcscope as the target's user or as root",
                       (int)pid, strerror(e));
    return gs_fail(err, GS_ERR_IO, "cannot read /proc/%d/maps: %s", (int)pid, strerror(e));
}

gs_status gs_maps_read(pid_t pid, gs_maps *out, gs_error *err)
{
    out->v = NULL;
    out->n = 0;
    if (pid <= 0)
        return gs_fail(err, GS_ERR_NO_PROCESS, "no process with pid %d: check the pid (ps -p %d)",
                       (int)pid, (int)pid);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return open_error(pid, errno, err);

    /* The file has no size (st_size is 0) and can be tens of megabytes for a
     * process with many mappings: read until end of file, doubling. */
    size_t cap = 64 * 1024, len = 0;
    char *buf = gs_try_malloc(cap);
    if (!buf) {
        close(fd);
        return gs_fail(err, GS_ERR_NOMEM, "cannot allocate a buffer for %s", path);
    }
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_MAPS_TEXT) {
                free(buf);
                close(fd);
                return gs_fail(err, GS_ERR_IO, "%s is larger than %zu bytes: not a maps file",
                               path, MAX_MAPS_TEXT);
            }
            char *nb = gs_try_reallocarray(buf, 2, cap);
            if (!nb) {
                free(buf);
                close(fd);
                return gs_fail(err, GS_ERR_NOMEM, "cannot allocate %zu bytes to read %s",
                               2 * cap, path);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return open_error(pid, e, err);
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);

    gs_status s = gs_maps_parse(buf, len, out, err);
    free(buf);
    return s;
}

void gs_maps_free(gs_maps *m)
{
    if (!m)
        return;
    free(m->v); /* the paths live in the same block */
    m->v = NULL;
    m->n = 0;
}

void gs_maps_copy(const gs_maps *from, gs_maps *to)
{
    /* One block, as gs_maps_parse makes: the entries, then their paths. */
    size_t strings = 0;
    for (size_t i = 0; i < from->n; i++)
        strings += strlen(from->v[i].path) + 1;
    to->n = from->n;
    to->v = gs_xmalloc(from->n * sizeof *to->v + strings + 1);
    char *p = (char *)(to->v + from->n);
    for (size_t i = 0; i < from->n; i++) {
        size_t len = strlen(from->v[i].path) + 1;
        to->v[i] = from->v[i];
        to->v[i].path = memcpy(p, from->v[i].path, len);
        p += len;
    }
}

const gs_map *gs_maps_find(const gs_maps *m, uint64_t addr)
{
    if (!m || !m->v)
        return NULL;
    /* The last mapping whose start <= addr, then check its end. */
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const gs_map *c = &m->v[lo - 1];
    return addr < c->end ? c : NULL;
}

bool gs_map_is_anonymous(const gs_map *m)
{
    const char *p = m->path;
    if (!p || !*p)
        return true;
    /* [heap], [stack], [vdso], [anon:name], [stack:tid] ... */
    if (p[0] == '[')
        return true;
    /* Memory with no file behind it that still shows a name: anonymous
     * inodes (io_uring, perf buffers), and MAP_SHARED|MAP_ANONYMOUS memory,
     * which the kernel backs with a deleted /dev/zero. */
    if (strncmp(p, "anon_inode:", 11) == 0)
        return true;
    if (m->deleted && strcmp(p, "/dev/zero") == 0)
        return true;
    return false;
}
