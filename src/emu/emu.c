/* emu.c: the Unicorn engine behind emu.h.
 *
 * Two engines share one view of memory: `main` runs batches through the
 * driver loop (no memory hooks, so translated code reads memory at full
 * speed; two code hooks, each on one instruction of the driver, gather the
 * results: Unicorn instruments only the instructions a code hook's range
 * covers), `probe` runs single functions with a memory-read hook (labels).
 * Hooks are kept apart because adding or removing a hook in Unicorn can
 * drop the translated code or slow every later access.
 *
 * Speed, measured on mypy's heap (Debian python3.11, 107k objects): what
 * costs is each guest memory access Unicorn 2.0.1 cannot do inline. A
 * store to RAM runs its self-modifying-code check (notdirty_write, which
 * allocates and frees a tree), so the main engine's stack is MMIO (a load
 * or store is two callbacks, cheaper than one such store) and the driver
 * stores nothing (its hooks keep the referents on the host). Every such
 * access also looks its region up (memory_mapping: a binary search after
 * a one-entry cache that stays at the lowest region), so the stack is the
 * lowest region mapped (find_gap).
 *
 * Time bounds: a watchdog thread looks at the driver's current object
 * every millisecond and stops the engine (uc_emu_stop, which Unicorn's
 * own timeouts call from another thread) when one object has used more
 * than opts.object_seconds of the emulating thread's CPU time (at Unicorn's
 * speed, tens of millions of instructions: the instruction bound), or the
 * build's emulation budget is spent. CPU time, not wall time, so that a
 * loaded machine does not turn a slow traverse into an "unknown". No
 * instruction count hook is installed: Unicorn implements it as a
 * callback on every instruction, which would cost more than the traverse.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include <unicorn/unicorn.h>

#include "emu/emu.h"
#include "emu/emu_layout.h"
#include "emu/files.h"
#include "util/addrmap.h"
#include "util/alloc.h"

extern const unsigned char gs_emu_driver_code[], gs_emu_driver_end[];
extern const uint64_t gs_emu_driver_visit_off, gs_emu_driver_returned_off, gs_emu_driver_done_off;

#define PAGE 4096u
#define WINDOW (1u << 20) /* lazily mapped unit of a file's bytes (read and copied whole) */
/* The unit of the image, mapped in place (main engine) or as MMIO (probe
 * engine), so larger costs nothing: each mapping costs Unicorn work in
 * proportion to the regions it has (the flat view is rendered again), and
 * on a small heap mapping was most of the emulation. */
#define IMAGE_WINDOW (16u << 20)
#define BATCH 4096u       /* objects per driver start */
#define STACK_SIZE (256u << 10)
#define MAX_STRIKES 2 /* limit hits after which a traverse function is not run again */

/* The scratch area, at `scr` in the emulated address space. The stack
 * comes first: it is the memory the traverses write, and the lowest
 * region mapped in the main engine (see find_gap) is the one Unicorn
 * 2.0.1 finds without a search on each such access (memory_mapping
 * tries mapped_blocks[0] first, and nothing ever moves that index). */
#define SCR_STACK 0x0000u
#define SCR_CODE STACK_SIZE
#define SCR_CTL (SCR_CODE + EMU_CTL_OFFSET)
#define SCR_TLS (SCR_CODE + 0x2000u) /* the thread pointer (%fs) points here: canaries read %fs:0x28 */
#define SCR_TABLE (SCR_CODE + 0x3000u)
#define SCR_SIZE (SCR_TABLE + BATCH * 16u)
/* The lowest address the scratch area may take: a traverse that reads
 * through a NULL pointer plus an offset below it still faults. */
#define SCR_LOWEST (1u << 20)

static const char *const outcome_texts[] = {
#define GS_EMU_OUTCOME_TEXT(k, text) text,
    GS_EMU_OUTCOMES(GS_EMU_OUTCOME_TEXT)
#undef GS_EMU_OUTCOME_TEXT
};

static const char *const outcome_keys[] = {"ok",      "not_file_code", "fault_read", "fault_write", "fault_fetch",
                                           "syscall", "trap",          "limit",      "too_many",    "returned",
                                           "budget",  "type_disabled", "engine"};
_Static_assert(sizeof outcome_keys / sizeof outcome_keys[0] == GS_EMU_OUTCOME_COUNT, "one key per outcome");

const char *gs_emu_outcome_text(unsigned o) { return o < GS_EMU_OUTCOME_COUNT ? outcome_texts[o] : "?"; }
const char *gs_emu_outcome_key(unsigned o) { return o < GS_EMU_OUTCOME_COUNT ? outcome_keys[o] : "?"; }

void gs_emu_opts_default(struct gs_emu_opts *o)
{
    o->object_seconds = 0.2;
    o->total_seconds = 30;
    o->max_mapped = 8ull << 30;
    o->max_refs = 1u << 20;
}

struct interval {
    uint64_t start, end;
};

/* One Unicorn instance and what it has mapped. */
struct engine {
    uc_engine *uc;
    struct interval *mapped; /* sorted, disjoint */
    size_t nmapped, capmapped;
    struct gs_emu *e;
    int fault; /* outcome set by a hook, or -1 */
    /* probe only: the 8-byte loads from [probe_obj + probe_lo, probe_obj + probe_hi) */
    bool is_probe;
    uint64_t probe_lo, probe_hi, probe_obj;
    struct {
        uint64_t offset, value;
    } loads[64];
    size_t nloads;
};

struct result {
    uint64_t obj;
    uint64_t off;
    uint32_t n;
    uint8_t outcome;
};

struct gs_emu {
    struct engine main, probe;
    gs_reader *img;
    const gs_maps *maps;
    const struct gs_emu_files *files;
    struct gs_emu_opts opts;
    uint64_t scr, scr_size;
    unsigned char *scr_host; /* the scratch area's memory (shared by both engines) */
    /* the batch being run, and what the main engine's hooks gathered of it */
    const uint64_t *batch;   /* the objects of the table */
    size_t cur;              /* the object being traversed */
    uint64_t *buf;           /* its referents so far */
    size_t nbuf, capbuf;
    struct owned {
        void *host;
        size_t size;
        uint64_t addr; /* a file window's address (0 otherwise): both engines share it */
    } *owned;              /* host copies of windows, freed with the engine */
    size_t nowned, capowned;
    /* The probe engine's view of the image: MMIO regions (each knows its
     * base) over the image, and the words its getters wrote. */
    struct probe_region {
        gs_emu *e;
        uint64_t base;
    } **regions;
    size_t nregions, capregions;
    struct overlay {
        uint64_t *keys, *vals; /* 8-aligned word address (never 0) -> its bytes */
        size_t cap, n;         /* cap is a power of two */
    } overlay;
    uint64_t mapped_bytes;
    /* results */
    gs_addrmap index; /* object -> result number + 1 */
    struct result *res;
    size_t nres, capres;
    uint64_t *refs;
    size_t nrefs, caprefs;
    gs_addrmap strikes; /* traverse function -> limit hits */
    /* watchdog */
    pthread_t wd;
    clockid_t cpu_clock; /* the emulating thread's CPU time: limits hold on a busy machine too */
    pthread_mutex_t lock;
    bool wd_started, quit, running;
    uint64_t run_id, wd_run, wd_cur;
    double wd_since, deadline;
    bool wd_fired, budget_fired;
    struct gs_emu_stats stats;
};

/* Seconds of CPU time the emulating thread has used. */
static double cpu_now(const gs_emu *e)
{
    struct timespec ts;
    if (clock_gettime(e->cpu_clock, &ts) != 0)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile uint64_t *ctl(gs_emu *e, unsigned field) { return (volatile uint64_t *)(e->scr_host + SCR_CTL + field); }

/* --- lazy mapping ---------------------------------------------------------- */

static size_t interval_pos(const struct engine *g, uint64_t addr)
{
    /* first interval whose end > addr */
    size_t lo = 0, hi = g->nmapped;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->mapped[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void interval_add(struct engine *g, uint64_t start, uint64_t end)
{
    size_t i = interval_pos(g, start);
    if (g->nmapped == g->capmapped) {
        g->capmapped = g->capmapped ? g->capmapped * 2 : 64;
        g->mapped = gs_xreallocarray(g->mapped, g->capmapped, sizeof *g->mapped);
    }
    memmove(&g->mapped[i + 1], &g->mapped[i], (g->nmapped - i) * sizeof *g->mapped);
    g->mapped[i] = (struct interval){start, end};
    g->nmapped++;
}

/* Fresh memory for a window. `populate`: it will be written whole now, so
 * the kernel fills it in one call: a page fault per page costs more than
 * the copy (tens of microseconds each on a virtual machine). */
static void *own(gs_emu *e, size_t size, bool populate, uint64_t file_addr)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1,
                   0);
    if (p == MAP_FAILED)
        return NULL;
    if (e->nowned == e->capowned) {
        e->capowned = e->capowned ? e->capowned * 2 : 64;
        e->owned = gs_xreallocarray(e->owned, e->capowned, sizeof *e->owned);
    }
    e->owned[e->nowned++] = (struct owned){p, size, file_addr};
    return p;
}

/* A file window the other engine already read, or NULL. */
static void *shared_file_window(const gs_emu *e, uint64_t addr, size_t size)
{
    for (size_t i = 0; i < e->nowned; i++)
        if (e->owned[i].addr == addr && e->owned[i].size == size)
            return e->owned[i].host;
    return NULL;
}

/* Where the bytes of one page come from. */
enum source { SRC_NONE, SRC_IMAGE, SRC_FILE };

static enum source page_source(gs_emu *e, uint64_t page, const gs_map *m, const struct gs_emu_fmap *fm, bool code)
{
    if (code)
        return fm ? SRC_FILE : SRC_NONE;
    if (gs_view(e->img, page, PAGE))
        return SRC_IMAGE;
    unsigned char probe;
    if (gs_read(e->img, page, &probe, 1) == 1)
        return SRC_IMAGE;
    /* A read-only file page the capture did not copy was never written
     * (a written private page would be anonymous memory, and copied). */
    if (fm && !(m->perms & GS_MAP_WRITE))
        return SRC_FILE;
    return SRC_NONE;
}

/* Copy [lo, hi) of the image into fresh zeroed memory, page by page,
 * skipping the pages that are all zeros (pages the target never touched):
 * they stay untouched here too, and cost nothing until read. */
static void copy_image(gs_emu *e, uint64_t lo, uint64_t hi, unsigned char *host)
{
    static const unsigned char zeros[PAGE];
    for (uint64_t p = lo; p < hi; p += PAGE) {
        const void *v = gs_view(e->img, p, PAGE);
        unsigned char buf[PAGE];
        if (!v) {
            if (gs_read(e->img, p, buf, PAGE) != PAGE || memcmp(buf, zeros, PAGE) == 0)
                continue;
            v = buf;
        }
        memcpy(host + (p - lo), v, PAGE);
        e->stats.copied_bytes += PAGE;
    }
}

/* Does the image hold the page at p in one piece, page-aligned in
 * gcscope's memory (so that Unicorn can map it in place)? */
static bool aligned_page(gs_emu *e, uint64_t p)
{
    const void *v = gs_view(e->img, p, PAGE);
    return v && ((uintptr_t)v & (PAGE - 1)) == 0;
}

/* Map [lo, hi) of the image read-only into the main engine without
 * copying: each stretch the image holds in one piece is handed to Unicorn
 * as it is (the emulator cannot write it: no UC_PROT_WRITE); a stretch it
 * does not hold (pages the target never touched) or holds unaligned gets
 * fresh memory with its bytes. Copying megabytes of windows cost more than
 * all the traverses together: each new page is a page fault. */
static int map_image(struct engine *g, uint64_t lo, uint64_t hi)
{
    gs_emu *e = g->e;
    for (uint64_t p = lo, q; p < hi; p = q) {
        const void *v = gs_view(e->img, p, PAGE);
        void *host;
        q = p + PAGE;
        if (v && ((uintptr_t)v & (PAGE - 1)) == 0) {
            while (q < hi && gs_view(e->img, p, (size_t)(q + PAGE - p)))
                q += PAGE;
            host = (void *)(uintptr_t)v;
        } else {
            /* Up to the next page held aligned. A core written by gdb's gcore
             * holds its segments at offsets that are not page-aligned: every
             * page is a view there, none usable as is, and a piece per page
             * made Unicorn's region list (searched linearly on each new
             * mapping) cost seconds. */
            while (q < hi && !aligned_page(e, q))
                q += PAGE;
            host = own(e, (size_t)(q - p), false, 0); /* mostly zeros: touched only where copied */
            if (host)
                copy_image(e, p, q, host);
        }
        if (!host || uc_mem_map_ptr(g->uc, p, (size_t)(q - p), UC_PROT_READ, host) != UC_ERR_OK) {
            if (p > lo) /* all or nothing: the window is not recorded as mapped */
                uc_mem_unmap(g->uc, lo, (size_t)(p - lo));
            return host ? GS_EMU_ENGINE : GS_EMU_BUDGET;
        }
        e->stats.pieces++;
    }
    return GS_EMU_OK;
}

/* --- the probe engine's image ------------------------------------------------ */

static bool overlay_get(const struct overlay *o, uint64_t w, uint64_t *v)
{
    if (!o->cap)
        return false;
    for (size_t j = gs_addrmap_hash(w) & (o->cap - 1); o->keys[j]; j = (j + 1) & (o->cap - 1))
        if (o->keys[j] == w) {
            *v = o->vals[j];
            return true;
        }
    return false;
}

static void overlay_put(struct overlay *o, uint64_t w, uint64_t v)
{
    if ((o->n + 1) * 2 > o->cap) {
        struct overlay g = {0};
        g.cap = o->cap ? o->cap * 2 : 256;
        g.keys = gs_xcalloc(g.cap, sizeof *g.keys);
        g.vals = gs_xcalloc(g.cap, sizeof *g.vals);
        for (size_t i = 0; i < o->cap; i++)
            if (o->keys[i])
                overlay_put(&g, o->keys[i], o->vals[i]);
        free(o->keys);
        free(o->vals);
        *o = g;
    }
    size_t j = gs_addrmap_hash(w) & (o->cap - 1);
    while (o->keys[j] && o->keys[j] != w)
        j = (j + 1) & (o->cap - 1);
    if (!o->keys[j]) {
        o->keys[j] = w;
        o->n++;
    }
    o->vals[j] = v;
}

/* The 8-aligned word w as the probe engine sees it: its last store, else
 * the image's bytes; zeros in a page the image does not hold whole (what
 * copy_image leaves there). */
static uint64_t probe_word(gs_emu *e, uint64_t w)
{
    uint64_t v = 0, page = w & ~(uint64_t)(PAGE - 1);
    if (overlay_get(&e->overlay, w, &v))
        return v;
    const unsigned char *p = gs_view(e->img, page, PAGE);
    if (p) {
        memcpy(&v, p + (w - page), 8);
        return v;
    }
    unsigned char buf[PAGE];
    if (gs_read(e->img, page, buf, PAGE) == PAGE)
        memcpy(&v, buf + (w - page), 8);
    return v;
}

/* MMIO callbacks of a probe region: Unicorn splits accesses at pages and
 * into 4 bytes at most, so one spans two words at most, in one page. The
 * host is little-endian (x86-64). */
static uint64_t on_probe_mmio_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
    const struct probe_region *r = user;
    uint64_t addr = r->base + off, w = addr & ~(uint64_t)7;
    unsigned sh = (unsigned)(addr & 7);
    unsigned char bytes[16];
    if (size == 0 || size > 8)
        return 0;
    uint64_t lo = probe_word(r->e, w);
    memcpy(bytes, &lo, 8);
    if (sh + size > 8) {
        uint64_t hi = probe_word(r->e, w + 8);
        memcpy(bytes + 8, &hi, 8);
    }
    uint64_t v = 0;
    memcpy(&v, bytes + sh, size);
    return v;
}

static void on_probe_mmio_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *user)
{
    const struct probe_region *r = user;
    uint64_t addr = r->base + off, w = addr & ~(uint64_t)7;
    unsigned sh = (unsigned)(addr & 7);
    unsigned char bytes[16];
    if (size == 0 || size > 8)
        return;
    uint64_t lo = probe_word(r->e, w), hi = 0;
    memcpy(bytes, &lo, 8);
    if (sh + size > 8) {
        hi = probe_word(r->e, w + 8);
        memcpy(bytes + 8, &hi, 8);
    }
    memcpy(bytes + sh, &value, size);
    memcpy(&lo, bytes, 8);
    overlay_put(&r->e->overlay, w, lo);
    if (sh + size > 8) {
        memcpy(&hi, bytes + 8, 8);
        overlay_put(&r->e->overlay, w + 8, hi);
    }
}

/* Map the window around addr into engine g. Returns an outcome on failure
 * (GS_EMU_OK on success). */
static int map_window_at(struct engine *g, uint64_t addr, bool fetch)
{
    gs_emu *e = g->e;
    const gs_map *m = gs_maps_find(e->maps, addr);
    if (!m || !(m->perms & GS_MAP_READ))
        return fetch ? GS_EMU_FAULT_FETCH : GS_EMU_FAULT_READ;
    const struct gs_emu_fmap *fm = gs_emu_files_find(e->files, addr);
    if (fm && (fm->start != m->start || fm->end != m->end))
        fm = NULL; /* the maps changed between the two reads: trust neither */
    /* Code is whatever is executable in a file mapping, read from the file:
     * never anonymous or writable memory. */
    bool code = (m->perms & GS_MAP_EXEC) && !(m->perms & GS_MAP_WRITE) && m->path[0] == '/';
    if (fetch && (!code || !fm))
        return GS_EMU_FAULT_FETCH;
    uint64_t page = addr & ~(uint64_t)(PAGE - 1);
    enum source src = page_source(e, page, m, fm, code);
    if (src == SRC_NONE)
        return fetch ? GS_EMU_FAULT_FETCH : GS_EMU_FAULT_READ;
    uint64_t window = src == SRC_IMAGE ? IMAGE_WINDOW : WINDOW;
    uint64_t lo = addr & ~(window - 1), hi = lo + window;
    if (lo < m->start)
        lo = m->start;
    if (hi > m->end)
        hi = m->end;
    size_t i = interval_pos(g, page);
    if (i < g->nmapped && g->mapped[i].start <= page)
        return fetch ? GS_EMU_FAULT_FETCH : GS_EMU_FAULT_READ; /* mapped already: a real fault */
    if (i > 0 && g->mapped[i - 1].end > lo)
        lo = g->mapped[i - 1].end;
    if (i < g->nmapped && g->mapped[i].start < hi)
        hi = g->mapped[i].start;
    /* Keep to pages with the same source, around addr; in the main engine,
     * image pages held in place apart from the others (a page the target
     * never had resident reads as zeros, and would need a zeroed region of
     * its own, mapped only if a traverse touches it: each region mapped
     * costs, see IMAGE_WINDOW). */
    bool split = src == SRC_IMAGE && !g->is_probe, in_place = split && aligned_page(e, page);
#define SAME_SOURCE(p) (page_source(e, (p), m, fm, code) == src && (!split || aligned_page(e, (p)) == in_place))
    uint64_t first = page;
    while (first > lo && SAME_SOURCE(first - PAGE))
        first -= PAGE;
    lo = first;
    for (uint64_t p = page + PAGE; p < hi; p += PAGE)
        if (!SAME_SOURCE(p)) {
            hi = p;
            break;
        }
#undef SAME_SOURCE
    size_t size = (size_t)(hi - lo);
    if (e->mapped_bytes + size > e->opts.max_mapped)
        return GS_EMU_BUDGET;
    uint32_t perms = code ? UC_PROT_READ | UC_PROT_EXEC : UC_PROT_READ;
    if (src == SRC_IMAGE && !g->is_probe) {
        int r = map_image(g, lo, hi);
        if (r != GS_EMU_OK)
            return r;
    } else if (src == SRC_IMAGE) {
        /* The probe engine: getters write (reference counts), so they see
         * the image through MMIO, their stores kept in the overlay. Copies
         * of windows cost more: Unicorn's work per region mapped grows with
         * the regions it has (find_ram_offset is quadratic in them), and
         * small copied windows made hundreds. */
        if (e->nregions == e->capregions) {
            e->capregions = e->capregions ? e->capregions * 2 : 64;
            e->regions = gs_xreallocarray(e->regions, e->capregions, sizeof *e->regions);
        }
        struct probe_region *r = gs_xcalloc(1, sizeof *r);
        *r = (struct probe_region){e, lo};
        e->regions[e->nregions++] = r;
        if (uc_mmio_map(g->uc, lo, size, on_probe_mmio_read, r, on_probe_mmio_write, r) != UC_ERR_OK)
            return GS_EMU_ENGINE;
    } else {
        /* File bytes, read once and shared by both engines. */
        void *host = src == SRC_FILE ? shared_file_window(e, lo, size) : NULL;
        if (host) {
            /* read by the other engine: never written (no UC_PROT_WRITE on file windows) */
        } else {
            host = own(e, size, true, 0);
            if (!host)
                return GS_EMU_BUDGET;
            if (!gs_emu_files_read(fm, lo, host, size))
                return fetch ? GS_EMU_FAULT_FETCH : GS_EMU_FAULT_READ;
            e->owned[e->nowned - 1].addr = lo; /* read whole: the other engine may share it */
            e->stats.file_bytes += size;
        }
        if (uc_mem_map_ptr(g->uc, lo, size, perms, host) != UC_ERR_OK)
            return GS_EMU_ENGINE;
    }
    interval_add(g, lo, hi);
    e->mapped_bytes += size;
    e->stats.mapped_bytes = e->mapped_bytes;
    e->stats.mappings++;
    return GS_EMU_OK;
}

static int map_window(struct engine *g, uint64_t addr, bool fetch)
{
    double t0 = cpu_now(g->e);
    int r = map_window_at(g, addr, fetch);
    g->e->stats.map_seconds += cpu_now(g->e) - t0;
    return r;
}

/* --- hooks ------------------------------------------------------------------ */

static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct engine *g = user;
    if (type == UC_MEM_WRITE_UNMAPPED) {
        g->fault = GS_EMU_FAULT_WRITE;
        return false;
    }
    int r = map_window(g, addr, type == UC_MEM_FETCH_UNMAPPED);
    if (r != GS_EMU_OK) {
        g->fault = r;
        return false;
    }
    return true;
}

static bool on_prot(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct engine *g = user;
    g->fault = type == UC_MEM_WRITE_PROT ? GS_EMU_FAULT_WRITE
               : type == UC_MEM_FETCH_PROT ? GS_EMU_FAULT_FETCH
                                           : GS_EMU_FAULT_READ;
    return false;
}

static void on_syscall(uc_engine *uc, void *user)
{
    struct engine *g = user;
    g->fault = GS_EMU_SYSCALL;
    uc_emu_stop(uc);
}

static void on_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct engine *g = user;
    g->fault = GS_EMU_TRAP;
    uc_emu_stop(uc);
}

static bool on_invalid(uc_engine *uc, void *user)
{
    struct engine *g = user;
    g->fault = GS_EMU_TRAP;
    return false;
}

/* The 8 bytes at addr (8-aligned) as the probe engine sees them: through
 * the overlay where the image holds the page (an MMIO region), else from
 * the engine (a file window). */
static bool probe_load(gs_emu *e, uc_engine *uc, uint64_t addr, uint64_t *v)
{
    uint64_t page = addr & ~(uint64_t)(PAGE - 1);
    unsigned char probe;
    if (gs_view(e->img, page, PAGE) || gs_read(e->img, page, &probe, 1) == 1) {
        *v = probe_word(e, addr);
        return true;
    }
    return uc_mem_read(uc, addr, v, 8) == UC_ERR_OK;
}

static void on_probe_read(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
    struct engine *g = user;
    uint64_t v;
    if (size == 8 && addr >= g->probe_obj + g->probe_lo && addr < g->probe_obj + g->probe_hi && !(addr & 7) &&
        g->nloads < sizeof g->loads / sizeof g->loads[0] && probe_load(g->e, uc, addr, &v)) {
        g->loads[g->nloads].offset = addr - g->probe_obj;
        g->loads[g->nloads].value = v;
        g->nloads++;
    }
}

/* The main engine's hooks at the driver's `visit` and `returned` (driver.S). */
static void record(gs_emu *e, uint64_t obj, int outcome, const uint64_t *refs, size_t n);

static void on_visit(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    gs_emu *e = user;
    uint64_t rdi;
    if (e->main.fault >= 0)
        return;
    if (e->nbuf >= e->opts.max_refs) {
        e->main.fault = GS_EMU_TOO_MANY;
        uc_emu_stop(uc);
        return;
    }
    if (e->nbuf == e->capbuf) {
        e->capbuf = e->capbuf ? e->capbuf * 2 : 1024;
        e->buf = gs_xreallocarray(e->buf, e->capbuf, sizeof *e->buf);
    }
    uint64_t rsp, ret;
    int regs[2] = {UC_X86_REG_RDI, UC_X86_REG_RSP};
    void *vals[2] = {&rdi, &rsp};
    uc_reg_read_batch(uc, regs, vals, 2);
    /* visit's return address, for its `jmp *%rcx` (driver.S): the top of
     * the stack, read here from the stack's host memory. A stack pointer
     * outside the stack (a traverse that switched stacks) is a fault. */
    uint64_t off = rsp - (e->scr + SCR_STACK);
    if (rsp < e->scr + SCR_STACK || off > STACK_SIZE - 8) {
        e->main.fault = GS_EMU_FAULT_READ;
        uc_emu_stop(uc);
        return;
    }
    memcpy(&ret, e->scr_host + SCR_STACK + off, 8);
    uc_reg_write(uc, UC_X86_REG_RCX, &ret);
    e->buf[e->nbuf++] = rdi;
}

static void on_returned(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    gs_emu *e = user;
    uint64_t rax, next;
    if (e->main.fault >= 0)
        return;
    uc_reg_read(uc, UC_X86_REG_RAX, &rax);
    if ((uint32_t)rax != 0)
        record(e, e->batch[e->cur], GS_EMU_RETURNED, NULL, 0);
    else
        record(e, e->batch[e->cur], GS_EMU_OK, e->buf, e->nbuf);
    e->nbuf = 0;
    next = ++e->cur;
    *ctl(e, EMU_CTL_CUR) = next; /* the watchdog sees progress */
    uc_reg_write(uc, UC_X86_REG_RBX, &next);
}

/* The main engine's stack, as MMIO: a store to RAM costs more than a
 * load and a store through these (notdirty_write, driver.S). Offsets are
 * within [0, STACK_SIZE) by Unicorn's own bounds; checked anyway. The
 * host is little-endian (x86-64). */
static uint64_t on_stack_read(uc_engine *uc, uint64_t off, unsigned size, void *user)
{
    const unsigned char *p = ((gs_emu *)user)->scr_host + SCR_STACK + off;
    if (off > STACK_SIZE - 8)
        return 0;
    /* Fixed sizes, so that each copy is one load (Unicorn asks for 4 bytes
     * at most: an 8-byte access comes as two). */
    switch (size) {
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case 8: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 1:
        return *p;
    default:
        return 0;
    }
}

static void on_stack_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *user)
{
    unsigned char *p = ((gs_emu *)user)->scr_host + SCR_STACK + off;
    if (off > STACK_SIZE - 8)
        return;
    switch (size) {
    case 4: {
        uint32_t v = (uint32_t)value;
        memcpy(p, &v, 4);
        break;
    }
    case 8:
        memcpy(p, &value, 8);
        break;
    case 2: {
        uint16_t v = (uint16_t)value;
        memcpy(p, &v, 2);
        break;
    }
    case 1:
        *p = (unsigned char)value;
        break;
    default:
        break;
    }
}

/* --- watchdog ------------------------------------------------------------- */

static void *watchdog(void *arg)
{
    gs_emu *e = arg;
    struct timespec ms = {0, 1000000};
    for (;;) {
        nanosleep(&ms, NULL);
        pthread_mutex_lock(&e->lock);
        if (e->quit) {
            pthread_mutex_unlock(&e->lock);
            return NULL;
        }
        if (e->running) {
            struct timespec ts;
            if (clock_gettime(e->cpu_clock, &ts) != 0)
                clock_gettime(CLOCK_MONOTONIC, &ts);
            double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
            uint64_t cur = *ctl(e, EMU_CTL_CUR);
            if (e->wd_run != e->run_id || e->wd_cur != cur) {
                e->wd_run = e->run_id;
                e->wd_cur = cur;
                e->wd_since = t;
            } else if (t - e->wd_since > e->opts.object_seconds && !e->wd_fired) {
                e->wd_fired = true;
                uc_emu_stop(e->main.uc);
                uc_emu_stop(e->probe.uc);
            }
            if (t > e->deadline && !e->budget_fired) {
                e->budget_fired = true;
                uc_emu_stop(e->main.uc);
                uc_emu_stop(e->probe.uc);
            }
        }
        pthread_mutex_unlock(&e->lock);
    }
}

static void set_running(gs_emu *e, bool running)
{
    pthread_mutex_lock(&e->lock);
    e->running = running;
    if (running) {
        e->run_id++;
        e->wd_fired = false;
    }
    pthread_mutex_unlock(&e->lock);
}

/* --- set-up ------------------------------------------------------------------ */

/* A free range of the target's address space for the scratch area: the
 * lowest one from SCR_LOWEST on, so that the scratch area is the lowest
 * region the main engine maps whenever the target leaves room below its
 * first mapping (Debian's non-PIE python3 loads at 4 MiB). */
static uint64_t find_gap(const gs_maps *maps, uint64_t size)
{
    uint64_t prev_end = SCR_LOWEST;
    for (size_t i = 0; i < maps->n; i++) {
        if (maps->v[i].end <= prev_end)
            continue;
        if (maps->v[i].start > prev_end && maps->v[i].start - prev_end >= size + 2 * WINDOW)
            break;
        prev_end = maps->v[i].end;
    }
    prev_end = (prev_end + WINDOW) & ~(uint64_t)(WINDOW - 1);
    return prev_end + size < (1ull << 47) ? prev_end : 0;
}

static bool engine_init(gs_emu *e, struct engine *g, bool probe)
{
    g->e = e;
    g->fault = -1;
    g->is_probe = probe;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &g->uc) != UC_ERR_OK)
        return false;
    uc_hook h;
    bool ok = uc_hook_add(g->uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)on_unmapped, g, 1, 0) == UC_ERR_OK &&
              uc_hook_add(g->uc, &h, UC_HOOK_MEM_PROT, (void *)on_prot, g, 1, 0) == UC_ERR_OK &&
              uc_hook_add(g->uc, &h, UC_HOOK_INSN, (void *)on_syscall, g, 1, 0, UC_X86_INS_SYSCALL) == UC_ERR_OK &&
              uc_hook_add(g->uc, &h, UC_HOOK_INSN, (void *)on_syscall, g, 1, 0, UC_X86_INS_SYSENTER) == UC_ERR_OK &&
              uc_hook_add(g->uc, &h, UC_HOOK_INTR, (void *)on_intr, g, 1, 0) == UC_ERR_OK &&
              uc_hook_add(g->uc, &h, UC_HOOK_INSN_INVALID, (void *)on_invalid, g, 1, 0) == UC_ERR_OK;
    if (ok && probe)
        ok = uc_hook_add(g->uc, &h, UC_HOOK_MEM_READ, (void *)on_probe_read, g, 1, 0) == UC_ERR_OK;
    /* The scratch area: stack (read-write), code (read, execute), control
     * block (read), TLS (read-write) and table (read). The main engine's
     * stack is MMIO, and it has a hook at the driver's visit and return
     * (driver.S). */
    if (probe)
        ok = ok && uc_mem_map_ptr(g->uc, e->scr + SCR_STACK, STACK_SIZE, UC_PROT_READ | UC_PROT_WRITE,
                                  e->scr_host + SCR_STACK) == UC_ERR_OK;
    else
        ok = ok && uc_mmio_map(g->uc, e->scr + SCR_STACK, STACK_SIZE, on_stack_read, e, on_stack_write, e) == UC_ERR_OK;
    ok = ok &&
         uc_mem_map_ptr(g->uc, e->scr + SCR_CODE, PAGE, UC_PROT_READ | UC_PROT_EXEC, e->scr_host + SCR_CODE) ==
             UC_ERR_OK &&
         uc_mem_map_ptr(g->uc, e->scr + SCR_CTL, PAGE, UC_PROT_READ, e->scr_host + SCR_CTL) == UC_ERR_OK &&
         uc_mem_map_ptr(g->uc, e->scr + SCR_TLS, PAGE, UC_PROT_READ | UC_PROT_WRITE, e->scr_host + SCR_TLS) ==
             UC_ERR_OK &&
         uc_mem_map_ptr(g->uc, e->scr + SCR_TABLE, e->scr_size - SCR_TABLE, UC_PROT_READ, e->scr_host + SCR_TABLE) ==
             UC_ERR_OK;
    if (ok && !probe) {
        uint64_t visit = e->scr + SCR_CODE + gs_emu_driver_visit_off;
        uint64_t returned = e->scr + SCR_CODE + gs_emu_driver_returned_off;
        ok = uc_hook_add(g->uc, &h, UC_HOOK_CODE, (void *)on_visit, e, visit, visit) == UC_ERR_OK &&
             uc_hook_add(g->uc, &h, UC_HOOK_CODE, (void *)on_returned, e, returned, returned) == UC_ERR_OK;
    }
    if (ok)
        interval_add(g, e->scr, e->scr + e->scr_size);
    return ok;
}

/* Unicorn maps a 1 GiB buffer for each engine's translated code and asks
 * for huge pages there (QEMU's code buffer), so the few KiB of code an
 * engine writes at its start and after faulted a 2 MiB page: 4 MiB of
 * gcscope's RSS for the two engines, held through the whole build. The
 * engines start with huge pages off for this process (PR_SET_THP_DISABLE,
 * read at fault time), so the code's first 2 MiB stay small pages; they
 * are put back as they were right after. Nothing else faults memory then:
 * the build's other threads start later. */
static int huge_pages_off(void)
{
    int was = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
    if (was == 0 && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
        was = -1; /* not changed: nothing to restore */
    return was;
}

static void huge_pages_restore(int was)
{
    if (was == 0)
        (void)prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
}

gs_emu *gs_emu_new(gs_reader *image, const gs_maps *maps, const struct gs_emu_files *files,
                   const struct gs_emu_opts *opts, const char **why)
{
    gs_emu *e = gs_xcalloc(1, sizeof *e);
    e->img = image;
    e->maps = maps;
    e->files = files;
    if (opts)
        e->opts = *opts;
    else
        gs_emu_opts_default(&e->opts);
    gs_addrmap_init(&e->index);
    gs_addrmap_init(&e->strikes);
    pthread_mutex_init(&e->lock, NULL);
    e->scr_size = SCR_SIZE;
    e->scr = find_gap(maps, e->scr_size);
    void *p = mmap(NULL, e->scr_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!e->scr || p == MAP_FAILED) {
        *why = "no room for the emulator's scratch memory";
        if (p != MAP_FAILED)
            munmap(p, e->scr_size);
        free(e);
        return NULL;
    }
    e->scr_host = p;
    size_t code_len = (size_t)(gs_emu_driver_end - gs_emu_driver_code);
    memcpy(e->scr_host + SCR_CODE, gs_emu_driver_code, code_len);
    *ctl(e, EMU_CTL_TABLE) = e->scr + SCR_TABLE;
    *ctl(e, EMU_CTL_STACK) = e->scr + SCR_STACK + STACK_SIZE - 64;
    int thp = huge_pages_off();
    bool started = engine_init(e, &e->main, false) && engine_init(e, &e->probe, true);
    huge_pages_restore(thp);
    if (!started) {
        *why = "the Unicorn engine could not start";
        gs_emu_free(e);
        return NULL;
    }
    if (pthread_getcpuclockid(pthread_self(), &e->cpu_clock) != 0)
        e->cpu_clock = CLOCK_MONOTONIC;
    e->deadline = cpu_now(e) + e->opts.total_seconds;
    if (pthread_create(&e->wd, NULL, watchdog, e) != 0) {
        *why = "no thread for the emulator's watchdog";
        gs_emu_free(e);
        return NULL;
    }
    e->wd_started = true;
    return e;
}

void gs_emu_free(gs_emu *e)
{
    if (!e)
        return;
    if (e->wd_started) {
        pthread_mutex_lock(&e->lock);
        e->quit = true;
        pthread_mutex_unlock(&e->lock);
        pthread_join(e->wd, NULL);
    }
    if (e->main.uc)
        uc_close(e->main.uc);
    if (e->probe.uc)
        uc_close(e->probe.uc);
    free(e->main.mapped);
    free(e->probe.mapped);
    for (size_t i = 0; i < e->nowned; i++)
        munmap(e->owned[i].host, e->owned[i].size);
    free(e->owned);
    for (size_t i = 0; i < e->nregions; i++)
        free(e->regions[i]);
    free(e->regions);
    free(e->overlay.keys);
    free(e->overlay.vals);
    if (e->scr_host)
        munmap(e->scr_host, e->scr_size);
    gs_addrmap_free(&e->index);
    gs_addrmap_free(&e->strikes);
    free(e->res);
    free(e->refs);
    free(e->buf);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

bool gs_emu_is_file_code(const gs_emu *e, uint64_t fn)
{
    const gs_map *m = gs_maps_find(e->maps, fn);
    const struct gs_emu_fmap *fm = gs_emu_files_find(e->files, fn);
    return m && fm && (m->perms & GS_MAP_EXEC) && !(m->perms & GS_MAP_WRITE) && m->path[0] == '/' &&
           fm->start == m->start;
}

/* --- results ------------------------------------------------------------------ */

/* Append obj's result; index_results makes it findable. */
static void record(gs_emu *e, uint64_t obj, int outcome, const uint64_t *refs, size_t n)
{
    if (e->nres == e->capres) {
        e->capres = e->capres ? e->capres * 2 : 1024;
        e->res = gs_xreallocarray(e->res, e->capres, sizeof *e->res);
    }
    if (outcome != GS_EMU_OK)
        n = 0;
    if (e->nrefs + n > e->caprefs) {
        size_t cap = e->caprefs ? e->caprefs : 4096;
        while (cap < e->nrefs + n)
            cap *= 2;
        e->refs = gs_xreallocarray(e->refs, cap, sizeof *e->refs);
        e->caprefs = cap;
    }
    if (n)
        memcpy(e->refs + e->nrefs, refs, n * sizeof *refs);
    e->res[e->nres++] = (struct result){obj, e->nrefs, (uint32_t)n, (uint8_t)outcome};
    e->nrefs += n;
    e->stats.objects++;
    e->stats.by_outcome[outcome]++;
}

/* Put results [from, nres) into the index, each slot fetched ahead: a
 * lookup in a table of a hundred thousand objects is a cache miss, and
 * several in flight overlap. The first result of an object wins. */
#define INDEX_AHEAD 16
static void index_results(gs_emu *e, size_t from)
{
    for (size_t i = from; i < e->nres; i++) {
        if (i + INDEX_AHEAD < e->nres)
            gs_addrmap_prefetch(&e->index, e->res[i + INDEX_AHEAD].obj);
        if (!gs_addrmap_get(&e->index, e->res[i].obj))
            gs_addrmap_put(&e->index, e->res[i].obj, (uint32_t)(i + 1));
    }
}

int gs_emu_result(const gs_emu *e, uint64_t obj, const uint64_t **refs, size_t *nrefs)
{
    const uint32_t *hit = gs_addrmap_get(&e->index, obj);
    if (!hit)
        return -1;
    const struct result *r = &e->res[*hit - 1];
    *refs = e->refs + r->off;
    *nrefs = r->n;
    return r->outcome;
}

static int outcome_of_error(uc_err err)
{
    switch (err) {
    case UC_ERR_READ_UNMAPPED:
    case UC_ERR_READ_PROT:
    case UC_ERR_READ_UNALIGNED:
        return GS_EMU_FAULT_READ;
    case UC_ERR_WRITE_UNMAPPED:
    case UC_ERR_WRITE_PROT:
    case UC_ERR_WRITE_UNALIGNED:
        return GS_EMU_FAULT_WRITE;
    case UC_ERR_FETCH_UNMAPPED:
    case UC_ERR_FETCH_PROT:
    case UC_ERR_FETCH_UNALIGNED:
        return GS_EMU_FAULT_FETCH;
    case UC_ERR_INSN_INVALID:
    case UC_ERR_EXCEPTION:
        return GS_EMU_TRAP;
    default:
        return GS_EMU_ENGINE;
    }
}

static void strike(gs_emu *e, uint64_t fn)
{
    uint32_t *s = gs_addrmap_get(&e->strikes, fn);
    if (s)
        (*s)++;
    else
        gs_addrmap_put(&e->strikes, fn, 1);
}

static bool disabled(const gs_emu *e, uint64_t fn)
{
    const uint32_t *s = gs_addrmap_get(&e->strikes, fn);
    return s && *s >= MAX_STRIKES;
}

/* Run table[0..k) in the driver, restarting after each failed object.
 * The hooks record each object that returns (on_returned). */
static void run_table(gs_emu *e, const uint64_t *objs, const uint64_t *fns, size_t k)
{
    uint64_t *table = (uint64_t *)(e->scr_host + SCR_TABLE);
    for (size_t i = 0; i < k; i++) {
        table[2 * i] = objs[i];
        table[2 * i + 1] = fns[i];
    }
    *ctl(e, EMU_CTL_N) = k;
    e->batch = objs;
    size_t cur = 0;
    while (cur < k) {
        if (e->budget_fired || cpu_now(e) > e->deadline) {
            for (; cur < k; cur++)
                record(e, objs[cur], GS_EMU_BUDGET, NULL, 0);
            return;
        }
        /* The skipped ones (a function disabled meanwhile) are recorded here. */
        if (disabled(e, fns[cur])) {
            record(e, objs[cur], GS_EMU_TYPE_DISABLED, NULL, 0);
            cur++;
            continue;
        }
        *ctl(e, EMU_CTL_CUR) = cur;
        e->cur = cur;
        e->nbuf = 0;
        uint64_t fs = e->scr + SCR_TLS;
        uc_reg_write(e->main.uc, UC_X86_REG_FS_BASE, &fs);
        e->main.fault = -1;
        e->stats.starts++;
        set_running(e, true);
        uc_err err = uc_emu_start(e->main.uc, e->scr + SCR_CODE, e->scr + SCR_CODE + gs_emu_driver_done_off, 0, 0);
        set_running(e, false);
        size_t stop = e->cur;
        if (stop >= k)
            break;
        /* Object `stop` did not finish. */
        int outcome;
        if (e->wd_fired && err == UC_ERR_OK && e->main.fault < 0) {
            outcome = e->budget_fired ? GS_EMU_BUDGET : GS_EMU_LIMIT;
            if (outcome == GS_EMU_LIMIT)
                strike(e, fns[stop]);
        } else if (e->budget_fired) {
            outcome = GS_EMU_BUDGET;
        } else if (e->main.fault >= 0) {
            outcome = e->main.fault;
        } else if (err != UC_ERR_OK) {
            outcome = outcome_of_error(err);
        } else {
            outcome = GS_EMU_ENGINE; /* stopped for no reason we know */
        }
        record(e, objs[stop], outcome, NULL, 0);
        cur = stop + 1;
    }
}

struct job {
    uint64_t obj, fn;
};

/* By function, then by address: one type's translated blocks stay hot in
 * Unicorn's jump cache, and its objects, allocated together, share the
 * emulated TLB's entries (7% less CPU than the collector's order on mypy's
 * heap). */
static int job_order(const void *a, const void *b)
{
    const struct job *x = a, *y = b;
    if (x->fn != y->fn)
        return x->fn < y->fn ? -1 : 1;
    return x->obj < y->obj ? -1 : x->obj > y->obj;
}

#define ADDR_BITS 47 /* user-space addresses on x86-64 */
#define RADIX_BITS 11
#define RADIX_PASSES 6 /* 66 bits */

/* The same grouping as job_order, by a radix sort of one 64-bit key per
 * job: the function's rank (in first-seen order: which type comes first
 * does not matter) above the address. qsort with job_order cost about as
 * much as a tenth of the emulation; this, a fiftieth. Falls back to qsort
 * for addresses beyond user space (the lists come from untrusted memory)
 * or too many functions. */
static void sort_jobs(struct job *jobs, size_t k)
{
    if (k < 2)
        return;
    gs_addrmap ranks;
    gs_addrmap_init(&ranks);
    uint64_t *fn_of = NULL, *keys = gs_xreallocarray(NULL, k, sizeof *keys);
    size_t nfn = 0, capfn = 0;
    uint64_t last_fn = 0, rank = 0;
    bool ok = true;
    for (size_t i = 0; i < k && ok; i++) {
        if (i == 0 || jobs[i].fn != last_fn) {
            const uint32_t *r = gs_addrmap_get(&ranks, jobs[i].fn);
            if (r) {
                rank = *r;
            } else {
                if (nfn == capfn) {
                    capfn = capfn ? capfn * 2 : 64;
                    fn_of = gs_xreallocarray(fn_of, capfn, sizeof *fn_of);
                }
                fn_of[nfn] = jobs[i].fn;
                rank = nfn++;
                ok = rank < (1u << (64 - ADDR_BITS)) && gs_addrmap_put(&ranks, jobs[i].fn, (uint32_t)rank);
            }
            last_fn = jobs[i].fn;
        }
        ok = ok && jobs[i].obj < (1ull << ADDR_BITS);
        keys[i] = rank << ADDR_BITS | jobs[i].obj;
    }
    gs_addrmap_free(&ranks);
    if (!ok) {
        free(keys);
        free(fn_of);
        qsort(jobs, k, sizeof *jobs, job_order);
        return;
    }
    /* LSD radix: counts of every digit in one pass; a pass whose digit is
     * the same in every key is skipped (addresses share their high bits). */
    size_t (*count)[1u << RADIX_BITS] = gs_xcalloc(RADIX_PASSES, sizeof *count);
    for (size_t i = 0; i < k; i++)
        for (unsigned p = 0; p < RADIX_PASSES; p++)
            count[p][(keys[i] >> (p * RADIX_BITS)) & ((1u << RADIX_BITS) - 1)]++;
    uint64_t *tmp = gs_xreallocarray(NULL, k, sizeof *tmp);
    for (unsigned p = 0; p < RADIX_PASSES; p++) {
        unsigned shift = p * RADIX_BITS;
        if (count[p][(keys[0] >> shift) & ((1u << RADIX_BITS) - 1)] == k)
            continue;
        size_t sum = 0;
        for (size_t d = 0; d < (1u << RADIX_BITS); d++) {
            size_t c = count[p][d];
            count[p][d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < k; i++)
            tmp[count[p][(keys[i] >> shift) & ((1u << RADIX_BITS) - 1)]++] = keys[i];
        uint64_t *t = keys;
        keys = tmp;
        tmp = t;
    }
    for (size_t i = 0; i < k; i++)
        jobs[i] = (struct job){keys[i] & ((1ull << ADDR_BITS) - 1), fn_of[keys[i] >> ADDR_BITS]};
    free(count);
    free(tmp);
    free(keys);
    free(fn_of);
}

/* Run jobs in batches of BATCH. */
static void run_jobs(gs_emu *e, struct job *jobs, size_t k)
{
    sort_jobs(jobs, k);
    size_t u = 0; /* the same object twice in one call runs once */
    for (size_t i = 0; i < k; i++)
        if (u == 0 || jobs[i].obj != jobs[u - 1].obj || jobs[i].fn != jobs[u - 1].fn)
            jobs[u++] = jobs[i];
    k = u;
    uint64_t *o = gs_xreallocarray(NULL, BATCH, sizeof *o), *f = gs_xreallocarray(NULL, BATCH, sizeof *f);
    for (size_t i = 0; i < k; i += BATCH) {
        size_t m = k - i < BATCH ? k - i : BATCH;
        for (size_t j = 0; j < m; j++) {
            o[j] = jobs[i + j].obj;
            f[j] = jobs[i + j].fn;
        }
        run_table(e, o, f, m);
    }
    free(o);
    free(f);
}

void gs_emu_run(gs_emu *e, const uint64_t *objs, const uint64_t *fns, size_t n)
{
    double t0 = cpu_now(e);
    size_t from = e->nres;
    struct job *jobs = gs_xreallocarray(NULL, n ? n : 1, sizeof *jobs);
    size_t k = 0;
    uint64_t last_fn = 0;
    bool last_ok = false;
    for (size_t i = 0; i < n; i++) {
        if (e->index.n) { /* objects run before (none, the first time) */
            if (i + INDEX_AHEAD < n)
                gs_addrmap_prefetch(&e->index, objs[i + INDEX_AHEAD]);
            if (gs_addrmap_get(&e->index, objs[i]))
                continue;
        }
        if (i == 0 || fns[i] != last_fn) { /* objects of a type come together */
            last_fn = fns[i];
            last_ok = gs_emu_is_file_code(e, fns[i]);
        }
        if (!last_ok) {
            record(e, objs[i], GS_EMU_NOT_FILE_CODE, NULL, 0);
            continue;
        }
        jobs[k++] = (struct job){objs[i], fns[i]};
    }
    run_jobs(e, jobs, k);
    free(jobs);
    index_results(e, from);
    e->stats.seconds += cpu_now(e) - t0;
}

static int64_t getter_word(gs_emu *e, uint64_t fn, uint64_t obj, uint64_t arg2, uint64_t lo, uint64_t hi);

int64_t gs_emu_getter_word(gs_emu *e, uint64_t fn, uint64_t obj, uint64_t arg2, uint64_t lo, uint64_t hi)
{
    if (!gs_emu_is_file_code(e, fn) || e->budget_fired)
        return -1;
    double t0 = cpu_now(e);
    e->stats.probes++;
    int64_t off = getter_word(e, fn, obj, arg2, lo, hi);
    e->stats.probe_seconds += cpu_now(e) - t0;
    return off;
}

static int64_t getter_word(gs_emu *e, uint64_t fn, uint64_t obj, uint64_t arg2, uint64_t lo, uint64_t hi)
{
    struct engine *g = &e->probe;
    uint64_t sp = e->scr + SCR_STACK + STACK_SIZE - 64;
    uint64_t ret = e->scr + SCR_CODE + gs_emu_driver_done_off, fs = e->scr + SCR_TLS, rax = 0;
    memcpy(e->scr_host + (sp - e->scr), &ret, sizeof ret);
    uc_reg_write(g->uc, UC_X86_REG_RSP, &sp);
    uc_reg_write(g->uc, UC_X86_REG_RDI, &obj);
    uc_reg_write(g->uc, UC_X86_REG_RSI, &arg2);
    uc_reg_write(g->uc, UC_X86_REG_RAX, &rax);
    uc_reg_write(g->uc, UC_X86_REG_FS_BASE, &fs);
    g->probe_obj = obj;
    g->probe_lo = lo;
    g->probe_hi = hi;
    g->nloads = 0;
    g->fault = -1;
    /* The watchdog watches the driver's current object: a value no batch uses. */
    *ctl(e, EMU_CTL_CUR) = UINT64_MAX;
    set_running(e, true);
    uc_err err = uc_emu_start(g->uc, fn, ret, 0, 0);
    set_running(e, false);
    uint64_t pc = 0;
    uc_reg_read(g->uc, UC_X86_REG_RIP, &pc);
    uc_reg_read(g->uc, UC_X86_REG_RAX, &rax);
    if (err != UC_ERR_OK || g->fault >= 0 || pc != ret || !rax)
        return -1;
    for (size_t i = g->nloads; i-- > 0;)
        if (g->loads[i].value == rax)
            return (int64_t)g->loads[i].offset;
    /* Else a tagged word: mypyc keeps an int attribute as a CPyTagged, a
     * boxed int's address with its low bit set, and its getter returns the
     * address. */
    for (size_t i = g->nloads; i-- > 0;)
        if (!(rax & 1) && g->loads[i].value == (rax | 1))
            return (int64_t)g->loads[i].offset;
    return -1;
}

const struct gs_emu_stats *gs_emu_stats(const gs_emu *e) { return &e->stats; }

void gs_emu_time_again(gs_emu *e, const uint64_t *objs, const uint64_t *fns, size_t n)
{
    /* Only those that ran to the end the first time. */
    struct job *jobs = gs_xreallocarray(NULL, n ? n : 1, sizeof *jobs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *refs;
        size_t nrefs;
        if (gs_emu_result(e, objs[i], &refs, &nrefs) == GS_EMU_OK)
            jobs[k++] = (struct job){objs[i], fns[i]};
    }
    /* Into empty result tables, so that recording each result is timed too;
     * the first run's results and counts are put back after. */
    struct gs_emu_stats stats = e->stats;
    gs_addrmap index = e->index;
    struct result *res = e->res;
    size_t nres = e->nres, capres = e->capres, nrefs = e->nrefs, caprefs = e->caprefs;
    uint64_t *refs = e->refs;
    gs_addrmap_init(&e->index);
    e->res = NULL;
    e->refs = NULL;
    e->nres = e->capres = e->nrefs = e->caprefs = 0;
    double t0 = cpu_now(e);
    run_jobs(e, jobs, k);
    index_results(e, 0);
    double seconds = cpu_now(e) - t0;
    gs_addrmap_free(&e->index);
    free(e->res);
    free(e->refs);
    e->index = index;
    e->res = res;
    e->nres = nres;
    e->capres = capres;
    e->refs = refs;
    e->nrefs = nrefs;
    e->caprefs = caprefs;
    e->stats = stats;
    e->stats.steady_seconds += seconds;
    e->stats.steady_objects += k;
    free(jobs);
}
