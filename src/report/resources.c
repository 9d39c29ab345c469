/* resources.c: --dump-resources, what the process holds open and which
 * objects own it.
 *
 * Three parts, over the snapshot's resources (objects that own a
 * descriptor, a mapping or a child process: py/resources.h) and its
 * descriptor table (proc/fds.h, joined to the resources by the builder):
 *
 *   resources    grouped by kind (files, sockets, mmaps, processes,
 *                selectors), open before closed, each with its descriptor,
 *                what it names, whether it is reachable or garbage (the
 *                collector's own rule, garbage.c) and either its shortest
 *                path from a root or, for garbage, the garbage objects
 *                that hold it (up to where their chain closes a cycle).
 *                A file is its _io.FileIO; the BufferedReader/Writer and
 *                TextIOWrapper above it appear on its path.
 *   descriptors  every descriptor of the process with what it points to
 *                (a socket's addresses and state come from the table, not
 *                from memory) and its owner, or "no owner".
 *   anomalies    open resources that are garbage (leaked: only a
 *                collection would close them), descriptors no object owns
 *                (a raw os.open, a C library's, or leaked), objects
 *                claiming a descriptor the process does not have, objects
 *                whose descriptor is not of their kind (closed behind
 *                their back and reused), descriptors claimed by several
 *                objects.
 *
 * Text fits 80 columns and --top bounds each list; JSON lists everything.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "report/report.h"
#include "util/text.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"

#define WIDTH 80
#define PATH_CAP 256    /* path steps kept (gs_path_write_* cut there too) */
#define HELD_STEPS 6    /* garbage holders followed back from a leaked resource */
#define WHAT_COL 40     /* text: the width of a descriptor's "what" column */

static const char *const res_kind_names[GS_RES_KIND_COUNT] = {"file", "socket", "mmap", "process", "selector"};
static const char *const res_group_titles[GS_RES_KIND_COUNT] = {
    "files (_io.FileIO; the buffered and text layers above one are on its path)",
    "sockets (_socket.socket and subclasses; addresses from the descriptor table)",
    "memory maps (mmap.mmap)",
    "child processes (subprocess.Popen)",
    "selectors (select.epoll, select.poll, selectors.*Selector)",
};
static const char *const fd_kind_names[] = {"file", "socket", "pipe", "anon", "device", "other"};

/* Why a resource is listed among the anomalies (bits). */
enum res_flags {
    RES_GARBAGE = 1 << 0,  /* the collector would free it */
    RES_LEAKED = 1 << 1,   /* open and garbage */
    RES_MISSING = 1 << 2,  /* open, claims a descriptor the process lacks */
    RES_MISMATCH = 1 << 3, /* its descriptor is of another kind */
};

struct res_row {
    uint32_t res;      /* index in s->resources */
    uint32_t flags;    /* enum res_flags */
    size_t fd_index;   /* its descriptor in s->fds, SIZE_MAX if none */
};

struct report {
    const struct gs_snapshot *s;
    const struct gs_report_opts *o;
    const uint8_t *garbage;       /* the analyses: graph/analyses.h's */
    const struct gs_paths *paths;
    struct res_row *rows;    /* every resource, by kind, open first, by fd */
    uint32_t *by_fd;         /* s->fds indices sorted by descriptor number */
    uint32_t *claims;        /* per s->fds entry: open resources claiming it */
    size_t nleaked, nmissing, nmismatch, nshared, nunowned, nopen;
    size_t per_kind[GS_RES_KIND_COUNT];
    size_t per_fd_kind[6];
};

/* --- building ------------------------------------------------------------ */

static int row_order(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    const struct gs_resource *x = &s->resources[((const struct res_row *)a)->res];
    const struct gs_resource *y = &s->resources[((const struct res_row *)b)->res];
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->closed != y->closed)
        return x->closed ? 1 : -1;
    int64_t fx = x->fd < 0 ? INT64_MAX : x->fd, fy = y->fd < 0 ? INT64_MAX : y->fd;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    uint64_t ax = s->addr[x->node], ay = s->addr[y->node];
    return (ax > ay) - (ax < ay);
}

static int fd_order(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    int32_t x = s->fds[*(const uint32_t *)a].fd, y = s->fds[*(const uint32_t *)b].fd;
    return (x > y) - (x < y);
}

/* The s->fds entry for descriptor fd, SIZE_MAX if the process has none. */
static size_t find_fd(const struct report *r, int64_t fd)
{
    size_t lo = 0, hi = (size_t)r->s->nfds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->s->fds[r->by_fd[mid]].fd < fd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->s->nfds && r->s->fds[r->by_fd[lo]].fd == fd ? r->by_fd[lo] : SIZE_MAX;
}

/* Is the descriptor of the kind the object says? Only the certain cases:
 * a socket object on a socket, an epoll on an epoll, a map on a file. */
static bool kind_matches(const struct gs_snapshot *s, const struct gs_resource *res, const struct gs_fd *fd)
{
    switch (res->kind) {
    case GS_RES_SOCKET:
        return fd->kind == GS_FD_SOCKET;
    case GS_RES_MMAP:
        return fd->kind == GS_FD_FILE || fd->kind == GS_FD_DEVICE;
    case GS_RES_SELECTOR:
        return strcmp(gs_snapshot_string(s, res->name), "epoll") != 0 ||
               strcmp(gs_snapshot_string(s, fd->target), "anon_inode:[eventpoll]") == 0;
    default:
        return true;
    }
}

static void classify_rows(struct report *r)
{
    const struct gs_snapshot *s = r->s;
    for (uint64_t i = 0; i < s->nresources; i++) {
        struct res_row *row = &r->rows[i];
        const struct gs_resource *res = &s->resources[row->res];
        row->fd_index = res->fd >= 0 ? find_fd(r, res->fd) : SIZE_MAX;
        if (res->node < s->nobjects && r->garbage[res->node])
            row->flags |= RES_GARBAGE;
        if (res->kind < GS_RES_KIND_COUNT)
            r->per_kind[res->kind]++;
        if (res->closed)
            continue;
        r->nopen++;
        if (row->flags & RES_GARBAGE) {
            row->flags |= RES_LEAKED;
            r->nleaked++;
        }
        /* A core holds no descriptor table: a descriptor the objects
         * claim cannot be checked against one. */
        if (res->fd < 0 || s->core)
            continue;
        if (row->fd_index == SIZE_MAX) {
            row->flags |= RES_MISSING;
            r->nmissing++;
            continue;
        }
        r->claims[row->fd_index]++;
        if (!kind_matches(s, res, &s->fds[row->fd_index])) {
            row->flags |= RES_MISMATCH;
            r->nmismatch++;
        }
    }
    for (uint64_t i = 0; i < s->nfds; i++) {
        r->nshared += r->claims[i] > 1;
        r->nunowned += r->claims[i] == 0;
        uint32_t k = s->fds[i].kind;
        r->per_fd_kind[k < 6 ? k : 5]++;
    }
}

static gs_status report_build(struct report *r, const struct gs_snapshot *s, const struct gs_report_opts *o,
                              gs_error *err)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->o = o;
    if (!(r->garbage = gs_analyses_garbage(o->an, err)) || !(r->paths = gs_analyses_paths(o->an, err)))
        return err->code;
    r->rows = gs_try_reallocarray(NULL, (size_t)s->nresources + 1, sizeof *r->rows);
    r->by_fd = gs_try_reallocarray(NULL, (size_t)s->nfds + 1, sizeof *r->by_fd);
    r->claims = gs_try_reallocarray(NULL, (size_t)s->nfds + 1, sizeof *r->claims);
    if (!r->rows || !r->by_fd || !r->claims)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory listing %" PRIu64 " resources and %" PRIu64 " descriptors",
                       s->nresources, s->nfds);
    for (uint64_t i = 0; i < s->nresources; i++)
        r->rows[i] = (struct res_row){.res = (uint32_t)i, .fd_index = SIZE_MAX};
    for (uint64_t i = 0; i < s->nfds; i++) {
        r->by_fd[i] = (uint32_t)i;
        r->claims[i] = 0;
    }
    gs_qsort_r(r->rows, (size_t)s->nresources, sizeof *r->rows, row_order, (void *)s);
    gs_qsort_r(r->by_fd, (size_t)s->nfds, sizeof *r->by_fd, fd_order, (void *)s);
    classify_rows(r);
    return GS_OK;
}

static void report_free(struct report *r)
{
    free(r->rows);
    free(r->by_fd);
    free(r->claims);
}

/* --- shared by text and JSON ----------------------------------------------- */

static const char *type_name(const struct gs_snapshot *s, uint32_t node)
{
    return node < s->nobjects && s->type[node] < s->ntypes ? gs_snapshot_string(s, s->types[s->type[node]].name)
                                                           : "?";
}

/* The label of the first edge from src to dst ("" if none). */
static void edge_label(const struct gs_snapshot *s, uint32_t src, uint32_t dst, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (uint64_t e = s->out_off[src]; e < s->out_off[src + 1]; e++)
        if (s->out_dst[e] == dst && !gs_edge_is_class(s, src, e)) {
            gs_snapshot_label(s, s->out_label[e], buf, cap);
            return;
        }
}

/* Who holds a garbage object: a referrer that is garbage too, then its
 * referrer, ... up to cap or until the chain comes back on itself (the
 * cycle that keeps it all alive: *cycle set). */
static size_t garbage_holders(const struct report *r, uint32_t node, uint32_t *chain, size_t cap, bool *cycle)
{
    const struct gs_snapshot *s = r->s;
    size_t n = 0;
    uint32_t cur = node;
    *cycle = false;
    while (n < cap) {
        uint32_t next = GS_NO_NODE;
        bool seen_only = false;
        for (uint64_t e = s->in_off[cur]; e < s->in_off[cur + 1]; e++) {
            uint32_t src = s->in_src[e];
            if (!r->garbage[src])
                continue;
            bool seen = src == node;
            for (size_t i = 0; i < n && !seen; i++)
                seen = chain[i] == src;
            if (seen) {
                seen_only = true;
                continue;
            }
            next = src;
            break;
        }
        if (next == GS_NO_NODE) {
            *cycle = seen_only;
            break;
        }
        chain[n++] = next;
        cur = next;
    }
    return n;
}

static size_t resource_path(const struct report *r, uint32_t node, uint32_t *buf)
{
    if (!r->paths || node >= r->s->nobjects)
        return 0;
    size_t n = gs_path_to(r->paths, node, buf, PATH_CAP);
    return n < PATH_CAP ? n : PATH_CAP;
}

/* --- text ---------------------------------------------------------------- */

/* Cut text to width columns (bytes: the output is mostly ASCII), keeping
 * its start and end around "...", on character boundaries. */
static void fit(char *buf, size_t width)
{
    size_t len = strlen(buf);
    if (len <= width || width < 12)
        return;
    size_t head = (width - 3) / 2, tail = width - 3 - head;
    while (head > 0 && ((unsigned char)buf[head] & 0xc0) == 0x80)
        head--;
    const char *t = buf + len - tail;
    while (*t && ((unsigned char)*t & 0xc0) == 0x80)
        t++;
    memmove(buf + head + 3, t, strlen(t) + 1);
    memcpy(buf + head, "...", 3);
}

/* The path as one expression: the first line of paths.c's block, so that
 * every report writes paths alike. */
static void path_line(const struct report *r, const uint32_t *path, size_t n, uint32_t node, char *buf, size_t cap)
{
    char *block = NULL;
    size_t len = 0;
    buf[0] = '\0';
    FILE *mem = open_memstream(&block, &len);
    if (!mem)
        return;
    gs_path_write_text(mem, r->s, path, n, r->paths->root[node]);
    fclose(mem);
    if (block) {
        const char *p = block + strspn(block, " ");
        snprintf(buf, cap, "%.*s", (int)strcspn(p, "\n"), p);
    }
    free(block);
}

/* Segments written from column `indent`, wrapped at WIDTH before a segment
 * that would cross it (continuation lines two columns further in). */
struct wrap {
    FILE *out;
    size_t col, indent;
};

static void wrap_start(struct wrap *w, FILE *out, size_t indent)
{
    w->out = out;
    w->indent = indent;
    w->col = indent;
    fprintf(out, "%*s", (int)indent, "");
}

static void wrap_add(struct wrap *w, const char *raw)
{
    char safe[600]; /* type names and labels come from the target */
    const char *segment = gs_text(safe, sizeof safe, raw);
    size_t len = strlen(segment);
    if (w->col > w->indent && w->col + len > WIDTH) {
        fprintf(w->out, "\n%*s", (int)w->indent + 2, "");
        w->col = w->indent + 2;
        segment += strspn(segment, " ");
        len = strlen(segment);
    }
    fputs(segment, w->out);
    w->col += len;
}

/* The second line of a resource: the object, and where it is held from:
 * its path from a root, or the garbage that holds it. */
static void text_where(FILE *out, const struct report *r, const struct res_row *row)
{
    const struct gs_snapshot *s = r->s;
    const struct gs_resource *res = &s->resources[row->res];
    char expr[900], label[128], step[300];
    uint32_t path[PATH_CAP], chain[HELD_STEPS];
    struct wrap w;
    wrap_start(&w, out, 10);
    snprintf(step, sizeof step, "%s@0x%" PRIx64, type_name(s, res->node), s->addr[res->node]);
    wrap_add(&w, step);
    if (row->flags & RES_GARBAGE) {
        bool cycle;
        size_t n = garbage_holders(r, res->node, chain, HELD_STEPS, &cycle);
        wrap_add(&w, n ? " garbage, held by" : " garbage");
        for (size_t i = 0; i < n; i++) {
            edge_label(s, chain[i], i ? chain[i - 1] : res->node, label, sizeof label);
            snprintf(step, sizeof step, "%s %s@0x%" PRIx64 "%s%s", i ? " <-" : "", type_name(s, chain[i]),
                     s->addr[chain[i]], label[0] ? " " : "", label);
            wrap_add(&w, step);
        }
        wrap_add(&w, cycle ? " (a cycle)" : n == HELD_STEPS ? " <- ..." : "");
    } else {
        size_t n = resource_path(r, res->node, path);
        if (n) {
            path_line(r, path, n, res->node, expr, sizeof expr);
            fit(expr, WIDTH - 17);
            snprintf(step, sizeof step, " from %.*s", (int)(sizeof step - 7), expr); /* fit() cut it already */
        } else {
            snprintf(step, sizeof step, " not reachable from a root");
        }
        wrap_add(&w, step);
    }
    fputc('\n', out);
}

static const char *state_word(const struct res_row *row, const struct gs_resource *res)
{
    if (row->flags & RES_LEAKED)
        return "LEAKED";
    if (row->flags & RES_MISSING)
        return "NO FD";
    if (row->flags & RES_MISMATCH)
        return "WRONG FD";
    if (res->kind == GS_RES_POPEN)
        return res->closed ? "reaped" : "running";
    return res->closed ? "closed" : "open";
}

static void fd_text(char *buf, size_t cap, int64_t fd)
{
    if (fd >= 0)
        snprintf(buf, cap, "%" PRId64, fd);
    else
        snprintf(buf, cap, "-");
}

/* A row: its columns (prefix), then the last one on the same line when it
 * fits, else on a line of its own below (cut only beyond that). */
static void row_text(FILE *out, const char *prefix, const char *text)
{
    char buf[600];
    size_t plen = strlen(prefix), trimmed = plen;
    while (trimmed > 0 && prefix[trimmed - 1] == ' ')
        trimmed--;
    gs_text(buf, sizeof buf, text);
    if (!buf[0]) {
        fprintf(out, "%.*s\n", (int)trimmed, prefix);
    } else if (plen + strlen(buf) <= WIDTH) {
        fprintf(out, "%s%s\n", prefix, buf);
    } else {
        fit(buf, WIDTH - 10);
        fprintf(out, "%.*s\n%10s%s\n", (int)trimmed, prefix, "", buf);
    }
}

/* One resource row: kind-specific columns, then where it is held. */
static void text_resource(FILE *out, const struct report *r, const struct res_row *row)
{
    const struct gs_snapshot *s = r->s;
    const struct gs_resource *res = &s->resources[row->res];
    const char *name = gs_snapshot_string(s, res->name), *detail = gs_snapshot_string(s, res->detail);
    const char *fd_detail = row->fd_index != SIZE_MAX ? gs_snapshot_string(s, s->fds[row->fd_index].detail) : "";
    const char *fd_target = row->fd_index != SIZE_MAX ? gs_snapshot_string(s, s->fds[row->fd_index].target) : "";
    const char *state = state_word(row, res), *last;
    char fd[24], size[32], prefix[160];
    fd_text(fd, sizeof fd, res->fd);
    switch (res->kind) {
    case GS_RES_FILE:
        snprintf(prefix, sizeof prefix, "  %6s  %-4s  %-8s  ", fd, gs_snapshot_string(s, res->mode), state);
        last = name;
        break;
    case GS_RES_SOCKET:
        snprintf(prefix, sizeof prefix, "  %6s  %-8s  %-23s  ", fd, state, name);
        last = row->flags & RES_MISSING ? "(no such descriptor)" : row->flags & RES_MISMATCH ? fd_target : fd_detail;
        break;
    case GS_RES_MMAP:
        gs_fmt_bytes(res->size, size, sizeof size);
        snprintf(prefix, sizeof prefix, "  %6s  %-8s  %-5s  %-10s  ", fd, state, gs_snapshot_string(s, res->mode),
                 size);
        last = name[0] ? name : fd_target;
        break;
    case GS_RES_POPEN:
        snprintf(prefix, sizeof prefix, "  %6" PRId64 "  %-8s  %-16s  ", res->pid, state, detail);
        last = name;
        break;
    default:
        snprintf(prefix, sizeof prefix, "  %6s  %-8s  %-14s  ", fd, state, name);
        last = detail[0] ? detail : fd_detail;
        break;
    }
    row_text(out, prefix, last);
    text_where(out, r, row);
}

static void text_resources(FILE *out, const struct report *r)
{
    static const char *const headers[GS_RES_KIND_COUNT] = {
        "      fd  mode  state     name",
        "      fd  state     family, type             address",
        "      fd  state     mode   size        file",
        "     pid  state     returncode        args",
        "      fd  state     object          descriptors",
    };
    const struct gs_snapshot *s = r->s;
    fprintf(out, "\nRESOURCES: %" PRIu64 " object%s own a descriptor, map or process (%zu open, %" PRIu64
            " closed)\n",
            s->nresources, s->nresources == 1 ? "" : "s", r->nopen, s->nresources - r->nopen);
    uint64_t i = 0;
    for (uint32_t k = 0; k < GS_RES_KIND_COUNT; k++) {
        if (!r->per_kind[k])
            continue;
        fprintf(out, "\n%s: %zu\n%s\n", res_group_titles[k], r->per_kind[k], headers[k]);
        size_t shown = 0;
        for (; i < s->nresources && s->resources[r->rows[i].res].kind == k; i++) {
            if (r->o->top && shown == r->o->top) {
                fprintf(out, "  ... %zu more (--top 0 shows all)\n", r->per_kind[k] - shown);
                while (i < s->nresources && s->resources[r->rows[i].res].kind == k)
                    i++;
                break;
            }
            text_resource(out, r, &r->rows[i]);
            shown++;
        }
    }
}

/* "r", "w", "rw", with ", append": a descriptor's access, from fdinfo flags. */
static void access_text(const struct gs_fd *fd, char *buf, size_t cap)
{
    unsigned acc = fd->flags & 3;
    snprintf(buf, cap, "%s%s", acc == 0 ? "r" : acc == 1 ? "w" : "rw", (fd->flags & 02000) ? ", append" : "");
}

static void owner_text(const struct report *r, size_t index, char *buf, size_t cap)
{
    const struct gs_snapshot *s = r->s;
    uint32_t owner = s->fds[index].owner;
    if (owner == GS_NO_NODE || owner >= s->nobjects)
        snprintf(buf, cap, "no owner");
    else if (r->claims[index] > 1)
        snprintf(buf, cap, "%s@0x%" PRIx64 " +%" PRIu32, type_name(s, owner), s->addr[owner], r->claims[index] - 1);
    else
        snprintf(buf, cap, "%s@0x%" PRIx64, type_name(s, owner), s->addr[owner]);
}

static void what_text(const struct gs_snapshot *s, const struct gs_fd *fd, char *buf, size_t cap)
{
    const char *target = gs_snapshot_string(s, fd->target), *detail = gs_snapshot_string(s, fd->detail);
    char acc[16], raw[1024];
    if (fd->kind == GS_FD_FILE || fd->kind == GS_FD_DEVICE) {
        access_text(fd, acc, sizeof acc);
        snprintf(raw, sizeof raw, "%s (%s)", target, acc);
    } else {
        snprintf(raw, sizeof raw, "%s", detail[0] ? detail : target);
    }
    gs_text(buf, cap, raw);
}

/* A core has no descriptor table (the kernel does not write one): the
 * descriptors the open objects hold, by number, from memory. */
static void text_core_fds(FILE *out, const struct report *r)
{
    const struct gs_snapshot *s = r->s;
    fprintf(out, "\nDESCRIPTORS: the descriptor table is not in a core; the open objects hold these:\n");
    fprintf(out, "%6s  %s\n", "fd", "owner");
    size_t shown = 0;
    for (uint64_t i = 0; i < s->nresources; i++) {
        const struct gs_resource *res = &s->resources[r->rows[i].res];
        if (res->closed || res->fd < 0)
            continue;
        if (r->o->top && shown == r->o->top) {
            fprintf(out, "  ... more (--top 0 shows all)\n");
            break;
        }
        shown++;
        fprintf(out, "%6" PRId64 "  %s@0x%" PRIx64 " %s\n", (int64_t)res->fd, type_name(s, res->node), s->addr[res->node],
                gs_snapshot_string(s, res->name));
    }
}

static void text_fds(FILE *out, const struct report *r)
{
    const struct gs_snapshot *s = r->s;
    static const char *const plural[] = {"files", "sockets", "pipes", "anon", "devices", "other"};
    char what[600], owner[128];
    if (s->core) {
        text_core_fds(out, r);
        return;
    }
    fprintf(out, "\nDESCRIPTORS: %" PRIu64 " (", s->nfds);
    for (int k = 0, first = 1; k < 6; k++) {
        if (!r->per_fd_kind[k])
            continue;
        fprintf(out, "%s%zu %s", first ? "" : ", ", r->per_fd_kind[k],
                r->per_fd_kind[k] == 1 && k != 3 && k != 5 ? fd_kind_names[k] : plural[k]);
        first = 0;
    }
    fprintf(out, ")\n");
    fprintf(out, "%6s  %-*s  %s\n", "fd", WHAT_COL, "what", "owner");
    for (size_t i = 0; i < s->nfds; i++) {
        if (r->o->top && i == r->o->top) {
            fprintf(out, "  ... %" PRIu64 " more (--top 0 shows all)\n", s->nfds - i);
            break;
        }
        size_t index = r->by_fd[i];
        what_text(s, &s->fds[index], what, sizeof what);
        owner_text(r, index, owner, sizeof owner);
        if (strlen(what) > WHAT_COL) {
            fit(what, WIDTH - 8);
            fprintf(out, "%6d  %s\n%6s  %-*s  %s\n", s->fds[index].fd, what, "", WHAT_COL, "", owner);
        } else {
            fprintf(out, "%6d  %-*s  %s\n", s->fds[index].fd, WHAT_COL, what, owner);
        }
    }
}

/* One anomaly section: its title and the rows that have the flag. */
static void text_flagged(FILE *out, const struct report *r, uint32_t flag, size_t count, const char *title)
{
    const struct gs_snapshot *s = r->s;
    char fd[24], text[300];
    if (!count)
        return;
    fprintf(out, "  %s: %zu\n", title, count);
    size_t shown = 0;
    for (uint64_t i = 0; i < s->nresources; i++) {
        const struct res_row *row = &r->rows[i];
        if (!(row->flags & flag))
            continue;
        if (r->o->top && shown == r->o->top) {
            fprintf(out, "    ... %zu more\n", count - shown);
            break;
        }
        const struct gs_resource *res = &s->resources[row->res];
        fd_text(fd, sizeof fd, res->fd);
        gs_text(text, sizeof text, gs_snapshot_string(s, res->name));
        fit(text, WIDTH - 40);
        char type[300];
        fprintf(out, "  %6s  %s@0x%" PRIx64 "  %s\n", fd, gs_text(type, sizeof type, type_name(s, res->node)),
                s->addr[res->node], text);
        if (flag == RES_MISMATCH) {
            char target[600];
            snprintf(text, sizeof text, "but the descriptor is %s",
                     gs_text(target, sizeof target, gs_snapshot_string(s, s->fds[row->fd_index].target)));
            fit(text, WIDTH - 10);
            fprintf(out, "%10s%s\n", "", text);
        }
        if (flag == RES_LEAKED)
            text_where(out, r, row);
        shown++;
    }
}

static void text_anomalies(FILE *out, const struct report *r)
{
    const struct gs_snapshot *s = r->s;
    char what[600], owner[128];
    if (!r->nleaked && !r->nunowned && !r->nmissing && !r->nmismatch && !r->nshared) {
        fprintf(out, "\nANOMALIES: none\n");
        return;
    }
    fprintf(out, "\nANOMALIES\n");
    text_flagged(out, r, RES_LEAKED, r->nleaked, "open, but garbage: leaked (only a collection would close them)");
    if (r->nunowned) {
        fprintf(out, "  descriptors no object owns (a raw os.open, a C library's, or leaked): %zu\n", r->nunowned);
        for (size_t i = 0, shown = 0; i < s->nfds; i++) {
            size_t index = r->by_fd[i];
            if (r->claims[index])
                continue;
            if (r->o->top && shown == r->o->top) {
                fprintf(out, "    ... %zu more\n", r->nunowned - shown);
                break;
            }
            what_text(s, &s->fds[index], what, sizeof what);
            fit(what, WIDTH - 10);
            fprintf(out, "  %6d  %s\n", s->fds[index].fd, what);
            shown++;
        }
    }
    text_flagged(out, r, RES_MISSING, r->nmissing, "objects claiming a descriptor the process does not have");
    text_flagged(out, r, RES_MISMATCH, r->nmismatch, "objects whose descriptor is not of their kind");
    if (r->nshared) {
        fprintf(out, "  descriptors claimed by several objects: %zu\n", r->nshared);
        for (size_t i = 0; i < s->nfds; i++) {
            size_t index = r->by_fd[i];
            if (r->claims[index] < 2)
                continue;
            struct wrap w;
            wrap_start(&w, out, 2);
            snprintf(owner, sizeof owner, "%6d  %" PRIu32 " objects:", s->fds[index].fd, r->claims[index]);
            wrap_add(&w, owner);
            for (uint64_t k = 0; k < s->nresources; k++) {
                const struct res_row *row = &r->rows[k];
                if (row->fd_index != index || s->resources[row->res].closed)
                    continue;
                snprintf(owner, sizeof owner, " %s@0x%" PRIx64, type_name(s, s->resources[row->res].node),
                         s->addr[s->resources[row->res].node]);
                wrap_add(&w, owner);
            }
            fputc('\n', out);
        }
    }
}

static void resources_text(FILE *out, const struct report *r)
{
    gs_report_header_text(out, r->s);
    text_resources(out, r);
    text_fds(out, r);
    text_anomalies(out, r);
}

/* --- JSON ------------------------------------------------------------------ */

static void json_node(gs_json *w, const struct gs_snapshot *s, uint32_t node)
{
    gs_json_key(w, "addr");
    gs_json_addr(w, node < s->nobjects ? s->addr[node] : 0);
    gs_json_key(w, "type");
    gs_json_string(w, type_name(s, node));
    gs_json_key(w, "module");
    gs_json_string(w, node < s->nobjects && s->type[node] < s->ntypes
                          ? gs_snapshot_string(s, s->types[s->type[node]].module)
                          : "");
}

static void json_fd_or_null(gs_json *w, int64_t fd)
{
    if (fd >= 0)
        gs_json_int(w, fd);
    else
        gs_json_null(w);
}

static void json_holders(gs_json *w, const struct report *r, uint32_t node)
{
    const struct gs_snapshot *s = r->s;
    uint32_t chain[HELD_STEPS];
    char label[128];
    bool cycle;
    size_t n = garbage_holders(r, node, chain, HELD_STEPS, &cycle);
    gs_json_key(w, "held_by");
    gs_json_begin_array(w);
    for (size_t i = 0; i < n; i++) {
        gs_json_begin_object(w);
        json_node(w, s, chain[i]);
        edge_label(s, chain[i], i ? chain[i - 1] : node, label, sizeof label);
        gs_json_key(w, "edge");
        gs_json_string(w, label);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    gs_json_key(w, "held_by_cycle");
    gs_json_bool(w, cycle);
}

static void json_resource(gs_json *w, const struct report *r, const struct res_row *row)
{
    const struct gs_snapshot *s = r->s;
    const struct gs_resource *res = &s->resources[row->res];
    uint32_t path[PATH_CAP];
    gs_json_begin_object(w);
    gs_json_key(w, "kind");
    gs_json_string(w, res->kind < GS_RES_KIND_COUNT ? res_kind_names[res->kind] : "?");
    json_node(w, s, res->node);
    gs_json_key(w, "fd");
    json_fd_or_null(w, res->fd);
    gs_json_key(w, "name");
    gs_json_string(w, gs_snapshot_string(s, res->name));
    gs_json_key(w, "mode");
    gs_json_string(w, gs_snapshot_string(s, res->mode));
    gs_json_key(w, "closed");
    gs_json_bool(w, res->closed != 0);
    gs_json_key(w, "detail");
    gs_json_string(w, gs_snapshot_string(s, res->detail));
    if (res->kind == GS_RES_POPEN) {
        gs_json_key(w, "pid");
        gs_json_int(w, res->pid);
    }
    if (res->kind == GS_RES_MMAP) {
        gs_json_key(w, "size");
        gs_json_uint(w, res->size);
    }
    if (row->fd_index != SIZE_MAX) {
        const struct gs_fd *fd = &s->fds[row->fd_index];
        gs_json_key(w, "fd_target");
        gs_json_string(w, gs_snapshot_string(s, fd->target));
        gs_json_key(w, "fd_detail");
        gs_json_string(w, gs_snapshot_string(s, fd->detail));
    }
    gs_json_key(w, "fd_missing");
    gs_json_bool(w, (row->flags & RES_MISSING) != 0);
    gs_json_key(w, "fd_mismatch");
    gs_json_bool(w, (row->flags & RES_MISMATCH) != 0);
    gs_json_key(w, "garbage");
    gs_json_bool(w, (row->flags & RES_GARBAGE) != 0);
    gs_json_key(w, "leaked");
    gs_json_bool(w, (row->flags & RES_LEAKED) != 0);
    size_t n = resource_path(r, res->node, path);
    gs_json_key(w, "reachable");
    gs_json_bool(w, n > 0);
    gs_json_key(w, "path");
    if (n)
        gs_path_write_json(w, s, path, n, r->paths->root[res->node]);
    else
        gs_json_null(w);
    if (row->flags & RES_GARBAGE)
        json_holders(w, r, res->node);
    gs_json_end_object(w);
}

static void json_fd(gs_json *w, const struct report *r, size_t index)
{
    const struct gs_snapshot *s = r->s;
    const struct gs_fd *fd = &s->fds[index];
    char acc[16];
    gs_json_begin_object(w);
    gs_json_key(w, "fd");
    gs_json_int(w, fd->fd);
    gs_json_key(w, "kind");
    gs_json_string(w, fd_kind_names[fd->kind < 6 ? fd->kind : 5]);
    gs_json_key(w, "target");
    gs_json_string(w, gs_snapshot_string(s, fd->target));
    gs_json_key(w, "detail");
    gs_json_string(w, gs_snapshot_string(s, fd->detail));
    gs_json_key(w, "pos");
    gs_json_uint(w, fd->pos);
    gs_json_key(w, "flags");
    gs_json_uint(w, fd->flags);
    if (fd->kind != GS_FD_SOCKET) {
        access_text(fd, acc, sizeof acc);
        acc[strcspn(acc, ",")] = '\0';
        gs_json_key(w, "access");
        gs_json_string(w, acc);
        gs_json_key(w, "append");
        gs_json_bool(w, (fd->flags & 02000) != 0);
    }
    gs_json_key(w, "owner");
    if (fd->owner != GS_NO_NODE && fd->owner < s->nobjects) {
        gs_json_begin_object(w);
        json_node(w, s, fd->owner);
        gs_json_end_object(w);
    } else {
        gs_json_null(w);
    }
    gs_json_key(w, "claimed_by");
    gs_json_begin_array(w);
    for (uint64_t k = 0; k < s->nresources && r->claims[index]; k++) {
        const struct res_row *row = &r->rows[k];
        if (row->fd_index == index && !s->resources[row->res].closed)
            gs_json_addr(w, s->addr[s->resources[row->res].node]);
    }
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void json_flagged(gs_json *w, const struct report *r, const char *key, uint32_t flag)
{
    const struct gs_snapshot *s = r->s;
    gs_json_key(w, key);
    gs_json_begin_array(w);
    for (uint64_t i = 0; i < s->nresources; i++) {
        const struct res_row *row = &r->rows[i];
        if (!(row->flags & flag))
            continue;
        const struct gs_resource *res = &s->resources[row->res];
        gs_json_begin_object(w);
        json_node(w, s, res->node);
        gs_json_key(w, "kind");
        gs_json_string(w, res->kind < GS_RES_KIND_COUNT ? res_kind_names[res->kind] : "?");
        gs_json_key(w, "fd");
        json_fd_or_null(w, res->fd);
        gs_json_key(w, "name");
        gs_json_string(w, gs_snapshot_string(s, res->name));
        if (row->fd_index != SIZE_MAX) {
            gs_json_key(w, "fd_target");
            gs_json_string(w, gs_snapshot_string(s, s->fds[row->fd_index].target));
        }
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
}

static void json_anomalies(gs_json *w, const struct report *r)
{
    const struct gs_snapshot *s = r->s;
    gs_json_key(w, "anomalies");
    gs_json_begin_object(w);
    json_flagged(w, r, "leaked", RES_LEAKED);
    gs_json_key(w, "unowned_fds");
    gs_json_begin_array(w);
    for (size_t i = 0; i < s->nfds; i++)
        if (!r->claims[r->by_fd[i]])
            gs_json_int(w, s->fds[r->by_fd[i]].fd);
    gs_json_end_array(w);
    json_flagged(w, r, "missing_fds", RES_MISSING);
    json_flagged(w, r, "mismatched_fds", RES_MISMATCH);
    gs_json_key(w, "shared_fds");
    gs_json_begin_array(w);
    for (size_t i = 0; i < s->nfds; i++)
        if (r->claims[r->by_fd[i]] > 1)
            gs_json_int(w, s->fds[r->by_fd[i]].fd);
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void json_counts(gs_json *w, const struct report *r)
{
    gs_json_key(w, "counts");
    gs_json_begin_object(w);
    gs_json_key(w, "resources");
    gs_json_uint(w, r->s->nresources);
    gs_json_key(w, "open");
    gs_json_uint(w, r->nopen);
    static const char *const keys[GS_RES_KIND_COUNT] = {"files", "sockets", "mmaps", "processes", "selectors"};
    for (uint32_t k = 0; k < GS_RES_KIND_COUNT; k++) {
        gs_json_key(w, keys[k]);
        gs_json_uint(w, r->per_kind[k]);
    }
    gs_json_key(w, "fds");
    gs_json_uint(w, r->s->nfds);
    gs_json_key(w, "leaked");
    gs_json_uint(w, r->nleaked);
    gs_json_key(w, "unowned_fds");
    gs_json_uint(w, r->nunowned);
    gs_json_key(w, "missing_fds");
    gs_json_uint(w, r->nmissing);
    gs_json_key(w, "mismatched_fds");
    gs_json_uint(w, r->nmismatch);
    gs_json_key(w, "shared_fds");
    gs_json_uint(w, r->nshared);
    gs_json_end_object(w);
}

static void resources_json(FILE *out, const struct report *r)
{
    const struct gs_snapshot *s = r->s;
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "descriptor_table"); /* false: read from a core, which holds none */
    gs_json_bool(&w, s->core == NULL);
    json_counts(&w, r);
    gs_json_key(&w, "resources");
    gs_json_begin_array(&w);
    for (uint64_t i = 0; i < s->nresources; i++)
        json_resource(&w, r, &r->rows[i]);
    gs_json_end_array(&w);
    gs_json_key(&w, "fds");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < s->nfds; i++)
        json_fd(&w, r, r->by_fd[i]);
    gs_json_end_array(&w);
    json_anomalies(&w, r);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

/* The manual's entry for --dump-resources, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_resources_man[] =
    "Open files, sockets, mmaps, child processes and selectors, and every file descriptor of the\n"
    "process with the Python object that owns it (or none).\n";

gs_status gs_report_resources_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                   gs_error *err)
{
    struct report r;
    gs_status st = report_build(&r, s, o, err);
    if (st == GS_OK)
        resources_text(out, &r);
    report_free(&r);
    return st;
}

gs_status gs_report_resources_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                   gs_error *err)
{
    struct report r;
    gs_status st = report_build(&r, s, o, err);
    if (st == GS_OK)
        resources_json(out, &r);
    report_free(&r);
    return st;
}
