/* snapshot.h: the object graph of one capture, in compact arrays.
 *
 * Layer: src/graph/ turns a capture (src/capture.h) into a snapshot
 * (build.h), saves and loads it (snapfile.h), and holds every analysis of
 * it, each computed once and only when asked (analyses.h): strongly
 * connected components, garbage, paths, dominators, cycles, retained sizes,
 * diff, memory. It never reads the live process. Above it, src/report/ and
 * ui/ read snapshots and analyses only.
 *
 * Everything after the capture (reports, analyses, the browser) reads a
 * gs_snapshot, never the process, so a snapshot loaded from a file is used
 * exactly like a live one. Nodes are numbered 0..nobjects-1; every per-node
 * array is indexed by that number. Edges are stored twice, as compressed
 * rows: out_off[i]..out_off[i+1] index out_dst/out_label (what node i
 * references), in_off[i]..in_off[i+1] index in_src (who references i).
 *
 * Memory: per node 8 (addr) + 4 (type) + 8 (size) + 8 (refcnt) + 4
 * (explained) + 2 (flags) + 4 (preview) + 8 + 8 (row offsets) + 4 (address
 * index) = 58 bytes, plus previews; per edge 4 + 4 + 4 = 12 bytes.
 *
 * Ownership: a snapshot owns its arrays (built) or one read-only mapping
 * (loaded, see snapfile.h); gs_snapshot_free() releases either.
 */
#ifndef GCSCOPE_GRAPH_SNAPSHOT_H
#define GCSCOPE_GRAPH_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "py/kinds.h"
#include "py/label.h"
#include "proc/fd_kind.h"
#include "py/mimalloc.h"
#include "py/obmalloc.h"
#include "py/resource_kind.h"
#include "py/tracemalloc.h"

#define GS_NO_NODE UINT32_MAX

enum gs_node_flags {
    GS_NODE_TRACKED = 1 << 0,  /* in one of the collector's lists */
    GS_NODE_FROZEN = 1 << 1,   /* in the permanent generation */
    GS_NODE_OPAQUE = 1 << 2,   /* of a type gcscope cannot decode: referents unknown */
    GS_NODE_BAD = 1 << 3,      /* its memory was inconsistent: referents incomplete */
    GS_NODE_IMMORTAL = 1 << 4, /* 3.12+ immortal object: its refcount means nothing */
    GS_NODE_ROOT = 1 << 5,     /* the target of at least one root */
    GS_NODE_EMULATED = 1 << 6, /* referents from its type's tp_traverse, run in the emulator */
    GS_NODE_INFERRED = 1 << 7, /* referents from a conservative scan of its words (no tp_traverse) */
    GS_NODE_GEN_SHIFT = 8,     /* bits 8-9: generation 0-2 (tracked, not frozen) */
    GS_NODE_UNKNOWN_SHIFT = 10, /* bits 10-13: why the emulated traverse failed (a gs_emu_outcome), 0 = it did not */
};

static inline unsigned gs_node_unknown_reason(uint16_t flags) { return (flags >> GS_NODE_UNKNOWN_SHIFT) & 15; }

static inline int gs_node_generation(uint16_t flags) { return (flags >> GS_NODE_GEN_SHIFT) & 3; }

#define GS_ROOT_KINDS(X)                                                              \
    X(GS_ROOT_MODULE, "module")       /* a module in sys.modules (name: its key) */   \
    X(GS_ROOT_MODULES, "sys.modules") /* the sys.modules dict itself */               \
    X(GS_ROOT_SYSDICT, "sys")         /* the interpreter's sys.__dict__ */            \
    X(GS_ROOT_BUILTINS, "builtins")   /* the interpreter's builtins dict */           \
    X(GS_ROOT_FRAME, "frame")         /* a thread's frame object */                   \
    X(GS_ROOT_LOCAL, "local")         /* what a thread's running frame holds */       \
    X(GS_ROOT_THREAD, "thread")       /* what a thread state holds (exception, dict) */ \
    X(GS_ROOT_EXTERNAL, "external")   /* held from outside the graph: refcnt > known */

enum gs_root_kind {
#define GS_ROOT_ENUM(k, name) k,
    GS_ROOT_KINDS(GS_ROOT_ENUM)
#undef GS_ROOT_ENUM
    GS_ROOT_KIND_COUNT
};

const char *gs_root_kind_name(uint32_t kind);

struct gs_root {
    uint32_t node;
    uint32_t kind;   /* enum gs_root_kind */
    uint32_t name;   /* string id: module name, "thread 1234 main() x", ...; 0 = none */
    uint32_t count;  /* GS_ROOT_EXTERNAL: references held from outside */
};

/* What gcscope found out about a type beyond its tp_flags. */
enum gs_type_facts {
    GS_TYPE_PY_DEL = 1 << 0,     /* a class in its MRO defines __del__ */
    GS_TYPE_FINALIZE = 1 << 1,   /* tp_finalize is set (C or Python) */
    GS_TYPE_LEGACY_DEL = 1 << 2, /* tp_del is set (pre-PEP 442 C finalizer) */
    GS_TYPE_HEAPTYPE = 1 << 3,   /* defined by a class statement or PyType_FromSpec */
};

struct gs_snap_type {
    uint64_t addr;   /* the type object's address in the target */
    uint64_t flags;  /* tp_flags */
    uint32_t name;   /* string id: type.__name__ */
    uint32_t module; /* string id: type.__module__ */
    uint32_t kind;   /* enum gs_py_kind */
    uint32_t facts;  /* enum gs_type_facts */
};

/* --- threads and their stacks ------------------------------------------ */

enum gs_thread_flags {
    GS_THREAD_PYTHON = 1 << 0, /* has a Python thread state */
    GS_THREAD_MAIN = 1 << 1,   /* the process's main thread */
    GS_THREAD_GIL = 1 << 2,    /* holds the GIL (of its interpreter) */
};

struct gs_thread {
    int64_t tid;          /* kernel thread id */
    uint64_t ident;       /* threading.get_ident() (pthread_t); 0 if not a Python thread */
    uint32_t name;        /* string id: threading name, else the kernel's comm */
    uint32_t interp;      /* index in meta.interps */
    uint32_t flags;       /* enum gs_thread_flags */
    uint32_t state;       /* the kernel's state letter: 'S', 'R', 'D', 'T'... */
    uint32_t first_frame; /* frames[first_frame .. first_frame + nframes), innermost first */
    uint32_t nframes;
};

enum gs_frame_kind {
    GS_FRAME_PYTHON = 0,
    GS_FRAME_NATIVE = 1,
};

struct gs_frame {
    uint32_t kind;        /* enum gs_frame_kind */
    uint32_t function;    /* string id: qualified function name, or the C symbol */
    uint32_t file;        /* string id: the .py file, or the ELF module */
    int32_t line;         /* Python line number; -1 for native frames */
    uint64_t addr;        /* native: the instruction pointer; Python: frame object or interpreter frame */
    uint32_t node;        /* Python: the object holding the frame's locals (the frame object up to
                           * 3.10, the generator for a 3.11+ generator's frame), else the frame
                           * object, else GS_NO_NODE */
    uint32_t first_root;  /* Python: its locals are roots[first_root .. first_root + nroots) */
    uint32_t nroots;
    uint32_t reserved;
};

/* --- resources: file descriptors and the objects that own them -------- */

struct gs_fd {
    int32_t fd;
    uint32_t kind;    /* enum gs_fd_kind */
    uint32_t target;  /* string id: what /proc/PID/fd/N links to */
    uint32_t detail;  /* string id: "tcp 127.0.0.1:8080 -> 127.0.0.1:40122 ESTABLISHED", "[eventfd]"... */
    uint64_t pos;     /* fdinfo pos */
    uint32_t flags;   /* fdinfo flags (octal O_* bits) */
    uint32_t owner;   /* node of the Python object that owns it, GS_NO_NODE if none */
};

struct gs_resource {
    uint32_t node;    /* the Python object */
    uint32_t kind;    /* enum gs_resource_kind */
    int64_t fd;       /* -1 when closed or none */
    int64_t pid;      /* Popen: the child's pid; else 0 */
    uint64_t size;    /* mmap: length; else 0 */
    uint32_t name;    /* string id: file name, "AF_INET SOCK_STREAM", the args of a Popen */
    uint32_t mode;    /* string id: "rb", "w+"... */
    uint32_t closed;  /* 1 when closed */
    uint32_t detail;  /* string id: anything else worth showing ("returncode None") */
};

/* --- where the memory goes (graph/memory.h) ------------------------------ */

enum gs_mapping_kind {
    GS_MAPPING_ANON = 0,      /* anonymous: malloc's mmaps, pymalloc arenas */
    GS_MAPPING_HEAP,          /* [heap] (brk) */
    GS_MAPPING_STACK,         /* the main thread's [stack] */
    GS_MAPPING_THREAD_STACK,  /* an anonymous mapping holding a thread's stack */
    GS_MAPPING_FILE,          /* a file: code, libraries, their data */
    GS_MAPPING_OTHER,         /* [vdso], [vvar], shared memory */
};

/* One mapping from /proc/PID/smaps, as read at capture time. */
struct gs_snap_mapping {
    uint64_t start, end;
    uint64_t rss, anonymous, swap;
    uint32_t path;            /* string id */
    uint32_t kind;            /* enum gs_mapping_kind */
};

/* The resident memory of the process, split (memory.c's top comment says
 * how each figure is computed). All in bytes. */
/* A large object whose items all hold the same value (graph/memory.c):
 * a bytes, bytearray or str of one repeated byte or character, a list or
 * tuple whose slots all point to one object ([None] * n, [0] * n). */
struct gs_snap_constant {
    uint32_t node;
    uint32_t item_size;  /* bytes per item: 1 bytes and bytearray, 1, 2 or 4 str, 8 list and tuple */
    uint64_t items;
    uint64_t value;      /* the byte, the code point, or the address every slot holds */
};

struct gs_snap_memory {
    uint32_t present;         /* 0: a file from a gcscope without this section */
    uint32_t smaps_read;      /* 0: /proc/PID/smaps could not be read */
    uint64_t rss, anonymous, file_rss, swap;
    uint64_t objects_pymalloc;   /* graph objects and their buffers in pymalloc blocks (block sizes) */
    uint64_t objects_malloc;     /* graph objects and their buffers in other anonymous memory */
    uint64_t external_buffers;   /* of objects_malloc: the buffers (list/dict/set tables, bytearray data, numpy arrays' data) */
    uint64_t pymalloc_other;     /* pymalloc blocks in use that no graph object accounts for */
    uint64_t pymalloc_free;      /* carved arena bytes not in use: free blocks and pools, headers */
    uint64_t arenas_carved;      /* arena bytes ever touched (up to each arena's pool_address) */
    uint64_t tracemalloc_tables; /* tracemalloc's own traces and tracebacks (estimated) */
    uint64_t stacks;             /* anonymous resident bytes of thread stacks */
    uint64_t libraries;          /* anonymous (written) pages of file mappings: libraries' data */
    uint64_t unexplained;        /* anonymous bytes none of the above explains */
    uint64_t objects_in_files;   /* graph objects inside file mappings (static types): in libraries */
    struct gs_py_pymalloc_stats pymalloc;
    uint32_t tm_status;          /* enum gs_py_tm_status */
    int32_t tm_max_nframe;
    uint64_t tm_traced_memory;
    uint64_t tm_bad_entries;
    char tm_why[512];
};

#define GS_MAX_INTERPRETERS 64

/* Facts about the capture: fixed-size, so a file holds it verbatim. */
struct gs_snap_meta {
    char python[32];         /* "3.12.1" */
    char python_build[160];  /* sys.version */
    char binary[256];
    char hostname[64];
    int64_t pid;
    double captured_at;      /* seconds since the Unix epoch */
    double pause_ms, copy_ms, capture_ms, build_ms;
    double floor_ms;         /* < 0: not measured */
    uint64_t floor_bytes;
    uint64_t copied_bytes, unreadable_pages;
    int32_t attempts;
    int32_t threads_stopped;
    int32_t target_was_stopped;
    int32_t ninterps;
    struct gs_snap_interp {
        int64_t id;
        int32_t gc_enabled, gc_collecting;
        int32_t thresholds[3], counts[3];
        int64_t gc_debug;
        int32_t nthreads;
        uint32_t garbage_node; /* gc.garbage list node, GS_NO_NODE if none */
    } interps[GS_MAX_INTERPRETERS]; /* [0] is the main interpreter */
    uint64_t bad_edges;      /* references that pointed at no valid object */
    uint64_t broken_lists;
    /* The interpreter's build when not the default one: "free-threaded"
     * (Py_GIL_DISABLED), "debug" (Py_DEBUG), "free-threaded debug"; "" for a
     * default build. Reports print it next to the version. */
    char build[32];
};

/* Where a snapshot came from when it was read from a core file rather than
 * a live process; what the core said of the process and what it lacked. */
struct gs_snap_core {
    char path[256];             /* the core file as given */
    char exe[256];              /* the executable the core names */
    char cmdline[96];           /* NT_PRPSINFO: the start of the command line */
    char comm[24];              /* NT_PRPSINFO: the command name */
    int32_t signo, si_code;     /* the signal that made the core (0: none, e.g. gcore) */
    uint64_t fault_addr;        /* its address, for SIGSEGV/SIGBUS/SIGILL/SIGFPE */
    uint64_t bytes_missing;     /* cut off the end of a truncated core */
    uint64_t bytes_unavailable; /* left out of the core, and in no file found */
    uint64_t bytes_from_files;  /* left out of the core, read from its files on disk */
    int32_t segments_truncated;
    int32_t nthreads;           /* NT_PRSTATUS notes */
};

/* Analyses a snapshot file may carry (written by --save, graph/analyses.h
 * computes them when a file lacks them): each is one array of the file,
 * used in place. The loader checks only that each lies inside the file;
 * its checksum and content are checked by graph/analyses.c when first
 * used, so that a report that needs none of them pays nothing. */
enum gs_stored_kind {
    GS_STORED_META,          /* struct gs_stored_meta, 1 */
    GS_STORED_GARBAGE,       /* uint8_t per node: gs_analyses_garbage */
    GS_STORED_REACHABLE,     /* uint8_t per node: gs_dominators.reachable */
    GS_STORED_IDOM,          /* uint32_t per node: gs_dominators.idom */
    GS_STORED_RETAINED,      /* uint64_t per node: gs_dominators.retained */
    GS_STORED_DT_OFF,        /* uint32_t, nobjects + 2: the dominator tree's child lists ... */
    GS_STORED_DT_CHILD,      /* uint32_t, one per reachable node: ... each sorted, largest first */
    GS_STORED_TYPES,         /* struct gs_stored_type_total per type */
    GS_STORED_CYCLE_OF,      /* uint32_t per node: gs_scc.cycle_of */
    GS_STORED_CYCLE_OFF,     /* uint64_t, ncycles + 1: gs_scc.off */
    GS_STORED_CYCLE_MEMBERS, /* uint32_t: gs_scc.members */
    GS_STORED_PATH_PARENT,   /* uint32_t per node: gs_paths.parent ... */
    GS_STORED_PATH_EDGE,     /* uint64_t per node */
    GS_STORED_PATH_ROOT,     /* uint32_t per node */
    GS_STORED_PATH_DEPTH,    /* uint32_t per node */
    GS_STORED_COUNT
};

/* What the stored arrays were computed from and by: analyses of another
 * version (GS_ANALYSES_VERSION, graph/analyses.h) or of other counts are
 * not used. */
struct gs_stored_meta {
    uint32_t version;
    uint32_t reserved;
    uint64_t nobjects, nedges, nroots, ntypes;
    uint64_t ncycles, nmembers, nchildren;
};

/* gs_type_total (graph/analyses.h) as a file stores it */
struct gs_stored_type_total {
    uint64_t count, shallow, retained, reachable_count, reachable_shallow;
};

struct gs_stored_section {
    const void *data; /* NULL: the file has no such section */
    uint64_t count;
    uint64_t checksum; /* util/hash.h's gs_hash64 of the bytes, seeded with the section's file id */
    uint32_t file_id;
    uint32_t elem_size;
};

struct gs_snapshot {
    struct gs_snap_meta meta;
    struct gs_snap_core *core; /* NULL unless read from a core file */
    uint64_t nobjects, nedges, nweak, nroots, ntypes, strings_len;
    /* per node */
    uint64_t *addr;
    uint32_t *type;
    uint64_t *size;
    int64_t *refcnt;
    uint32_t *explained;  /* strong references into the node that the graph holds */
    uint16_t *flags;
    uint32_t *preview;    /* string id, 0 = none */
    uint32_t *by_addr;    /* node numbers sorted by address */
    /* edges */
    uint64_t *out_off;    /* nobjects + 1 */
    uint32_t *out_dst;
    uint32_t *out_label;
    uint64_t *in_off;     /* nobjects + 1 */
    uint32_t *in_src;
    uint32_t *weak_src, *weak_dst;
    struct gs_root *roots;
    struct gs_snap_type *types;
    char *strings;        /* NUL-separated; id = offset; id 0 is "" */
    /* threads, stacks, file descriptors and resources (may be empty) */
    struct gs_thread *threads;
    struct gs_frame *frames;
    struct gs_fd *fds;
    struct gs_resource *resources;
    uint64_t nthreads, nframes, nfds, nresources;
    /* where the memory goes (may be empty: memory.present says) */
    struct gs_snap_memory memory;
    /* a free-threaded build's mimalloc (status NOT_READ when the file has
     * no such section, NOT_USED for a GIL build) */
    struct gs_py_mimalloc_stats mimalloc;
    struct gs_snap_mapping *mappings;
    struct gs_py_pymalloc_arena *arenas;
    struct gs_tm_trace *tm_traces;        /* sorted by (domain, address) */
    struct gs_tm_traceback *tm_tracebacks;
    struct gs_tm_frame *tm_frames;
    uint32_t *slack;      /* per node: bytes of a container's capacity its items do not use (NULL: unknown) */
    uint64_t *content;    /* per node: hash of a str's or bytes' value, 0 for other objects (NULL: unknown) */
    struct gs_snap_constant *constants;   /* large objects of one repeated value, by node */
    struct gs_py_mimalloc_page_rec *mi_pages; /* a free-threaded build's mimalloc pages, by address */
    uint64_t nmappings, narenas, ntm_traces, ntm_tracebacks, ntm_frames, nconstants, nmi_pages;
    /* analyses saved with the file (all data NULL for a live capture) */
    struct gs_stored_section stored[GS_STORED_COUNT];
    uint64_t size_total; /* the sizes summed, by the loader (0 for a live capture: not summed) */
    /* where the memory comes from */
    void *mapping;
    size_t mapping_len;
};

void gs_snapshot_free(struct gs_snapshot *s);

/* The node at a target address, or GS_NO_NODE (binary search). */
uint32_t gs_snapshot_find(const struct gs_snapshot *s, uint64_t addr);

/* A string by id ("" for 0 or an id out of range). */
const char *gs_snapshot_string(const struct gs_snapshot *s, uint32_t id);

/* Write an edge's label as Python would ("[3]", ".next", "['self']") into
 * buf; "" when the edge has no label. */
void gs_snapshot_label(const struct gs_snapshot *s, uint32_t label, char *buf, size_t cap);

/* The label of the first edge from src to dst, as gs_snapshot_label
 * writes it; "" when src holds no reference to dst. */
void gs_snapshot_edge_label(const struct gs_snapshot *s, uint32_t src, uint32_t dst, char *buf, size_t cap);

/* The kind (enum gs_py_kind, src/py/kinds.h) of a node's type; GS_PYK_OBJECT for
 * an unknown type. Inline: reports ask it of every node, several times. */
static inline uint32_t gs_snapshot_kind(const struct gs_snapshot *s, uint32_t node)
{
    uint32_t t = s->type[node];
    return t < s->ntypes ? s->types[t].kind : GS_PYK_OBJECT;
}

/* A container's items, counted by its references' labels ([i] for lists,
 * tuples and deques, ['key'] for dicts, <member> for sets); -1 for a node
 * that is no container. */
int64_t gs_snapshot_items(const struct gs_snapshot *s, uint32_t node);

/* A node's short description: "Node@0x7f..", "str 'abc'" in buf, for
 * text: escaped and bounded by gs_text_escape (util/text.h). */
void gs_snapshot_describe(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap);

#endif
