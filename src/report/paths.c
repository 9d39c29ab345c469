/* paths.c: --referrers ADDR and --path ADDR, and the path printer every
 * report uses to say why an object is alive. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "report/report.h"
#include "report/table.h"
#include "util/text.h"
#include "util/alloc.h"

#define PATH_MAX_SHOWN 256 /* longer paths are cut in the middle */

gs_status gs_report_find(const struct gs_snapshot *s, uint64_t addr, uint32_t *node, gs_error *err)
{
    *node = gs_snapshot_find(s, addr);
    if (*node == GS_NO_NODE)
        return gs_fail(err, GS_ERR_USAGE,
                       "no object at 0x%" PRIx64 " in this snapshot: take the address from another report "
                       "(hex(id(obj)) in Python)",
                       addr);
    return GS_OK;
}

/* How a root is written at the start of an expression. */
static void root_expression(const struct gs_snapshot *s, uint32_t root_index, char *buf, size_t cap)
{
    if (root_index >= s->nroots) {
        snprintf(buf, cap, "?");
        return;
    }
    const struct gs_root *r = &s->roots[root_index];
    const char *name = gs_snapshot_string(s, r->name);
    switch (r->kind) {
    case GS_ROOT_MODULE:
        snprintf(buf, cap, "%s", name);
        break;
    case GS_ROOT_EXTERNAL:
        snprintf(buf, cap, "<held from outside: %" PRIu32 " reference%s>", r->count, r->count == 1 ? "" : "s");
        break;
    default:
        snprintf(buf, cap, "<%s %s>", gs_root_kind_name(r->kind), name);
        break;
    }
}

/* The path as one Python expression: a module's `.__dict__` followed by
 * `['name']` reads `.name`, as a programmer would write it. */
void gs_report_path_expression(const struct gs_snapshot *s, const uint32_t *path, size_t n, uint32_t root_index,
                               char *buf, size_t cap)
{
    char label[300];
    size_t len = 0;
    root_expression(s, root_index, buf, cap);
    len = strlen(buf);
    for (size_t i = 1; i < n && len + 1 < cap; i++) {
        gs_snapshot_edge_label(s, path[i - 1], path[i], label, sizeof label);
        if (!label[0])
            snprintf(label, sizeof label, "->");
        /* .__dict__['x'] -> .x */
        size_t dl = strlen(".__dict__");
        if (len >= dl && strcmp(buf + len - dl, ".__dict__") == 0 && label[0] == '[' && label[1] == '\'') {
            size_t ll = strlen(label);
            if (ll >= 4 && label[ll - 2] == '\'' && label[ll - 1] == ']') {
                len -= dl;
                snprintf(buf + len, cap - len, ".%.*s", (int)(ll - 4), label + 2);
                len = strlen(buf);
                continue;
            }
        }
        snprintf(buf + len, cap - len, "%s%s", label[0] == '-' ? " " : "", label);
        len = strlen(buf);
    }
}

void gs_path_write_text(FILE *out, const struct gs_snapshot *s, const uint32_t *path, size_t n, uint32_t root_index)
{
    char expr[1024], raw[300], label[300], desc[300];
    size_t shown = n < PATH_MAX_SHOWN ? n : PATH_MAX_SHOWN;
    gs_report_path_expression(s, path, shown, root_index, raw, sizeof raw);
    fprintf(out, "    %s\n", gs_text(expr, sizeof expr, raw));
    for (size_t i = 0; i < shown; i++) {
        if (i == 0) {
            const struct gs_root *r = root_index < s->nroots ? &s->roots[root_index] : NULL;
            snprintf(raw, sizeof raw, "%s %s", r ? gs_root_kind_name(r->kind) : "?",
                     r ? gs_snapshot_string(s, r->name) : "");
        } else {
            gs_snapshot_edge_label(s, path[i - 1], path[i], raw, sizeof raw);
        }
        gs_text(label, sizeof label, raw);
        gs_snapshot_describe(s, path[i], desc, sizeof desc);
        if (strlen(label) > 28)
            fprintf(out, "      %s\n      %-28s %s\n", label, "", desc); /* a long root name on its own line */
        else
            fprintf(out, "      %-28s %s\n", label, desc);
    }
    if (n > shown)
        fprintf(out, "      ... %zu more steps\n", n - shown);
}

void gs_path_write_json(gs_json *w, const struct gs_snapshot *s, const uint32_t *path, size_t n, uint32_t root_index)
{
    char label[300], expr[1024];
    size_t shown = n < PATH_MAX_SHOWN ? n : PATH_MAX_SHOWN;
    gs_json_begin_object(w);
    if (root_index < s->nroots) {
        gs_json_key(w, "root_kind");
        gs_json_string(w, gs_root_kind_name(s->roots[root_index].kind));
        gs_json_key(w, "root_name");
        gs_json_string(w, gs_snapshot_string(s, s->roots[root_index].name));
    }
    gs_report_path_expression(s, path, shown, root_index, expr, sizeof expr);
    gs_json_key(w, "expression");
    gs_json_string(w, expr);
    gs_json_key(w, "length");
    gs_json_uint(w, n);
    gs_json_key(w, "steps");
    gs_json_begin_array(w);
    for (size_t i = 0; i < shown; i++) {
        const struct gs_snap_type *t = &s->types[s->type[path[i]]];
        gs_json_begin_object(w);
        gs_json_key(w, "addr");
        gs_json_addr(w, s->addr[path[i]]);
        gs_json_key(w, "type");
        gs_json_string(w, gs_snapshot_string(s, t->name));
        gs_json_key(w, "edge");
        if (i == 0) {
            gs_json_null(w);
        } else {
            gs_snapshot_edge_label(s, path[i - 1], path[i], label, sizeof label);
            gs_json_string(w, label);
        }
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void object_json(gs_json *w, const struct gs_snapshot *s, uint32_t node)
{
    gs_json_begin_object(w);
    gs_json_key(w, "addr");
    gs_json_addr(w, s->addr[node]);
    gs_report_type_json(w, s, "type", s->type[node]);
    gs_json_key(w, "size");
    gs_json_uint(w, s->size[node]);
    gs_json_key(w, "refcnt");
    gs_json_int(w, s->refcnt[node]);
    gs_json_key(w, "explained");
    gs_json_uint(w, s->explained[node]);
    if (s->preview[node]) {
        gs_json_key(w, "preview");
        gs_json_string(w, gs_snapshot_string(s, s->preview[node]));
    }
    gs_json_end_object(w);
}

/* References nobody in the graph explains (0 for immortal objects). */
static int64_t external_refs(const struct gs_snapshot *s, uint32_t node)
{
    if (s->flags[node] & GS_NODE_IMMORTAL)
        return 0;
    int64_t extra = s->refcnt[node] - (int64_t)s->explained[node];
    return extra > 0 ? extra : 0;
}

gs_status gs_report_referrers_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                   gs_error *err)
{
    uint32_t node;
    gs_status st = gs_report_find(s, o->addr, &node, err);
    if (st != GS_OK)
        return st;
    char label[300];
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "object");
    object_json(&w, s, node);
    gs_json_key(&w, "referrers");
    gs_json_begin_array(&w);
    for (uint64_t e = s->in_off[node]; e < s->in_off[node + 1]; e++) {
        uint32_t src = s->in_src[e];
        gs_snapshot_edge_label(s, src, node, label, sizeof label);
        gs_json_begin_object(&w);
        gs_json_key(&w, "addr");
        gs_json_addr(&w, s->addr[src]);
        gs_json_key(&w, "type");
        gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[src]].name));
        gs_json_key(&w, "tracked");
        gs_json_bool(&w, (s->flags[src] & GS_NODE_TRACKED) != 0);
        gs_json_key(&w, "edge");
        gs_json_string(&w, label);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "roots");
    gs_json_begin_array(&w);
    for (uint64_t r = 0; r < s->nroots; r++) {
        if (s->roots[r].node != node || s->roots[r].kind == GS_ROOT_EXTERNAL)
            continue;
        gs_json_begin_object(&w);
        gs_json_key(&w, "kind");
        gs_json_string(&w, gs_root_kind_name(s->roots[r].kind));
        gs_json_key(&w, "name");
        gs_json_string(&w, gs_snapshot_string(s, s->roots[r].name));
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "external_references");
    gs_json_int(&w, external_refs(s, node));
    gs_json_end_object(&w);
    gs_json_finish(&w);
    return GS_OK;
}

/* The manual's entry for --referrers, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_referrers_man[] =
    "The objects that reference the object at\n"
    ".I ADDR\n"
    "(an address as Python's\n"
    ".BR hex(id(obj)) ,\n"
    "e.g. 0x7f3a5c2b1e40), with the label of each reference, and the roots that hold it.\n";

gs_status gs_report_referrers_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                   gs_error *err)
{
    uint32_t node;
    gs_status st = gs_report_find(s, o->addr, &node, err);
    if (st != GS_OK)
        return st;
    char desc[300], raw[300], label[300];
    uint64_t nin = s->in_off[node + 1] - s->in_off[node];
    gs_report_header_text(out, s);
    gs_snapshot_describe(s, node, desc, sizeof desc);
    fprintf(out, "\n%s\n  size %" PRIu64 ", refcnt %" PRId64 ": %" PRIu64 " referrer%s in the graph, %" PRId64
                 " reference%s from outside it\n\n",
            desc, s->size[node], s->refcnt[node], nin, nin == 1 ? "" : "s", external_refs(s, node),
            external_refs(s, node) == 1 ? "" : "s");
    size_t shown = 0;
    for (uint64_t e = s->in_off[node]; e < s->in_off[node + 1]; e++) {
        if (o->top && shown == o->top) {
            fprintf(out, "  ... %" PRIu64 " more (--top 0 shows all)\n", nin - shown);
            break;
        }
        uint32_t src = s->in_src[e];
        gs_snapshot_edge_label(s, src, node, raw, sizeof raw);
        gs_text(label, sizeof label, raw);
        gs_snapshot_describe(s, src, desc, sizeof desc);
        fprintf(out, "  %-60s via %s\n", desc, label[0] ? label : "(unnamed reference)");
        shown++;
    }
    for (uint64_t r = 0; r < s->nroots; r++)
        if (s->roots[r].node == node && s->roots[r].kind != GS_ROOT_EXTERNAL)
            fprintf(out, "  root: %s %s\n", gs_root_kind_name(s->roots[r].kind),
                    gs_text(raw, sizeof raw, gs_snapshot_string(s, s->roots[r].name)));
    return GS_OK;
}

/* The manual's entry for --path, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_path_man[] =
    "The shortest path from a root to the object at\n"
    ".IR ADDR ,\n"
    "written as a Python expression\n"
    ".RB ( __main__.CACHE[0].session ).\n";

/* What both writers of --path show: the object at o->addr and its
 * shortest path from a root (n = 0: no root reaches it). */
struct path_to {
    uint32_t node, root;
    uint32_t steps[PATH_MAX_SHOWN];
    size_t n;
};

static gs_status path_to(const struct gs_snapshot *s, const struct gs_report_opts *o, struct path_to *t,
                         gs_error *err)
{
    gs_status st = gs_report_find(s, o->addr, &t->node, err);
    if (st != GS_OK)
        return st;
    const struct gs_paths *p = gs_analyses_paths(o->an, err);
    if (!p)
        return err->code;
    t->n = gs_path_to(p, t->node, t->steps, PATH_MAX_SHOWN);
    t->root = p->root[t->node];
    return GS_OK;
}

gs_status gs_report_path_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct path_to t;
    if (path_to(s, o, &t, err) != GS_OK)
        return err->code;
    char desc[300];
    gs_report_header_text(out, s);
    gs_snapshot_describe(s, t.node, desc, sizeof desc);
    if (t.n) {
        fprintf(out, "\n%s is reached in %zu step%s:\n", desc, t.n - 1, t.n == 2 ? "" : "s");
        gs_path_write_text(out, s, t.steps, t.n, t.root);
    } else {
        fprintf(out, "\n%s is reached from no root: it is garbage (see --dump-cycles)\n", desc);
    }
    return GS_OK;
}

gs_status gs_report_path_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct path_to t;
    if (path_to(s, o, &t, err) != GS_OK)
        return err->code;
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "object");
    object_json(&w, s, t.node);
    gs_json_key(&w, "reachable");
    gs_json_bool(&w, t.n > 0);
    gs_json_key(&w, "path");
    if (t.n)
        gs_path_write_json(&w, s, t.steps, t.n, t.root);
    else
        gs_json_null(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
    return GS_OK;
}
