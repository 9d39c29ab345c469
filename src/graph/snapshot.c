#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "graph/snapshot.h"
#include "util/text.h"
#include "py/kinds.h"

static const char *const root_kind_names[GS_ROOT_KIND_COUNT] = {
#define GS_ROOT_NAME(k, name) [k] = name,
    GS_ROOT_KINDS(GS_ROOT_NAME)
#undef GS_ROOT_NAME
};

const char *gs_root_kind_name(uint32_t kind) { return kind < GS_ROOT_KIND_COUNT ? root_kind_names[kind] : "?"; }

void gs_snapshot_free(struct gs_snapshot *s)
{
    if (!s)
        return;
    if (s->mapping) {
        munmap(s->mapping, s->mapping_len);
    } else {
        free(s->addr);
        free(s->type);
        free(s->size);
        free(s->refcnt);
        free(s->explained);
        free(s->flags);
        free(s->preview);
        free(s->by_addr);
        free(s->out_off);
        free(s->out_dst);
        free(s->out_label);
        free(s->in_off);
        free(s->in_src);
        free(s->weak_src);
        free(s->weak_dst);
        free(s->roots);
        free(s->types);
        free(s->strings);
        free(s->threads);
        free(s->mappings);
        free(s->arenas);
        free(s->tm_traces);
        free(s->tm_tracebacks);
        free(s->tm_frames);
        free(s->slack);
        free(s->content);
        free(s->constants);
        free(s->mi_pages);
        free(s->frames);
        free(s->fds);
        free(s->resources);
        free(s->core);
    }
    free(s);
}

uint32_t gs_snapshot_find(const struct gs_snapshot *s, uint64_t addr)
{
    uint64_t lo = 0, hi = s->nobjects;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint64_t a = s->addr[s->by_addr[mid]];
        if (a == addr)
            return s->by_addr[mid];
        if (a < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return GS_NO_NODE;
}

const char *gs_snapshot_string(const struct gs_snapshot *s, uint32_t id)
{
    return id && id < s->strings_len ? s->strings + id : "";
}

void gs_snapshot_label(const struct gs_snapshot *s, uint32_t label, char *buf, size_t cap)
{
    uint32_t p = gs_label_payload(label);
    switch (gs_label_kind_of(label)) {
    case GS_LABEL_INDEX:
        snprintf(buf, cap, "[%" PRIu32 "]", p);
        break;
    case GS_LABEL_KEY:
        snprintf(buf, cap, "<key>");
        break;
    case GS_LABEL_MEMBER:
        snprintf(buf, cap, "<member>");
        break;
    case GS_LABEL_VALUE: {
        const char *key = p < s->nobjects ? gs_snapshot_string(s, s->preview[p]) : "";
        if (key[0])
            snprintf(buf, cap, "[%s]", key);
        else if (p < s->nobjects)
            snprintf(buf, cap, "[<%s@0x%" PRIx64 ">]", gs_snapshot_string(s, s->types[s->type[p]].name), s->addr[p]);
        else
            snprintf(buf, cap, "[?]");
        break;
    }
    case GS_LABEL_ATTR:
    case GS_LABEL_FIELD:
        snprintf(buf, cap, ".%s", gs_snapshot_string(s, p));
        break;
    case GS_LABEL_LOCAL:
        snprintf(buf, cap, ".f_locals['%s']", gs_snapshot_string(s, p));
        break;
    case GS_LABEL_ITEM_NAMED:
        snprintf(buf, cap, "[%s]", gs_snapshot_string(s, p));
        break;
    case GS_LABEL_WORD:
        snprintf(buf, cap, "%s", gs_snapshot_string(s, p));
        break;
    case GS_LABEL_INFERRED:
        snprintf(buf, cap, "~%s (inferred)", gs_snapshot_string(s, p));
        break;
    default:
        if (cap)
            buf[0] = '\0';
    }
}

void gs_snapshot_describe(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap)
{
    if (node >= s->nobjects) {
        snprintf(buf, cap, "?");
        return;
    }
    const struct gs_snap_type *t = &s->types[s->type[node]];
    const char *preview = gs_snapshot_string(s, s->preview[node]);
    char raw[1024];
    if (preview[0])
        snprintf(raw, sizeof raw, "%s@0x%" PRIx64 " %s", gs_snapshot_string(s, t->name), s->addr[node], preview);
    else
        snprintf(raw, sizeof raw, "%s@0x%" PRIx64, gs_snapshot_string(s, t->name), s->addr[node]);
    gs_text_escape(buf, cap, raw, strlen(raw), 0);
}

int64_t gs_snapshot_items(const struct gs_snapshot *s, uint32_t node)
{
    enum gs_label_kind want;
    switch (gs_snapshot_kind(s, node)) {
    case GS_PYK_LIST:
    case GS_PYK_TUPLE:
    case GS_PYK_DEQUE:
        want = GS_LABEL_INDEX;
        break;
    case GS_PYK_DICT:
    case GS_PYK_ODICT:
        want = GS_LABEL_VALUE;
        break;
    case GS_PYK_SET:
    case GS_PYK_FROZENSET:
        want = GS_LABEL_MEMBER;
        break;
    default:
        return -1;
    }
    int64_t n = 0;
    for (uint64_t e = s->out_off[node]; e < s->out_off[node + 1]; e++)
        n += gs_label_kind_of(s->out_label[e]) == want;
    return n;
}

void gs_snapshot_edge_label(const struct gs_snapshot *s, uint32_t src, uint32_t dst, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    for (uint64_t e = s->out_off[src]; e < s->out_off[src + 1]; e++)
        if (s->out_dst[e] == dst) {
            gs_snapshot_label(s, s->out_label[e], buf, cap);
            return;
        }
}
