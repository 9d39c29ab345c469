/* icicle.c: the box tree of icicle.h, and its SVG and folded writers. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/analyses.h"
#include "report/icicle.h"
#include "report/report.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/sort.h"

#define LABEL_MAX 160 /* bytes of a label before it is cut with "..." */

/* --- building ---------------------------------------------------------- */

static uint32_t add_box(struct gs_icicle *t, uint32_t parent, uint32_t depth, const char *label, uint64_t value,
                        uint64_t count, uint32_t color)
{
    if (t->nboxes == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->boxes = gs_xreallocarray(t->boxes, t->cap, sizeof *t->boxes);
    }
    t->boxes[t->nboxes] = (struct gs_icicle_box){
        .label = gs_xstrdup(label), .value = value, .count = count, .parent = parent, .depth = depth, .color = color};
    return (uint32_t)t->nboxes++;
}

void gs_icicle_free(struct gs_icicle *t)
{
    for (size_t i = 0; i < t->nboxes; i++)
        free(t->boxes[i].label);
    free(t->boxes);
    memset(t, 0, sizeof *t);
}

static uint32_t color_of(const char *name)
{
    return (uint32_t)gs_hash64(name, strlen(name), 0x1c1c1e);
}

static int by_node(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* One group of siblings being expanded: the members' children, grouped by
 * their type. */
struct group {
    uint32_t type;
    uint32_t first_parent; /* the first member's parent: a lone member's path step */
    uint64_t value, count;
    uint32_t *members;
    size_t n;
};

static int group_by_value(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

struct dom_build {
    const struct gs_snapshot *s;
    const struct gs_dominators *d;
    struct gs_analyses *an; /* the dominator tree's child lists */
    uint32_t *root_of; /* per node: index+1 of the first root holding it, 0 if none */
    uint64_t min_value; /* a box narrower than this is left out */
    uint64_t big_value; /* a child retaining this much is never grouped with its siblings */
    struct gs_icicle *out;
};

/* "['COUNTRY_TABLE'] dict", "module __main__", "1,204 x Session". */
static void member_label(struct dom_build *b, uint32_t parent, uint32_t node, uint32_t type, uint64_t n, char *buf,
                         size_t cap)
{
    const struct gs_snapshot *s = b->s;
    char tname[128], step[96] = "", cnt[32];
    gs_type_qualname(s, type, tname, sizeof tname);
    if (n > 1) {
        snprintf(buf, cap, "%s x %s", gs_fmt_count(n, cnt, sizeof cnt), tname);
        return;
    }
    if (parent == GS_VIRTUAL_ROOT) {
        uint32_t r = b->root_of[node];
        if (r) {
            const struct gs_root *root = &s->roots[r - 1];
            const char *name = root->name ? gs_snapshot_string(s, root->name) : "";
            snprintf(step, sizeof step, "%s%s%s", gs_root_kind_name(root->kind), name[0] ? " " : "", name);
        }
    } else {
        gs_snapshot_edge_label(s, parent, node, step, sizeof step);
    }
    snprintf(buf, cap, "%s%s%s", step, step[0] ? " " : "", tname);
}

/* Adds, under box `at`, the boxes of the dominator-tree children of the
 * nodes members[] (GS_VIRTUAL_ROOT: of the roots), grouped by type, and
 * recurses into each group. */
static void expand(struct dom_build *b, uint32_t at, const uint32_t *members, size_t nmembers, uint32_t depth)
{
    const struct gs_snapshot *s = b->s;
    size_t n = s->nobjects;
    if (depth >= GS_ICICLE_MAX_DEPTH)
        return;
    /* Every child of every member, by type. The tree was built before the
     * first call (gs_icicle_from_dominators), so asking cannot fail here. */
    size_t total = 0;
    for (size_t i = 0; i < nmembers; i++)
        total += gs_analyses_nchildren(b->an, members[i] == GS_VIRTUAL_ROOT ? (uint32_t)n : members[i]);
    if (!total)
        return;
    uint32_t *kids = gs_xmalloc(total * sizeof *kids);
    uint32_t *kid_parent = gs_xmalloc(total * sizeof *kid_parent);
    size_t k = 0;
    for (size_t i = 0; i < nmembers; i++) {
        uint64_t nc;
        gs_error ignored = {0};
        const uint32_t *c =
            gs_analyses_children(b->an, members[i] == GS_VIRTUAL_ROOT ? (uint32_t)n : members[i], &nc, &ignored);
        /* In node order, not the tree's largest-first: boxes of equal
         * bytes and type then come in the order of their objects. */
        memcpy(kids + k, c, (size_t)nc * sizeof *kids);
        gs_qsort(kids + k, (size_t)nc, sizeof *kids, by_node);
        for (uint64_t e = 0; e < nc; e++)
            kid_parent[k++] = members[i];
    }
    /* Group by type: sort the indices by type, then walk runs. */
    uint32_t *order = gs_xmalloc(total * sizeof *order);
    uint64_t *keys = gs_xmalloc(total * sizeof *keys);
    for (size_t i = 0; i < total; i++)
        keys[i] = (uint64_t)s->type[kids[i]] << 3; /* the sort's radix reads bits 3-50 */
    bool sorted = gs_sort_by_address(order, keys, total);
    free(keys);
    if (!sorted) { /* out of memory for the sort's arrays: these boxes go unexpanded */
        b->out->left_out++;
        free(order);
        free(kids);
        free(kid_parent);
        return;
    }
    /* Within one type, a child that alone holds a large share stays its own
     * box, with its path step (['COUNTRY_TABLE'] dict, module __main__);
     * the rest become one box "N x Type". */
    struct group *groups = gs_xcalloc(total, sizeof *groups);
    size_t ng = 0;
    for (size_t i = 0; i < total;) {
        uint32_t type = s->type[kids[order[i]]];
        size_t j = i;
        while (j < total && s->type[kids[order[j]]] == type)
            j++;
        struct group *many = NULL;
        for (size_t m = i; m < j; m++) {
            uint32_t kid = kids[order[m]];
            uint64_t v = b->d->retained[kid];
            struct group *g = many;
            if (v >= b->big_value || j - i == 1 || !many) {
                g = &groups[ng++];
                *g = (struct group){.type = type, .first_parent = kid_parent[order[m]]};
                g->members = gs_xmalloc((v >= b->big_value || j - i == 1 ? 1 : j - i) * sizeof *g->members);
                if (v < b->big_value && j - i > 1)
                    many = g;
            }
            g->value += v;
            g->count++;
            g->members[g->n++] = kid;
        }
        i = j;
    }
    gs_qsort(groups, ng, sizeof *groups, group_by_value);
    for (size_t i = 0; i < ng; i++) {
        struct group *g = &groups[i];
        if (g->value < b->min_value || b->out->nboxes >= GS_ICICLE_MAX_BOXES) {
            b->out->left_out++;
            continue;
        }
        char label[256], tname[128];
        member_label(b, g->first_parent, g->members[0], g->type, g->n, label, sizeof label);
        gs_type_qualname(s, g->type, tname, sizeof tname);
        uint32_t box = add_box(b->out, at, depth + 1, label, g->value, g->count, color_of(tname));
        expand(b, box, g->members, g->n, depth + 1);
    }
    for (size_t i = 0; i < ng; i++)
        free(groups[i].members);
    free(groups);
    free(order);
    free(kids);
    free(kid_parent);
}

gs_status gs_icicle_from_dominators(struct gs_analyses *an, struct gs_icicle *out, gs_error *err)
{
    memset(out, 0, sizeof *out);
    const struct gs_snapshot *s = gs_analyses_snapshot(an);
    const struct gs_dominators *dom = gs_analyses_dominators(an, err);
    if (!dom)
        return err->code;
    uint64_t nroot;
    const uint32_t *top = gs_analyses_children(an, (uint32_t)s->nobjects, &nroot, err);
    if (!top)
        return err->code;
    const struct gs_dominators d = *dom;
    struct dom_build b = {.s = s, .d = &d, .an = an, .out = out};
    b.root_of = gs_xcalloc(s->nobjects + 1, sizeof *b.root_of);
    for (uint64_t r = s->nroots; r-- > 0;)
        if (s->roots[r].node < s->nobjects)
            b.root_of[s->roots[r].node] = (uint32_t)r + 1;
    uint64_t whole = 0;
    for (uint64_t e = 0; e < nroot; e++)
        whole += d.retained[top[e]];
    b.min_value = whole / GS_ICICLE_MIN_SHARE + 1;
    b.big_value = whole / GS_ICICLE_ALONE_SHARE + 1;
    uint64_t reachable = 0;
    for (size_t i = 0; i < s->nobjects; i++)
        reachable += d.reachable[i] != 0;
    add_box(out, UINT32_MAX, 0, "all memory reachable from the roots", whole, reachable, 0);
    uint32_t virtual_root = GS_VIRTUAL_ROOT;
    expand(&b, 0, &virtual_root, 1, 0);
    free(b.root_of);
    return GS_OK;
}

gs_status gs_icicle_from_types(struct gs_analyses *an, int by_module, struct gs_icicle *out, gs_error *err)
{
    const struct gs_snapshot *s = gs_analyses_snapshot(an);
    (void)err;
    memset(out, 0, sizeof *out);
    struct gs_type_summary sum;
    gs_type_summary_build(s, &sum);
    uint64_t whole = sum.bytes + sum.frozen_bytes;
    uint64_t min_value = whole / GS_ICICLE_MIN_SHARE + 1;
    add_box(out, UINT32_MAX, 0, "objects the collector tracks", whole, sum.objects + sum.frozen_objects, 0);
    if (!by_module) {
        for (size_t i = 0; i < sum.nrows; i++) {
            const struct gs_type_row *r = &sum.rows[i];
            char tname[128];
            gs_type_qualname(s, r->type, tname, sizeof tname);
            if (r->bytes + r->frozen_bytes < min_value) {
                out->left_out++;
                continue;
            }
            add_box(out, 0, 1, tname, r->bytes + r->frozen_bytes, r->count + r->frozen_count, color_of(tname));
        }
        gs_type_summary_free(&sum);
        return GS_OK;
    }
    /* By module: one box per module (largest first), its types under it. */
    size_t nmod = 0;
    const char **mods = gs_xcalloc(sum.nrows + 1, sizeof *mods);
    uint64_t *mbytes = gs_xcalloc(sum.nrows + 1, sizeof *mbytes), *mcount = gs_xcalloc(sum.nrows + 1, sizeof *mcount);
    for (size_t i = 0; i < sum.nrows; i++) {
        const char *m = gs_snapshot_string(s, s->types[sum.rows[i].type].module);
        if (!m[0])
            m = "builtins";
        size_t j = 0;
        while (j < nmod && strcmp(mods[j], m) != 0)
            j++;
        if (j == nmod)
            mods[nmod++] = m;
        mbytes[j] += sum.rows[i].bytes + sum.rows[i].frozen_bytes;
        mcount[j] += sum.rows[i].count + sum.rows[i].frozen_count;
    }
    for (;;) { /* modules largest first: pick the largest left each time */
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < nmod; j++)
            if (mods[j] && (best == SIZE_MAX || mbytes[j] > mbytes[best]))
                best = j;
        if (best == SIZE_MAX)
            break;
        const char *m = mods[best];
        mods[best] = NULL;
        if (mbytes[best] < min_value) {
            out->left_out++;
            continue;
        }
        uint32_t box = add_box(out, 0, 1, m, mbytes[best], mcount[best], color_of(m));
        for (size_t i = 0; i < sum.nrows; i++) { /* rows are largest first already */
            const struct gs_type_row *r = &sum.rows[i];
            const char *tm = gs_snapshot_string(s, s->types[r->type].module);
            if (strcmp(tm[0] ? tm : "builtins", m) != 0)
                continue;
            char tname[128];
            gs_type_qualname(s, r->type, tname, sizeof tname);
            if (r->bytes + r->frozen_bytes < min_value) {
                out->left_out++;
                continue;
            }
            add_box(out, box, 2, tname, r->bytes + r->frozen_bytes, r->count + r->frozen_count, color_of(tname));
        }
    }
    free(mods);
    free(mbytes);
    free(mcount);
    gs_type_summary_free(&sum);
    return GS_OK;
}

/* --- text from the target, made safe for each format --------------------- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || len > n || (len == 2 && p[0] < 0xc2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    uint32_t cp = len == 1 ? p[0]
                  : len == 2 ? (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
                  : len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f)
                             : (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
                                   (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

static uint32_t utf8_cp(const unsigned char *p, size_t len)
{
    return len == 2 ? (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
           : len == 3 ? (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f)
                      : (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 |
                            (p[3] & 0x3f);
}

/* Bidi controls reorder the text around them: shown escaped, as the
 * terminal reports show them. */
static int is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
           cp == 0x061c;
}

/* Writes s for an XML text or attribute (xml) or for a folded-stack frame
 * (!xml: no ';', no line end), cut after LABEL_MAX bytes. */
static void put_safe(FILE *out, const char *str, int xml)
{
    const unsigned char *p = (const unsigned char *)str;
    size_t n = strlen(str), written = 0;
    while (n) {
        if (written >= LABEL_MAX) {
            fputs("...", out);
            return;
        }
        size_t len = utf8_len(p, n);
        if (!len) {
            fprintf(out, "\\x%02x", p[0]);
            len = 1;
        } else if (len == 1 && (p[0] < 0x20 || p[0] == 0x7f)) {
            fprintf(out, "\\x%02x", p[0]);
        } else if (len > 1 && (is_bidi_control(utf8_cp(p, len)) || (len == 2 && utf8_cp(p, len) < 0xa0))) {
            fprintf(out, "\\u%04x", utf8_cp(p, len));
        } else if (xml && p[0] == '&') {
            fputs("&amp;", out);
        } else if (xml && p[0] == '<') {
            fputs("&lt;", out);
        } else if (xml && p[0] == '>') {
            fputs("&gt;", out);
        } else if (xml && p[0] == '"') {
            fputs("&quot;", out);
        } else if (!xml && p[0] == ';') {
            fputc(':', out);
        } else {
            fwrite(p, 1, len, out);
        }
        written += len;
        p += len;
        n -= len;
    }
}

static gs_status finish(FILE *out, gs_error *err)
{
    if (fflush(out) != 0 || ferror(out))
        return gs_fail(err, GS_ERR_IO, "cannot write the picture: %s", strerror(errno ? errno : EIO));
    return GS_OK;
}

/* --- folded stacks ------------------------------------------------------- */

static void put_stack(FILE *out, const struct gs_icicle *t, uint32_t box)
{
    if (t->boxes[box].parent != UINT32_MAX && t->boxes[box].parent != 0) {
        put_stack(out, t, t->boxes[box].parent);
        fputc(';', out);
    }
    put_safe(out, t->boxes[box].label, 0);
}

gs_status gs_icicle_write_folded(FILE *out, const struct gs_icicle *t, gs_error *err)
{
    /* Each box's own bytes: its width less its children's. The whole
     * (box 0) is not a frame: its own bytes are what the bounds left out. */
    uint64_t *kids = gs_xcalloc(t->nboxes + 1, sizeof *kids);
    for (size_t i = 1; i < t->nboxes; i++)
        kids[t->boxes[i].parent] += t->boxes[i].value;
    for (size_t i = 1; i < t->nboxes; i++) {
        uint64_t self = t->boxes[i].value > kids[i] ? t->boxes[i].value - kids[i] : 0;
        if (!self)
            continue;
        put_stack(out, t, (uint32_t)i);
        fprintf(out, " %" PRIu64 "\n", self);
    }
    free(kids);
    return finish(out, err);
}

/* --- SVG ----------------------------------------------------------------- */

#define SVG_WIDTH 1200
#define ROW_HEIGHT 18
#define TOP 70

/* Warm colours, as flame graphs have them, varied by the box's type. */
static void fill_of(uint32_t color, uint32_t depth, char *buf, size_t cap)
{
    if (depth == 0) {
        snprintf(buf, cap, "rgb(190,190,200)");
        return;
    }
    unsigned r = 200 + (color & 0x37), g = 80 + ((color >> 8) % 120), b = 40 + ((color >> 16) % 50);
    snprintf(buf, cap, "rgb(%u,%u,%u)", r > 255 ? 255 : r, g, b);
}

/* The script: click a box to zoom into it (it and its descendants fill the
 * width; its ancestors stay, full width), click the whole or "Reset zoom"
 * to go back, "Search" (or Ctrl-F) highlights boxes whose label matches a
 * regular expression and says what share of the bytes they hold. A link
 * may carry both: FILE.svg#zoom=REGEX&search=REGEX (the tests use it). The
 * boxes' geometry is in their data-x (start) and data-w (width), as shares
 * of the whole, so zooming is arithmetic on attributes. */
static const char SVG_SCRIPT[] =
    "var PAD = 10, boxes = [], details, matched;\n"
    "function init() {\n"
    "  details = document.getElementById('details');\n"
    "  matched = document.getElementById('matched');\n"
    "  boxes = Array.prototype.slice.call(document.querySelectorAll('g.box'));\n"
    "  boxes.forEach(function (g) {\n"
    "    g.addEventListener('click', function () { zoom(g); });\n"
    "    g.addEventListener('mouseover', function () { details.textContent = g.querySelector('title').textContent; });\n"
    "    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
    "  });\n"
    "  document.getElementById('reset').addEventListener('click', function () { zoom(boxes[0]); });\n"
    "  document.getElementById('search').addEventListener('click', function () { search(); });\n"
    "  window.addEventListener('keydown', function (e) {\n"
    "    if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); search(); }\n"
    "  });\n"
    "  zoom(boxes[0]);\n"
    "  /* A link can carry a zoom and a search: picture.svg#zoom=BIG_CACHE&search=Session */\n"
    "  var args = new URLSearchParams(window.location.hash.slice(1));\n"
    "  if (args.get('zoom')) {\n"
    "    var re = new RegExp(args.get('zoom'));\n"
    "    var hit = boxes.filter(function (g) { return re.test(g.getAttribute('data-label')); })[0];\n"
    "    if (hit) zoom(hit);\n"
    "  }\n"
    "  if (args.get('search')) search(args.get('search'));\n"
    "}\n"
    "function place(g, x, w) {\n"
    "  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
    "  var px = PAD + x * (W - 2 * PAD), pw = w * (W - 2 * PAD);\n"
    "  r.setAttribute('x', px); r.setAttribute('width', Math.max(pw - 0.5, 0));\n"
    "  t.setAttribute('x', px + 3);\n"
    "  var full = g.getAttribute('data-label'), chars = Math.floor((pw - 6) / 7);\n"
    "  t.textContent = chars < 3 ? '' : (full.length <= chars ? full : full.slice(0, chars - 2) + '..');\n"
    "  g.style.display = pw < 0.5 ? 'none' : '';\n"
    "}\n"
    "function zoom(z) {\n"
    "  var zx = +z.getAttribute('data-x'), zw = +z.getAttribute('data-w') || 1;\n"
    "  var zd = +z.getAttribute('data-depth');\n"
    "  boxes.forEach(function (g) {\n"
    "    var x = +g.getAttribute('data-x'), w = +g.getAttribute('data-w'), d = +g.getAttribute('data-depth');\n"
    "    if (d < zd) {\n"
    "      var inside = x <= zx + 1e-12 && x + w >= zx + zw - 1e-12;\n"
    "      if (inside) place(g, 0, 1); else g.style.display = 'none';\n"
    "      g.classList.toggle('ancestor', inside);\n"
    "    } else if (x >= zx - 1e-12 && x + w <= zx + zw + 1e-12) {\n"
    "      g.classList.remove('ancestor');\n"
    "      place(g, (x - zx) / zw, w / zw);\n"
    "    } else {\n"
    "      g.style.display = 'none';\n"
    "    }\n"
    "  });\n"
    "}\n"
    "function search(given) {\n"
    "  var term = typeof given === 'string' ? given : window.prompt('Search labels (a regular expression; empty to clear)', '');\n"
    "  if (term === null) return;\n"
    "  var re = null;\n"
    "  try { re = term ? new RegExp(term) : null; } catch (e) { matched.textContent = 'not a regular expression'; return; }\n"
    "  var bytes = 0, hits = 0, covered = [];\n"
    "  boxes.forEach(function (g) {\n"
    "    var on = re !== null && +g.getAttribute('data-depth') > 0 && re.test(g.getAttribute('data-label'));\n"
    "    g.classList.toggle('match', on);\n"
    "    if (!on) return;\n"
    "    hits++;\n"
    "    var x = +g.getAttribute('data-x'), w = +g.getAttribute('data-w');\n"
    "    if (!covered.some(function (c) { return x >= c[0] - 1e-12 && x + w <= c[1] + 1e-12; })) {\n"
    "      covered.push([x, x + w]); bytes += +g.getAttribute('data-bytes');\n"
    "    }\n"
    "  });\n"
    "  matched.textContent = re ? hits + ' boxes match, ' + (100 * bytes / +boxes[0].getAttribute('data-bytes')).toFixed(1) + '% of the bytes' : ' ';\n"
    "}\n";

gs_status gs_icicle_write_svg(FILE *out, const struct gs_snapshot *s, const struct gs_icicle *t, const char *title,
                              gs_error *err)
{
    uint32_t maxdepth = 0;
    for (size_t i = 0; i < t->nboxes; i++)
        if (t->boxes[i].depth > maxdepth)
            maxdepth = t->boxes[i].depth;
    int height = TOP + (int)(maxdepth + 1) * ROW_HEIGHT + 40;

    /* Each box's start, as a share of the whole: children are laid out left
     * to right from their parent's start, in the order they were added
     * (largest first). */
    double *x = gs_xcalloc(t->nboxes + 1, sizeof *x), *next = gs_xcalloc(t->nboxes + 1, sizeof *next);
    double whole = t->nboxes && t->boxes[0].value ? (double)t->boxes[0].value : 1.0;
    for (size_t i = 1; i < t->nboxes; i++) {
        uint32_t p = t->boxes[i].parent;
        x[i] = x[p] + next[p];
        next[p] += (double)t->boxes[i].value / whole;
    }

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
                 "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" onload=\"init()\">\n",
            SVG_WIDTH, height, SVG_WIDTH, height);
    fputs("<style>\n"
          "text { font-family: monospace; font-size: 12px; fill: #000; }\n"
          "g.box { cursor: pointer; }\n"
          "g.box:hover rect { stroke: #000; stroke-width: 0.5; }\n"
          "g.box.match rect { fill: rgb(230,0,230); }\n"
          "g.box.ancestor rect { opacity: 0.6; }\n"
          "#title { font-size: 17px; text-anchor: middle; }\n"
          "#subtitle, #details, #matched, .button { font-size: 12px; }\n"
          "#subtitle { text-anchor: middle; fill: #555; }\n"
          "#matched { text-anchor: end; }\n"
          ".button { fill: #335; cursor: pointer; text-decoration: underline; }\n"
          "</style>\n",
          out);
    fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n'use strict';\nvar W = %d;\n", SVG_WIDTH);
    fputs(SVG_SCRIPT, out);
    fputs("]]></script>\n", out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8f8f4\"/>\n", SVG_WIDTH, height);
    fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", SVG_WIDTH / 2);
    put_safe(out, title, 1);
    fputs("</text>\n", out);
    char when[64] = "", b1[32], b2[32];
    time_t at = (time_t)s->meta.captured_at;
    struct tm tm;
    if (at > 0 && gmtime_r(&at, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"44\">process %lld, Python ", SVG_WIDTH / 2,
            (long long)s->meta.pid);
    put_safe(out, s->meta.python, 1);
    fputs(" (", out);
    put_safe(out, s->meta.binary, 1);
    fprintf(out, "), %s; %s objects, %s in the picture</text>\n", when,
            gs_fmt_count(t->nboxes ? t->boxes[0].count : 0, b1, sizeof b1),
            gs_fmt_bytes(t->nboxes ? t->boxes[0].value : 0, b2, sizeof b2));
    fputs("<text id=\"reset\" class=\"button\" x=\"10\" y=\"24\">Reset zoom</text>\n", out);
    fprintf(out, "<text id=\"search\" class=\"button\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n",
            SVG_WIDTH - 10);
    fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", SVG_WIDTH - 10, height - 12);
    fprintf(out, "<text id=\"details\" x=\"10\" y=\"%d\"> </text>\n", height - 12);

    for (size_t i = 0; i < t->nboxes; i++) {
        const struct gs_icicle_box *bx = &t->boxes[i];
        double w = (double)bx->value / whole;
        char fill[32], bytes[32], count[32];
        fill_of(bx->color, bx->depth, fill, sizeof fill);
        int y = TOP + (int)bx->depth * ROW_HEIGHT;
        fprintf(out, "<g class=\"box\" data-depth=\"%u\" data-x=\"%.9f\" data-w=\"%.9f\" data-bytes=\"%" PRIu64
                     "\" data-label=\"",
                bx->depth, x[i], w, bx->value);
        put_safe(out, bx->label, 1);
        fputs("\"><title>", out);
        put_safe(out, bx->label, 1);
        fprintf(out, ": %s (%.2f%%), %s object%s</title>", gs_fmt_bytes(bx->value, bytes, sizeof bytes), 100.0 * w,
                gs_fmt_count(bx->count, count, sizeof count), bx->count == 1 ? "" : "s");
        /* Geometry for a reader without scripts; init() redoes it. */
        double px = 10 + x[i] * (SVG_WIDTH - 20), pw = w * (SVG_WIDTH - 20);
        fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"%s\"/>", px, y,
                pw > 0.5 ? pw - 0.5 : 0, ROW_HEIGHT - 1, fill);
        fprintf(out, "<text x=\"%.2f\" y=\"%d\">", px + 3, y + ROW_HEIGHT - 5);
        if (pw > 40)
            put_safe(out, bx->label, 1);
        fputs("</text></g>\n", out);
    }
    fputs("</svg>\n", out);
    free(x);
    free(next);
    return finish(out, err);
}
