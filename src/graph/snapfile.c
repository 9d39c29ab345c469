/* snapfile.c: write and read snapshot files. See docs/snapshot-format.md. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/snapfile.h"
#include "util/cancel.h"
#include "util/safefile.h"
#include "util/alloc.h"
#include "util/hash.h"

#define ALIGN 64
#define MAX_SECTIONS 64
#define BYTE_ORDER_MARK 0x01020304u

enum section_id {
    SEC_META = 1,
    SEC_COUNTS,
    SEC_ADDR,
    SEC_TYPE,
    SEC_SIZE,
    SEC_REFCNT,
    SEC_EXPLAINED,
    SEC_FLAGS,
    SEC_PREVIEW,
    SEC_BY_ADDR,
    SEC_OUT_OFF,
    SEC_OUT_DST,
    SEC_OUT_LABEL,
    SEC_IN_OFF,
    SEC_IN_SRC,
    SEC_WEAK_SRC,
    SEC_WEAK_DST,
    SEC_ROOTS,
    SEC_TYPES,
    SEC_STRINGS,
    /* Sections from here on are optional: a file without them loads with
     * the arrays empty. */
    SEC_THREADS,
    SEC_FRAMES,
    SEC_FDS,
    SEC_RESOURCES,
    SEC_CORE,
    /* Where the memory goes (graph/memory.h): each carries its own count
     * in the section table; a file without them loads with memory.present 0. */
    SEC_MEMORY,
    SEC_MAPPINGS,
    SEC_ARENAS,
    SEC_TM_TRACES,
    SEC_TM_TRACEBACKS,
    SEC_TM_FRAMES,
    SEC_SLACK,
    SEC_CONTENT,
    SEC_CONSTANTS,
    /* Analyses saved with the snapshot (graph/snapshot.h's gs_stored_kind,
     * in that order): checksummed and checked when first used, not at load. */
    SEC_STORED_FIRST,
    /* A free-threaded build's mimalloc (py/mimalloc.h), after them. */
    SEC_MIMALLOC = SEC_STORED_FIRST + GS_STORED_COUNT,
    SEC_MI_PAGES,
    SEC_LAST = SEC_MI_PAGES,
};
#define SEC_FIRST_OPTIONAL SEC_THREADS
#define IS_STORED(id) ((id) >= SEC_STORED_FIRST && (id) < SEC_STORED_FIRST + GS_STORED_COUNT)

static const char *const section_names[] = {
    [SEC_META] = "meta",         [SEC_COUNTS] = "counts",     [SEC_ADDR] = "addr",
    [SEC_TYPE] = "type",         [SEC_SIZE] = "size",         [SEC_REFCNT] = "refcnt",
    [SEC_EXPLAINED] = "explained", [SEC_FLAGS] = "flags",     [SEC_PREVIEW] = "preview",
    [SEC_BY_ADDR] = "by_addr",   [SEC_OUT_OFF] = "out_off",   [SEC_OUT_DST] = "out_dst",
    [SEC_OUT_LABEL] = "out_label", [SEC_IN_OFF] = "in_off",   [SEC_IN_SRC] = "in_src",
    [SEC_WEAK_SRC] = "weak_src", [SEC_WEAK_DST] = "weak_dst", [SEC_ROOTS] = "roots",
    [SEC_TYPES] = "types",       [SEC_STRINGS] = "strings",   [SEC_THREADS] = "threads",
    [SEC_FRAMES] = "frames",     [SEC_FDS] = "fds",           [SEC_RESOURCES] = "resources",
    [SEC_CORE] = "core",
    [SEC_MEMORY] = "memory",     [SEC_MAPPINGS] = "mappings", [SEC_ARENAS] = "arenas",
    [SEC_TM_TRACES] = "tm_traces", [SEC_TM_TRACEBACKS] = "tm_tracebacks", [SEC_TM_FRAMES] = "tm_frames",
    [SEC_SLACK] = "slack",       [SEC_CONTENT] = "content",   [SEC_CONSTANTS] = "constants",
    [SEC_STORED_FIRST + GS_STORED_META] = "an_meta",
    [SEC_STORED_FIRST + GS_STORED_GARBAGE] = "an_garbage",
    [SEC_STORED_FIRST + GS_STORED_REACHABLE] = "an_reachable",
    [SEC_STORED_FIRST + GS_STORED_IDOM] = "an_idom",
    [SEC_STORED_FIRST + GS_STORED_RETAINED] = "an_retained",
    [SEC_STORED_FIRST + GS_STORED_DT_OFF] = "an_dt_off",
    [SEC_STORED_FIRST + GS_STORED_DT_CHILD] = "an_dt_child",
    [SEC_STORED_FIRST + GS_STORED_TYPES] = "an_types",
    [SEC_STORED_FIRST + GS_STORED_CYCLE_OF] = "an_cycle_of",
    [SEC_STORED_FIRST + GS_STORED_CYCLE_OFF] = "an_cycle_off",
    [SEC_STORED_FIRST + GS_STORED_CYCLE_MEMBERS] = "an_cycle_members",
    [SEC_STORED_FIRST + GS_STORED_PATH_PARENT] = "an_path_parent",
    [SEC_STORED_FIRST + GS_STORED_PATH_EDGE] = "an_path_edge",
    [SEC_STORED_FIRST + GS_STORED_PATH_ROOT] = "an_path_root",
    [SEC_STORED_FIRST + GS_STORED_PATH_DEPTH] = "an_path_depth",
    [SEC_MIMALLOC] = "mimalloc",         [SEC_MI_PAGES] = "mi_pages",
};
_Static_assert(SEC_LAST < MAX_SECTIONS, "the section table holds every section");

struct file_header {
    char magic[8];
    uint32_t version;
    uint32_t byte_order; /* BYTE_ORDER_MARK as written */
    uint32_t header_size;
    uint32_t nsections;
    uint64_t file_size;
    uint64_t checksum; /* of the header and section table, with this field 0 */
};

struct section_entry {
    uint32_t id;
    uint32_t elem_size;
    uint64_t offset;
    uint64_t count;
    uint64_t checksum;
};

struct counts {
    uint64_t nobjects, nedges, nweak, nroots, ntypes, strings_len;
    uint64_t nthreads, nframes, nfds, nresources;
};

struct section_plan {
    enum section_id id;
    const void *data;
    uint32_t elem_size;
    uint64_t count;
};

/* --- saving ------------------------------------------------------------- */

static size_t plan_sections(const struct gs_snapshot *s, const struct counts *k,
                            const struct gs_stored_section *stored, struct section_plan *p)
{
    size_t n = 0;
#define SEC(ID, PTR, COUNT) p[n++] = (struct section_plan){ID, PTR, (uint32_t)sizeof *(PTR), COUNT}
    SEC(SEC_META, &s->meta, 1);
    SEC(SEC_COUNTS, k, 1);
    SEC(SEC_ADDR, s->addr, k->nobjects);
    SEC(SEC_TYPE, s->type, k->nobjects);
    SEC(SEC_SIZE, s->size, k->nobjects);
    SEC(SEC_REFCNT, s->refcnt, k->nobjects);
    SEC(SEC_EXPLAINED, s->explained, k->nobjects);
    SEC(SEC_FLAGS, s->flags, k->nobjects);
    SEC(SEC_PREVIEW, s->preview, k->nobjects);
    SEC(SEC_BY_ADDR, s->by_addr, k->nobjects);
    SEC(SEC_OUT_OFF, s->out_off, k->nobjects + 1);
    SEC(SEC_OUT_DST, s->out_dst, k->nedges);
    SEC(SEC_OUT_LABEL, s->out_label, k->nedges);
    SEC(SEC_IN_OFF, s->in_off, k->nobjects + 1);
    SEC(SEC_IN_SRC, s->in_src, k->nedges);
    SEC(SEC_WEAK_SRC, s->weak_src, k->nweak);
    SEC(SEC_WEAK_DST, s->weak_dst, k->nweak);
    SEC(SEC_ROOTS, s->roots, k->nroots);
    SEC(SEC_TYPES, s->types, k->ntypes);
    SEC(SEC_STRINGS, s->strings, k->strings_len);
    SEC(SEC_THREADS, s->threads, k->nthreads);
    SEC(SEC_FRAMES, s->frames, k->nframes);
    SEC(SEC_FDS, s->fds, k->nfds);
    SEC(SEC_RESOURCES, s->resources, k->nresources);
    if (s->core)
        SEC(SEC_CORE, s->core, 1);
    if (s->memory.present) {
        SEC(SEC_MEMORY, &s->memory, 1);
        SEC(SEC_MAPPINGS, s->mappings, s->nmappings);
        SEC(SEC_ARENAS, s->arenas, s->narenas);
        SEC(SEC_TM_TRACES, s->tm_traces, s->ntm_traces);
        SEC(SEC_TM_TRACEBACKS, s->tm_tracebacks, s->ntm_tracebacks);
        SEC(SEC_TM_FRAMES, s->tm_frames, s->ntm_frames);
        SEC(SEC_SLACK, s->slack, s->slack ? k->nobjects : 0);
        SEC(SEC_CONTENT, s->content, s->content ? k->nobjects : 0);
        SEC(SEC_CONSTANTS, s->constants, s->nconstants);
        if (s->mimalloc.status != GS_PY_MIMALLOC_NOT_READ) {
            SEC(SEC_MIMALLOC, &s->mimalloc, 1);
            SEC(SEC_MI_PAGES, s->mi_pages, s->nmi_pages);
        }
    }
#undef SEC
    for (int i = 0; stored && i < GS_STORED_COUNT; i++)
        if (stored[i].data)
            p[n++] = (struct section_plan){(enum section_id)(SEC_STORED_FIRST + i), stored[i].data, stored[i].elem_size,
                                           stored[i].count};
    return n;
}

static uint64_t align_up(uint64_t v) { return (v + ALIGN - 1) & ~(uint64_t)(ALIGN - 1); }

static bool write_all(FILE *f, const void *data, size_t len) { return len == 0 || fwrite(data, 1, len, f) == len; }

static bool write_padding(FILE *f, uint64_t from, uint64_t to)
{
    static const char zeros[ALIGN];
    return write_all(f, zeros, (size_t)(to - from));
}

gs_status gs_snapfile_save(const struct gs_snapshot *s, const struct gs_stored_section *stored, const char *path,
                          gs_error *err)
{
    struct counts k = {s->nobjects, s->nedges,  s->nweak, s->nroots, s->ntypes,
                       s->strings_len, s->nthreads, s->nframes, s->nfds, s->nresources};
    struct section_plan plan[MAX_SECTIONS];
    size_t n = plan_sections(s, &k, stored, plan);
    struct section_entry table[MAX_SECTIONS];
    struct file_header h;
    memset(&h, 0, sizeof h);
    memset(table, 0, sizeof table);
    memcpy(h.magic, GS_SNAPFILE_MAGIC, 8);
    bool any_stored = false;
    for (size_t i = 0; i < n; i++)
        any_stored |= IS_STORED(plan[i].id);
    h.version = any_stored ? GS_SNAPFILE_VERSION : GS_SNAPFILE_VERSION_PLAIN;
    h.byte_order = BYTE_ORDER_MARK;
    h.header_size = (uint32_t)sizeof h;
    h.nsections = (uint32_t)n;
    uint64_t off = align_up(sizeof h + n * sizeof *table);
    for (size_t i = 0; i < n; i++) {
        uint64_t bytes = plan[i].count * plan[i].elem_size;
        table[i] = (struct section_entry){plan[i].id, plan[i].elem_size, off, plan[i].count,
                                          gs_hash64(plan[i].data, (size_t)bytes, plan[i].id)};
        off = align_up(off + bytes);
    }
    h.file_size = off;
    uint64_t sum = gs_hash64(&h, sizeof h, 0);
    h.checksum = gs_hash64(table, n * sizeof *table, sum);

    struct gs_safefile sf;
    gs_status st = gs_safefile_open(&sf, path, err);
    if (st != GS_OK)
        return st;
    FILE *f = sf.f;
    bool ok = write_all(f, &h, sizeof h) && write_all(f, table, n * sizeof *table);
    uint64_t pos = sizeof h + n * sizeof *table;
    for (size_t i = 0; ok && i < n && !gs_signal_pending; i++) {
        ok = write_padding(f, pos, table[i].offset) &&
             write_all(f, plan[i].data, (size_t)(plan[i].count * plan[i].elem_size));
        pos = table[i].offset + plan[i].count * plan[i].elem_size;
    }
    ok = ok && write_padding(f, pos, h.file_size);
    if (!ok) {
        int e = errno;
        gs_safefile_abort(&sf);
        return gs_fail(err, GS_ERR_IO, "cannot write %s: %s", path, strerror(e));
    }
    /* A stop signal before the rename leaves PATH as it was. */
    return gs_safefile_commit(&sf, err);
}

/* --- the layout, for the format document's test ------------------------ */

size_t gs_snapfile_layout(struct gs_snapfile_section_info *out, size_t max, size_t *header_size,
                          size_t *entry_size)
{
    struct gs_snapshot zero;
    struct gs_snap_core core;
    memset(&zero, 0, sizeof zero);
    zero.core = &core;
    struct counts k;
    memset(&k, 0, sizeof k);
    struct section_plan plan[MAX_SECTIONS];
    struct gs_stored_section stored[GS_STORED_COUNT];
    static const uint32_t stored_sizes[GS_STORED_COUNT] = {
        [GS_STORED_META] = sizeof(struct gs_stored_meta), [GS_STORED_GARBAGE] = 1, [GS_STORED_REACHABLE] = 1, [GS_STORED_IDOM] = 4,
        [GS_STORED_RETAINED] = 8, [GS_STORED_DT_OFF] = 4, [GS_STORED_DT_CHILD] = 4,
        [GS_STORED_TYPES] = sizeof(struct gs_stored_type_total), [GS_STORED_CYCLE_OF] = 4,
        [GS_STORED_CYCLE_OFF] = 8, [GS_STORED_CYCLE_MEMBERS] = 4, [GS_STORED_PATH_PARENT] = 4,
        [GS_STORED_PATH_EDGE] = 8, [GS_STORED_PATH_ROOT] = 4, [GS_STORED_PATH_DEPTH] = 4,
    };
    for (int i = 0; i < GS_STORED_COUNT; i++)
        stored[i] = (struct gs_stored_section){&core, 0, 0, 0, stored_sizes[i]};
    size_t n = plan_sections(&zero, &k, stored, plan);
    *header_size = sizeof(struct file_header);
    *entry_size = sizeof(struct section_entry);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = (struct gs_snapfile_section_info){(unsigned)plan[i].id, section_names[plan[i].id],
                                                   plan[i].elem_size, plan[i].id >= SEC_FIRST_OPTIONAL};
    return n < max ? n : max;
}

/* --- loading ------------------------------------------------------------ */

static gs_status bad(gs_error *err, const char *what)
{
    return gs_fail(err, GS_ERR_SNAPSHOT, "%s", what);
}

/* Find a section and check its size; *ptr points into the mapping. */
static gs_status get_section(const unsigned char *base, const struct section_entry *table, uint32_t n,
                             enum section_id id, uint32_t elem_size, uint64_t count, const void **ptr, gs_error *err)
{
    for (uint32_t i = 0; i < n; i++) {
        if (table[i].id != id)
            continue;
        if (table[i].elem_size != elem_size || table[i].count != count)
            return gs_fail(err, GS_ERR_SNAPSHOT,
                           "the snapshot is corrupt: section %s has %llu elements of %u bytes, expected %llu of %u",
                           section_names[id], (unsigned long long)table[i].count, table[i].elem_size,
                           (unsigned long long)count, elem_size);
        *ptr = base + table[i].offset;
        return GS_OK;
    }
    if (id >= SEC_FIRST_OPTIONAL && count == 0) {
        *ptr = NULL;
        return GS_OK;
    }
    return gs_fail(err, GS_ERR_SNAPSHOT, "the snapshot is corrupt: section %s is missing", section_names[id]);
}

/* An optional section whose count is its own: *ptr NULL and *count 0 when
 * absent; the element size must match. */
static gs_status get_counted(const unsigned char *base, const struct section_entry *table, uint32_t n,
                             enum section_id id, uint32_t elem_size, const void **ptr, uint64_t *count, gs_error *err)
{
    *ptr = NULL;
    *count = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (table[i].id != id)
            continue;
        if (table[i].elem_size != elem_size || table[i].count >= GS_NO_NODE)
            return gs_fail(err, GS_ERR_SNAPSHOT, "the snapshot is corrupt: section %s has %u-byte elements, expected %u",
                           section_names[id], table[i].elem_size, elem_size);
        *ptr = table[i].count ? base + table[i].offset : NULL;
        *count = table[i].count;
    }
    return GS_OK;
}

static gs_status check_table(const unsigned char *base, size_t len, const struct file_header *h,
                             const struct section_entry *table, gs_error *err)
{
    bool seen[SEC_LAST + 1] = {false};
    for (uint32_t i = 0; i < h->nsections; i++) {
        const struct section_entry *e = &table[i];
        if (e->id < SEC_META || e->id > SEC_LAST || seen[e->id] ||
            (IS_STORED(e->id) && h->version < GS_SNAPFILE_VERSION))
            return bad(err, "the snapshot is corrupt: unknown or repeated section");
        seen[e->id] = true;
        if (e->elem_size == 0 || e->elem_size > (1u << 20) || (e->offset % 8) != 0 || e->offset > len ||
            e->count > (len - e->offset) / e->elem_size)
            return gs_fail(err, GS_ERR_SNAPSHOT,
                           "the snapshot is truncated or corrupt: section %s lies outside the file",
                           section_names[e->id]);
    }
    /* Every checksum at once, on two threads; the analyses' sections are
     * checked when first used (graph/analyses.c). */
    struct gs_hash_job jobs[MAX_SECTIONS];
    uint32_t of[MAX_SECTIONS], njobs = 0;
    for (uint32_t i = 0; i < h->nsections; i++) {
        const struct section_entry *e = &table[i];
        if (IS_STORED(e->id))
            continue;
        jobs[njobs] = (struct gs_hash_job){base + e->offset, (size_t)(e->count * e->elem_size), e->id, 0};
        of[njobs++] = i;
    }
    gs_hash64_jobs(jobs, njobs);
    for (uint32_t j = 0; j < njobs; j++)
        if (jobs[j].out != table[of[j]].checksum)
            return gs_fail(err, GS_ERR_SNAPSHOT, "the snapshot is corrupt: checksum mismatch in section %s",
                           section_names[table[of[j]].id]);
    return GS_OK;
}

static bool valid_string(const struct gs_snapshot *s, uint32_t id) { return id < s->strings_len; }

/* Every index in the arrays points inside its target array. */
static gs_status check_content(struct gs_snapshot *s, gs_error *err)
{
    uint64_t n = s->nobjects, m = s->nedges;
    if (s->strings_len == 0 || s->strings[0] != '\0' || s->strings[s->strings_len - 1] != '\0')
        return bad(err, "the snapshot is corrupt: string pool not terminated");
    if (s->ntypes == 0)
        return bad(err, "the snapshot is corrupt: no type table");
    for (uint64_t t = 0; t < s->ntypes; t++)
        if (!valid_string(s, s->types[t].name) || !valid_string(s, s->types[t].module))
            return bad(err, "the snapshot is corrupt: bad type name");
    /* Sizes add up to less than 2^62 bytes: every total and every
     * difference of two totals the reports compute fits an int64_t. */
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (s->size[i] > (UINT64_C(1) << 62) - total)
            return bad(err, "the snapshot is corrupt: object sizes add up to more than any memory");
        total += s->size[i];
    }
    s->size_total = total;
    for (uint64_t i = 0; i < n; i++) {
        if (s->type[i] >= s->ntypes || !valid_string(s, s->preview[i]) || s->by_addr[i] >= n)
            return bad(err, "the snapshot is corrupt: bad object entry");
        if (i > 0 && s->addr[s->by_addr[i]] <= s->addr[s->by_addr[i - 1]])
            return bad(err, "the snapshot is corrupt: address index not sorted");
    }
    if (s->out_off[0] != 0 || s->in_off[0] != 0 || s->out_off[n] != m || s->in_off[n] != m)
        return bad(err, "the snapshot is corrupt: edge rows do not add up");
    for (uint64_t i = 0; i < n; i++)
        if (s->out_off[i] > s->out_off[i + 1] || s->in_off[i] > s->in_off[i + 1])
            return bad(err, "the snapshot is corrupt: edge rows out of order");
    for (uint64_t e = 0; e < m; e++) {
        if (s->out_dst[e] >= n || s->in_src[e] >= n)
            return bad(err, "the snapshot is corrupt: edge to no object");
        uint32_t l = s->out_label[e], p = gs_label_payload(l);
        if (gs_label_kind_of(l) == GS_LABEL_VALUE && p >= n)
            return bad(err, "the snapshot is corrupt: label names no object");
        if (gs_label_names_string(gs_label_kind_of(l)) && !valid_string(s, p))
            return bad(err, "the snapshot is corrupt: label names no string");
    }
    for (uint64_t e = 0; e < s->nweak; e++)
        if (s->weak_src[e] >= n || s->weak_dst[e] >= n)
            return bad(err, "the snapshot is corrupt: weak edge to no object");
    for (uint64_t r = 0; r < s->nroots; r++)
        if (s->roots[r].node >= n || s->roots[r].kind >= GS_ROOT_KIND_COUNT || !valid_string(s, s->roots[r].name))
            return bad(err, "the snapshot is corrupt: bad root");
    for (uint64_t t = 0; t < s->nthreads; t++) {
        const struct gs_thread *th = &s->threads[t];
        if (!valid_string(s, th->name) || th->first_frame > s->nframes || th->nframes > s->nframes - th->first_frame)
            return bad(err, "the snapshot is corrupt: bad thread");
    }
    for (uint64_t f = 0; f < s->nframes; f++) {
        const struct gs_frame *fr = &s->frames[f];
        if (!valid_string(s, fr->function) || !valid_string(s, fr->file) ||
            (fr->node != GS_NO_NODE && fr->node >= n) || fr->first_root > s->nroots ||
            fr->nroots > s->nroots - fr->first_root)
            return bad(err, "the snapshot is corrupt: bad frame");
    }
    for (uint64_t i = 0; i < s->nfds; i++) {
        const struct gs_fd *fd = &s->fds[i];
        if (!valid_string(s, fd->target) || !valid_string(s, fd->detail) || (fd->owner != GS_NO_NODE && fd->owner >= n))
            return bad(err, "the snapshot is corrupt: bad file descriptor entry");
    }
    for (uint64_t i = 0; i < s->nresources; i++) {
        const struct gs_resource *r = &s->resources[i];
        if (r->node >= n || r->kind >= GS_RES_KIND_COUNT || !valid_string(s, r->name) || !valid_string(s, r->mode) ||
            !valid_string(s, r->detail))
            return bad(err, "the snapshot is corrupt: bad resource entry");
    }
    for (uint64_t i = 0; i < s->nmappings; i++)
        if (!valid_string(s, s->mappings[i].path) || s->mappings[i].kind > GS_MAPPING_OTHER)
            return bad(err, "the snapshot is corrupt: bad mapping");
    for (uint64_t i = 0; i < s->ntm_traces; i++)
        if (s->tm_traces[i].traceback >= s->ntm_tracebacks ||
            (i > 0 && (s->tm_traces[i].domain < s->tm_traces[i - 1].domain ||
                       (s->tm_traces[i].domain == s->tm_traces[i - 1].domain &&
                        s->tm_traces[i].addr < s->tm_traces[i - 1].addr))))
            return bad(err, "the snapshot is corrupt: bad allocation trace");
    for (uint64_t i = 0; i < s->ntm_tracebacks; i++)
        if (s->tm_tracebacks[i].first_frame > s->ntm_frames ||
            s->tm_tracebacks[i].nframe > s->ntm_frames - s->tm_tracebacks[i].first_frame)
            return bad(err, "the snapshot is corrupt: bad allocation traceback");
    for (uint64_t i = 0; i < s->ntm_frames; i++)
        if (!valid_string(s, s->tm_frames[i].filename))
            return bad(err, "the snapshot is corrupt: bad allocation frame");
    if (s->memory.pymalloc.nclasses > GS_PY_PYMALLOC_MAX_CLASSES)
        return bad(err, "the snapshot is corrupt: bad pymalloc size classes");
    struct gs_snap_meta *meta = &s->meta;
    if (meta->ninterps < 0 || meta->ninterps > GS_MAX_INTERPRETERS)
        return bad(err, "the snapshot is corrupt: bad interpreter count");
    for (int32_t i = 0; i < meta->ninterps; i++)
        if (meta->interps[i].garbage_node != GS_NO_NODE && meta->interps[i].garbage_node >= n)
            return bad(err, "the snapshot is corrupt: gc.garbage names no object");
    return GS_OK;
}

static gs_status load_mapping(void *map, size_t len, struct gs_snapshot **out, gs_error *err)
{
    const unsigned char *base = map;
    struct file_header h;
    if (len < sizeof h)
        return bad(err, "not a gcscope snapshot: the file is too short");
    memcpy(&h, base, sizeof h);
    if (memcmp(h.magic, GS_SNAPFILE_MAGIC, 8) != 0)
        return bad(err, "not a gcscope snapshot (no snapshot magic at the start of the file)");
    if (h.byte_order != BYTE_ORDER_MARK)
        return bad(err, "the snapshot was written on a machine of another byte order");
    if (h.version != GS_SNAPFILE_VERSION && h.version != GS_SNAPFILE_VERSION_PLAIN)
        return gs_fail(err, GS_ERR_SNAPSHOT,
                       "the snapshot has format version %u; this gcscope reads versions %u and %u: use the gcscope "
                       "that wrote it",
                       h.version, GS_SNAPFILE_VERSION_PLAIN, GS_SNAPFILE_VERSION);
    if (h.header_size != sizeof h || h.nsections == 0 || h.nsections > MAX_SECTIONS ||
        len < sizeof h + h.nsections * sizeof(struct section_entry))
        return bad(err, "the snapshot is truncated or corrupt: bad header");
    if (h.file_size != len)
        return gs_fail(err, GS_ERR_SNAPSHOT, "the snapshot is truncated: the file has %zu bytes, its header says %llu",
                       len, (unsigned long long)h.file_size);
    const struct section_entry *table = (const void *)(base + sizeof h);
    uint64_t expect = h.checksum;
    h.checksum = 0;
    if (gs_hash64(table, h.nsections * sizeof *table, gs_hash64(&h, sizeof h, 0)) != expect)
        return bad(err, "the snapshot is corrupt: header checksum mismatch");
    gs_status st = check_table(base, len, &h, table, err);
    if (st != GS_OK)
        return st;

    struct gs_snapshot *s = gs_xcalloc(1, sizeof *s);
    const void *p;
    const struct counts *k;
#define GET(ID, FIELD, COUNT)                                                                  \
    do {                                                                                       \
        if ((st = get_section(base, table, h.nsections, ID, (uint32_t)sizeof *s->FIELD, COUNT, &p, err)) != GS_OK) \
            goto fail;                                                                         \
        s->FIELD = (void *)p;                                                                  \
    } while (0)
    if ((st = get_section(base, table, h.nsections, SEC_COUNTS, sizeof *k, 1, &p, err)) != GS_OK)
        goto fail;
    k = p;
    if (k->nobjects >= GS_NO_NODE || k->nedges > len || k->nroots > len || k->ntypes > len || k->nweak > len) {
        st = bad(err, "the snapshot is corrupt: impossible counts");
        goto fail;
    }
    s->nobjects = k->nobjects;
    s->nedges = k->nedges;
    s->nweak = k->nweak;
    s->nroots = k->nroots;
    s->ntypes = k->ntypes;
    s->strings_len = k->strings_len;
    s->nthreads = k->nthreads;
    s->nframes = k->nframes;
    s->nfds = k->nfds;
    s->nresources = k->nresources;
    if (k->nthreads > len || k->nframes > len || k->nfds > len || k->nresources > len) {
        st = bad(err, "the snapshot is corrupt: impossible counts");
        goto fail;
    }
    if ((st = get_section(base, table, h.nsections, SEC_META, sizeof s->meta, 1, &p, err)) != GS_OK)
        goto fail;
    memcpy(&s->meta, p, sizeof s->meta);
    /* Text fields are used as C strings: terminate them whatever the file says. */
    s->meta.python[sizeof s->meta.python - 1] = '\0';
    s->meta.python_build[sizeof s->meta.python_build - 1] = '\0';
    s->meta.binary[sizeof s->meta.binary - 1] = '\0';
    s->meta.hostname[sizeof s->meta.hostname - 1] = '\0';
    s->meta.build[sizeof s->meta.build - 1] = '\0';
    GET(SEC_ADDR, addr, s->nobjects);
    GET(SEC_TYPE, type, s->nobjects);
    GET(SEC_SIZE, size, s->nobjects);
    GET(SEC_REFCNT, refcnt, s->nobjects);
    GET(SEC_EXPLAINED, explained, s->nobjects);
    GET(SEC_FLAGS, flags, s->nobjects);
    GET(SEC_PREVIEW, preview, s->nobjects);
    GET(SEC_BY_ADDR, by_addr, s->nobjects);
    GET(SEC_OUT_OFF, out_off, s->nobjects + 1);
    GET(SEC_OUT_DST, out_dst, s->nedges);
    GET(SEC_OUT_LABEL, out_label, s->nedges);
    GET(SEC_IN_OFF, in_off, s->nobjects + 1);
    GET(SEC_IN_SRC, in_src, s->nedges);
    GET(SEC_WEAK_SRC, weak_src, s->nweak);
    GET(SEC_WEAK_DST, weak_dst, s->nweak);
    GET(SEC_ROOTS, roots, s->nroots);
    GET(SEC_TYPES, types, s->ntypes);
    GET(SEC_STRINGS, strings, s->strings_len);
    GET(SEC_THREADS, threads, s->nthreads);
    GET(SEC_FRAMES, frames, s->nframes);
    GET(SEC_FDS, fds, s->nfds);
    GET(SEC_RESOURCES, resources, s->nresources);
#undef GET
    /* From a core file: one entry, or none for a live process. */
    for (uint32_t i = 0; i < h.nsections; i++) {
        if (table[i].id != SEC_CORE)
            continue;
        if (table[i].elem_size != sizeof *s->core || table[i].count != 1) {
            st = bad(err, "the snapshot is corrupt: bad core section");
            goto fail;
        }
        s->core = (void *)(base + table[i].offset);
        /* Text fields are used as C strings: each must end inside its field. */
        const struct gs_snap_core *c = s->core;
        if (!memchr(c->path, 0, sizeof c->path) || !memchr(c->exe, 0, sizeof c->exe) ||
            !memchr(c->cmdline, 0, sizeof c->cmdline) || !memchr(c->comm, 0, sizeof c->comm)) {
            st = bad(err, "the snapshot is corrupt: unterminated text in the core section");
            goto fail;
        }
    }
    uint64_t nmem, nslack, ncontent;
    const void *pmem;
#define COUNTED(ID, FIELD, COUNTVAR)                                                                     \
    do {                                                                                                 \
        if ((st = get_counted(base, table, h.nsections, ID, (uint32_t)sizeof *s->FIELD, &p, &COUNTVAR, err)) != GS_OK) \
            goto fail;                                                                                   \
        s->FIELD = (void *)p;                                                                            \
    } while (0)
    if ((st = get_counted(base, table, h.nsections, SEC_MEMORY, sizeof s->memory, &pmem, &nmem, err)) != GS_OK)
        goto fail;
    if (nmem == 1) {
        memcpy(&s->memory, pmem, sizeof s->memory);
        s->memory.present = 1;
        s->memory.tm_why[sizeof s->memory.tm_why - 1] = '\0';
        s->memory.pymalloc.why[sizeof s->memory.pymalloc.why - 1] = '\0';
        COUNTED(SEC_MAPPINGS, mappings, s->nmappings);
        COUNTED(SEC_ARENAS, arenas, s->narenas);
        COUNTED(SEC_TM_TRACES, tm_traces, s->ntm_traces);
        COUNTED(SEC_TM_TRACEBACKS, tm_tracebacks, s->ntm_tracebacks);
        COUNTED(SEC_TM_FRAMES, tm_frames, s->ntm_frames);
        COUNTED(SEC_SLACK, slack, nslack);
        COUNTED(SEC_CONTENT, content, ncontent);
        if ((nslack && nslack != s->nobjects) || (ncontent && ncontent != s->nobjects)) {
            st = bad(err, "the snapshot is corrupt: per-object memory sections of the wrong length");
            goto fail;
        }
        COUNTED(SEC_CONSTANTS, constants, s->nconstants);
        uint64_t nmi;
        const void *pmi;
        if ((st = get_counted(base, table, h.nsections, SEC_MIMALLOC, sizeof s->mimalloc, &pmi, &nmi, err)) != GS_OK)
            goto fail;
        if (nmi > 1) {
            st = bad(err, "the snapshot is corrupt: more than one mimalloc entry");
            goto fail;
        }
        if (nmi == 1) {
            memcpy(&s->mimalloc, pmi, sizeof s->mimalloc);
            s->mimalloc.why[sizeof s->mimalloc.why - 1] = '\0';
            s->mimalloc.first_problem[sizeof s->mimalloc.first_problem - 1] = '\0';
            if (s->mimalloc.nclasses > GS_PY_MI_MAX_CLASSES) {
                st = bad(err, "the snapshot is corrupt: bad mimalloc size classes");
                goto fail;
            }
        }
        COUNTED(SEC_MI_PAGES, mi_pages, s->nmi_pages);
        for (uint64_t i = 0; i < s->nmi_pages; i++) {
            const struct gs_py_mimalloc_page_rec *pg = &s->mi_pages[i];
            if (pg->used > pg->capacity || !pg->block_size || pg->bytes > (1ull << 40) ||
                (uint64_t)pg->capacity * pg->block_size > pg->bytes || pg->resident > pg->bytes ||
                (i && pg->start <= s->mi_pages[i - 1].start)) {
                st = bad(err, "the snapshot is corrupt: bad mimalloc page entry");
                goto fail;
            }
        }
        for (uint64_t i = 0; i < s->nconstants; i++) {
            const struct gs_snap_constant *cv = &s->constants[i];
            if (cv->node >= s->nobjects || !cv->items || !cv->item_size || cv->item_size > 8 ||
                cv->items > UINT64_MAX / cv->item_size || cv->items * cv->item_size > s->size[cv->node]) {
                /* (the data is part of the object's size, so that the
                 * sums stay below the sizes' bound) */
                st = bad(err, "the snapshot is corrupt: bad constant-value entry");
                goto fail;
            }
        }
    } else if (nmem > 1) {
        st = bad(err, "the snapshot is corrupt: more than one memory section");
        goto fail;
    }
#undef COUNTED
    for (uint32_t i = 0; i < h.nsections; i++) {
        if (!IS_STORED(table[i].id))
            continue;
        s->stored[table[i].id - SEC_STORED_FIRST] =
            (struct gs_stored_section){base + table[i].offset, table[i].count, table[i].checksum, table[i].id,
                                       table[i].elem_size};
    }
    if ((st = check_content(s, err)) != GS_OK)
        goto fail;
    s->mapping = map;
    s->mapping_len = len;
    *out = s;
    return GS_OK;
fail:
    free(s);
    return st;
}

gs_status gs_snapfile_load(const char *path, struct gs_snapshot **out, gs_error *err)
{
    int fd;
    gs_status opened = gs_open_regular_input(path, "snapshot", GS_ERR_SNAPSHOT, &fd, err);
    if (opened != GS_OK)
        return opened;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return gs_fail(err, GS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    if (st.st_size < (off_t)sizeof(struct file_header)) {
        close(fd);
        return gs_fail(err, GS_ERR_SNAPSHOT, "%s is not a gcscope snapshot: the file is too short", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return gs_fail(err, GS_ERR_IO, "cannot map %s: %s", path, strerror(errno));
    gs_status s = load_mapping(map, (size_t)st.st_size, out, err);
    if (s != GS_OK) {
        munmap(map, (size_t)st.st_size);
        gs_error_prefix(err, "%s", path);
    }
    return s;
}

gs_status gs_snapfile_load_buffer(const void *data, size_t len, struct gs_snapshot **out, gs_error *err)
{
    /* A private anonymous copy, 64-byte aligned like a mapped file. */
    size_t maplen = len ? len : 1;
    void *map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return gs_fail(err, GS_ERR_NOMEM, "cannot allocate %zu bytes", len);
    memcpy(map, data, len);
    gs_status s = load_mapping(map, len, out, err);
    if (s != GS_OK)
        munmap(map, maplen);
    else
        (*out)->mapping_len = maplen;
    return s;
}

int gs_snapfile_sniff(const char *path)
{
    char magic[8];
    /* Never blocks: a FIFO or a device is simply not a snapshot. */
    int fd;
    if (gs_open_regular_input(path, "snapshot", GS_ERR_SNAPSHOT, &fd, NULL) != GS_OK)
        return 0;
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == (ssize_t)sizeof magic && memcmp(magic, GS_SNAPFILE_MAGIC, 8) == 0;
}
