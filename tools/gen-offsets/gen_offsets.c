/* gen_offsets.c: print gcscope's layout table for ONE CPython version.
 *
 * Compiled by gen-offsets.sh against a single version's installed headers:
 *
 *   cc -std=gnu11 -DPy_BUILD_CORE -I<prefix>/include/python3.X -I<gcscope>/src \
 *      gen_offsets.c -o gen_offsets && ./gen_offsets > src/py/offsets/py3X.c
 *
 * Every value comes from offsetof()/sizeof()/a constant of those headers, so
 * the table is exactly what the compiler used to build that CPython (same
 * x86_64 ABI, same release-build defines). Where the headers do not have a
 * struct (CPython keeps it in a .c file), a copy transcribed from that
 * version's source lives in a marked "REPLICA" block below, with a comment
 * naming the file, and is checked against what the headers can say about it
 * (sizes, neighbouring public structs) and, at run time, by verify_live.py.
 *
 * How the mapping works: for every name N of GS_PY_LAYOUT_FIELDS (in
 * src/py/layout_fields.h) this file defines a macro V_N with the expression
 * for the version being compiled, or ABSENT. The X-macro at the bottom expands
 * V_##N for every field, so a field that has no V_ definition here is a
 * compile error ("'V_foo' undeclared"), never a silent 0; and a V_ macro for
 * a member the version lacks is a compile error from offsetof().
 *
 * GIL builds only (Py_GIL_DISABLED changes the object header and the
 * collector). Headers of a debug build (Py_DEBUG) give a debug table.
 */
#ifndef Py_BUILD_CORE
#error "compile with -DPy_BUILD_CORE: the interpreter's internal structs are behind it"
#endif

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>   /* PyMemberDef (moved to descrobject.h in 3.12) */
#include <pythread.h>       /* PyThread_type_lock, in the _io buffered replica */

#if PY_VERSION_HEX < 0x03080000 || PY_MAJOR_VERSION != 3
#error "gcscope supports CPython 3.8 and later only"
#endif
#if defined(Py_TRACE_REFS)
#error "these headers are for a trace-refs build; gcscope's tables describe the usual builds"
#endif
/* A debug build (Py_DEBUG: Debian's python3.X-dbg) gets a table of its own,
 * py3Xd.c: from 3.14 its _PyRuntimeState and PyInterpreterState are larger
 * (parser statistics, PyConfig members), and the objects are the same. */
#ifdef Py_DEBUG
#define GEN_DEBUG 1
#else
#define GEN_DEBUG 0
#endif
#if defined(Py_GIL_DISABLED) && PY_VERSION_HEX < 0x030E0000
#error "free-threaded tables are generated from 3.14t headers and later"
#endif

#if PY_VERSION_HEX < 0x030B0000
#include <longintrepr.h>    /* PyLongObject: not included by Python.h before 3.11 */
#endif
#include "internal/pycore_pystate.h"
#if PY_VERSION_HEX >= 0x03090000
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_gc.h"
#endif
#if PY_VERSION_HEX >= 0x030A0000
#include "internal/pycore_moduleobject.h"
#endif
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_frame.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_object.h"   /* managed dict accessors */
#else
#include "internal/pycore_code.h"     /* _PyOpcache (3.8-3.10) */
#endif

#if PY_VERSION_HEX >= 0x030E0000
#include "internal/pycore_stackref.h"   /* _PyStackRef tags (3.14+) */
#endif

#if PY_VERSION_HEX < 0x030C0000
#include "internal/pycore_accu.h"   /* _PyAccu, in the _io.StringIO replica (gone in 3.12) */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/layout_fields.h"

#define ABSENT INT64_MIN            /* printed as GS_PY_ABSENT */
#define OFF(type, member) ((int64_t)offsetof(type, member))
#define SZ(type) ((int64_t)sizeof(type))

/* ======================================================================
 * REPLICAS of structs CPython keeps private to a .c file.
 * ====================================================================== */

/* The replicas' sizes below are x86_64 figures for a GIL build, whose object
 * header is 16 bytes; a free-threaded header (ob_tid, ob_flags, ob_mutex,
 * ob_gc_bits, ob_ref_local, ob_ref_shared, ob_type) is 32, and every member
 * after it moves by the difference. */
#define FT_HEAD (sizeof(PyObject) - 16)

#if PY_VERSION_HEX < 0x030B0000
/* REPLICA: Objects/dict-common.h, CPython 3.8.x, 3.9.x and 3.10.x (the file
 * is identical in the three branches; 3.11 moved the struct to
 * Include/internal/pycore_dict.h, so from 3.11 the headers are used).
 * dictobject.c completes the incomplete `struct _dictkeysobject` that
 * Include/cpython/dictobject.h declares; we do the same. */
typedef struct {
    Py_hash_t me_hash;      /* cached hash of me_key */
    PyObject *me_key;
    PyObject *me_value;     /* only meaningful for combined tables */
} PyDictKeyEntry;

typedef Py_ssize_t (*dict_lookup_func)(PyDictObject *mp, PyObject *key, Py_hash_t hash,
                                       PyObject **value_addr);

struct _dictkeysobject {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;           /* size of dk_indices, a power of 2 */
    dict_lookup_func dk_lookup;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];            /* 1/2/4/8-byte indices, then PyDictKeyEntry[] */
};
/* No header has a size or member of PyDictKeysObject to check against; the
 * shape is what verify_live.py confirms on a live dict (dk_size 8 for a small
 * dict, dk_nentries, the entry's me_hash == hash(key)). These asserts pin the
 * x86_64 layout the replica must have. */
_Static_assert(sizeof(PyDictKeyEntry) == 3 * sizeof(void *), "PyDictKeyEntry is 3 words");
_Static_assert(offsetof(struct _dictkeysobject, dk_indices) == 5 * sizeof(Py_ssize_t),
               "dk_indices follows five word-sized fields");
#endif

/* REPLICA: PyDict_MINSIZE, Objects/dictobject.c, every version 3.8-3.13
 * ("#define PyDict_MINSIZE 8"; 3.11+ also PyDict_LOG_MINSIZE 3). Private to
 * the .c file in all of them. */
#define GEN_PYDICT_MINSIZE 8

#if PY_VERSION_HEX < 0x030A0000
/* REPLICA: Objects/moduleobject.c, CPython 3.8.x and 3.9.x. From 3.10 the
 * same struct is in Include/internal/pycore_moduleobject.h (identical
 * members), which is used instead. */
typedef struct {
    PyObject_HEAD
    PyObject *md_dict;
    struct PyModuleDef *md_def;
    void *md_state;
    PyObject *md_weaklist;
    PyObject *md_name;            /* for logging after md_dict is cleared */
} PyModuleObject;
/* Cross-check: module_getsets/tp_dictoffset use offsetof(PyModuleObject,
 * md_dict); the type's tp_basicsize is sizeof(PyModuleObject). Nothing in the
 * headers exposes either, so verify_live.py compares them with
 * types.ModuleType.__dictoffset__/__weakrefoffset__/__basicsize__. */
_Static_assert(sizeof(PyModuleObject) == sizeof(PyObject) + 5 * sizeof(void *),
               "PyModuleObject: header + 5 pointers");
#endif

/* REPLICA: Objects/funcobject.c, every version 3.8-3.13: classmethod and
 * staticmethod share this shape (cm_callable/sm_callable, cm_dict/sm_dict).
 * tp_dictoffset of both types is offsetof(..., cm_dict); verify_live.py checks
 * classmethod.__dictoffset__, staticmethod.__dictoffset__ and __basicsize__. */
typedef struct {
    PyObject_HEAD
    PyObject *cm_callable;
    PyObject *cm_dict;
} gen_classmethod;
_Static_assert(sizeof(gen_classmethod) == sizeof(PyObject) + 2 * sizeof(void *),
               "classmethod: header + 2 pointers");

/* REPLICA: Objects/descrobject.c, `propertyobject`. 3.8.x and 3.9.x:
 * prop_get, prop_set, prop_del, prop_doc, int getter_doc. 3.10.x-3.13.x
 * insert prop_name (set by __set_name__, for error messages) before
 * getter_doc. The headers expose nothing of it; the asserts pin the x86_64
 * size, which is property.__basicsize__ (56 before 3.10, 64 after), and the
 * four fields were found live at 16/24/32/40 in every version. */
typedef struct {
    PyObject_HEAD
    PyObject *prop_get;
    PyObject *prop_set;
    PyObject *prop_del;
    PyObject *prop_doc;
#if PY_VERSION_HEX >= 0x030A0000
    PyObject *prop_name;
#endif
    int getter_doc;
} gen_property;
_Static_assert(sizeof(gen_property) - FT_HEAD == (PY_VERSION_HEX >= 0x030A0000 ? 64 : 56), "property.__basicsize__");

/* REPLICA: Modules/_functoolsmodule.c, `partialobject`, 3.8.x-3.13.x: fn,
 * args, kw, dict, weakreflist, then one more word: `int use_fastcall` in
 * 3.8, `vectorcallfunc vectorcall` from 3.9 (bpo-37358). functools.partial
 * is a static type up to 3.9 and a heap type (PyType_FromModuleAndSpec)
 * from 3.10; tp_dictoffset is offsetof(dict) = 40 and __basicsize__ 64 in
 * all of them. */
typedef struct {
    PyObject_HEAD
    PyObject *fn;
    PyObject *args;
    PyObject *kw;
    PyObject *dict;
    PyObject *weakreflist;
#if PY_VERSION_HEX >= 0x030E0000
    /* 3.14 (gh-119127, functools.Placeholder) */
    PyObject *placeholder;
    Py_ssize_t phcount;
#endif
#if PY_VERSION_HEX >= 0x03090000
    vectorcallfunc vectorcall;
#else
    int use_fastcall;
#endif
} gen_partial;
_Static_assert(sizeof(gen_partial) - FT_HEAD == (PY_VERSION_HEX >= 0x030E0000 ? 80 : 64),
               "functools.partial.__basicsize__");
_Static_assert(offsetof(gen_partial, dict) - FT_HEAD == 40, "functools.partial.__dictoffset__");

/* REPLICA: Modules/_functoolsmodule.c, `lru_list_elem` and
 * `lru_cache_object` (functools._lru_cache_wrapper). A link is
 * {prev, next (borrowed), hash, key, result}; the cache object embeds one
 * as the list's root, then wrapper, typed, cache, hits, func, maxsize,
 * misses. 3.8: cache_info_type, dict. 3.9: + weakreflist. 3.10-3.13:
 * kwd_mark (a module global before) and lru_list_elem_type come before
 * cache_info_type. Sizes are the types' __basicsize__ (128, 136, 152) and
 * dict their __dictoffset__ (120, 120, 136); verify_live.py locates the
 * fields on a live wrapper. */
typedef struct gen_lru_list_elem {
    PyObject_HEAD
    struct gen_lru_list_elem *prev, *next;
    Py_hash_t hash;
    PyObject *key, *result;
} gen_lru_list_elem;
_Static_assert(sizeof(gen_lru_list_elem) - FT_HEAD == 56, "functools._lru_list_elem.__basicsize__");
typedef struct {
    gen_lru_list_elem root;
    void *wrapper;
    int typed;
    PyObject *cache;
    Py_ssize_t hits;
    PyObject *func;
    Py_ssize_t maxsize;
    Py_ssize_t misses;
#if PY_VERSION_HEX >= 0x030A0000
    PyObject *kwd_mark;
    PyTypeObject *lru_list_elem_type;
#endif
    PyObject *cache_info_type;
    PyObject *dict;
#if PY_VERSION_HEX >= 0x03090000
    PyObject *weakreflist;
#endif
} gen_lru_cache;
_Static_assert(sizeof(gen_lru_cache) - FT_HEAD == (PY_VERSION_HEX >= 0x030A0000 ? 152 : PY_VERSION_HEX >= 0x03090000 ? 136 : 128) &&
               offsetof(gen_lru_cache, dict) - FT_HEAD == (PY_VERSION_HEX >= 0x030A0000 ? 136 : 120),
               "functools._lru_cache_wrapper");

/* REPLICA: Objects/descrobject.c, `wrapperobject` (method-wrapper), every
 * version 3.8-3.13: the slot wrapper descriptor and the bound object. */
typedef struct {
    PyObject_HEAD
    PyWrapperDescrObject *descr;
    PyObject *self;
} gen_wrapper;
_Static_assert(sizeof(gen_wrapper) - FT_HEAD == 32, "method-wrapper.__basicsize__");

/* REPLICAS: the _io module's objects (Modules/_io/fileio.c, bufferedio.c,
 * bytesio.c, stringio.c, textio.c), 3.8.x-3.13.x. Static types up to 3.11,
 * heap types (PyType_FromModuleAndSpec) from 3.12, which added a trailing
 * module-state pointer to some. Each struct's size is its type's
 * __basicsize__ and the dict's offset its __dictoffset__ (asserted here);
 * the object fields were located live in every version by matching the
 * ids of gc.get_referents() against the object's memory. */

/* fileio.c `fileio`: int fd; bitfields created..closefd; char finalizing;
 * unsigned int blksize; weakreflist; dict. Unchanged 3.8-3.13. */
typedef struct {
    PyObject_HEAD
    int fd;
    unsigned int created : 1;
    unsigned int readable : 1;
    unsigned int writable : 1;
    unsigned int appending : 1;
    signed int seekable : 2;
    unsigned int closefd : 1;
    char finalizing;
    unsigned int blksize;
    PyObject *weakreflist;
    PyObject *dict;
} gen_fileio;
_Static_assert(sizeof(gen_fileio) - FT_HEAD == 48 && offsetof(gen_fileio, dict) - FT_HEAD == 40, "_io.FileIO");

/* Py_off_t (Modules/_io/_iomodule.h) is off_t on Linux: 64 bits on x86_64. */
typedef int64_t gen_off_t;

/* bufferedio.c `buffered` (BufferedReader, BufferedWriter, BufferedRandom):
 * raw first, dict and weakreflist last; the middle is C state (positions,
 * the char buffer, the lock). Unchanged 3.8-3.13. */
typedef struct {
    PyObject_HEAD
    PyObject *raw;
    int ok;
    int detached;
    int readable;
    int writable;
    char finalizing;
    int fast_closed_checks;
    gen_off_t abs_pos;
    char *buffer;
    gen_off_t pos;
    gen_off_t raw_pos;
    gen_off_t read_end;
    gen_off_t write_pos;
    gen_off_t write_end;
    PyThread_type_lock lock;
    volatile unsigned long owner;
    Py_ssize_t buffer_size;
    Py_ssize_t buffer_mask;
    PyObject *dict;
    PyObject *weakreflist;
} gen_buffered;
_Static_assert(sizeof(gen_buffered) - FT_HEAD == 152 && offsetof(gen_buffered, dict) - FT_HEAD == 136, "_io.BufferedReader");

/* bufferedio.c `rwpair`: the two buffered objects it owns, dict,
 * weakreflist. Unchanged 3.8-3.13. */
typedef struct {
    PyObject_HEAD
    gen_buffered *reader;
    gen_buffered *writer;
    PyObject *dict;
    PyObject *weakreflist;
} gen_rwpair;
_Static_assert(sizeof(gen_rwpair) - FT_HEAD == 48 && offsetof(gen_rwpair, dict) - FT_HEAD == 32, "_io.BufferedRWPair");

/* bytesio.c `bytesio`: buf (a bytes object), pos, string_size, dict,
 * weakreflist, exports. Unchanged 3.8-3.13. */
typedef struct {
    PyObject_HEAD
    PyObject *buf;
    Py_ssize_t pos;
    Py_ssize_t string_size;
    PyObject *dict;
    PyObject *weakreflist;
    Py_ssize_t exports;
#if PY_VERSION_HEX >= 0x030E0000 && defined(Py_GIL_DISABLED)
    int buf_shared; /* 3.14 free-threaded */
#define GEN_BYTESIO_SIZE 72
#else
#define GEN_BYTESIO_SIZE 64
#endif
} gen_bytesio;
_Static_assert(sizeof(gen_bytesio) - FT_HEAD == GEN_BYTESIO_SIZE && offsetof(gen_bytesio, dict) - FT_HEAD == 40, "_io.BytesIO");

/* stringio.c `stringio`: while accumulating, 3.8-3.11 keep the text in a
 * _PyAccu (two lists, internal/pycore_accu.h), 3.12-3.13 in a
 * _PyUnicodeWriter (whose `buffer` is a str); 3.12 also appends a
 * module-state pointer. */
typedef struct {
    PyObject_HEAD
    Py_UCS4 *buf;
    Py_ssize_t pos;
    Py_ssize_t string_size;
    size_t buf_size;
    int state;
#if PY_VERSION_HEX >= 0x030E0000
    /* 3.14: a pointer to a writer allocated apart (a PyUnicodeWriter,
     * which is a _PyUnicodeWriter inside), NULL once realized. */
    _PyUnicodeWriter *writer;
#elif PY_VERSION_HEX >= 0x030C0000
    _PyUnicodeWriter writer;
#else
    _PyAccu accu;
#endif
    char ok;
    char closed;
    char readuniversal;
    char readtranslate;
    PyObject *decoder;
    PyObject *readnl;
    PyObject *writenl;
    PyObject *dict;
    PyObject *weakreflist;
#if PY_VERSION_HEX >= 0x030C0000
    void *module_state;
#endif
} gen_stringio;
_Static_assert(sizeof(gen_stringio) - FT_HEAD == (PY_VERSION_HEX >= 0x030E0000 ? 120 : PY_VERSION_HEX >= 0x030C0000 ? 168 : 120) &&
               offsetof(gen_stringio, dict) - FT_HEAD == (PY_VERSION_HEX >= 0x030E0000 ? 96 : PY_VERSION_HEX >= 0x030C0000 ? 144 : 104), "_io.StringIO");

/* textio.c `textio` (TextIOWrapper). 3.12 appends a module-state pointer. */
typedef struct {
    PyObject_HEAD
    int ok;
    int detached;
    Py_ssize_t chunk_size;
    PyObject *buffer;
    PyObject *encoding;
    PyObject *encoder;
    PyObject *decoder;
    PyObject *readnl;
    PyObject *errors;
    const char *writenl;
    char line_buffering;
    char write_through;
    char readuniversal;
    char readtranslate;
    char writetranslate;
    char seekable;
    char has_read1;
    char telling;
    char finalizing;
    void *encodefunc;
    char encoding_start_of_stream;
    PyObject *decoded_chars;
    Py_ssize_t decoded_chars_used;
    PyObject *pending_bytes;
    Py_ssize_t pending_bytes_count;
    PyObject *snapshot;
    double b2cratio;
    PyObject *raw;
    PyObject *weakreflist;
    PyObject *dict;
#if PY_VERSION_HEX >= 0x030C0000
    void *state;
#endif
} gen_textio;
_Static_assert(sizeof(gen_textio) - FT_HEAD == (PY_VERSION_HEX >= 0x030C0000 ? 200 : 192) &&
               offsetof(gen_textio, dict) - FT_HEAD == 184, "_io.TextIOWrapper");

/* textio.c `nldecoder_object` (IncrementalNewlineDecoder): decoder, errors,
 * then bitfields. Unchanged 3.8-3.13. */
typedef struct {
    PyObject_HEAD
    PyObject *decoder;
    PyObject *errors;
    unsigned int pendingcr : 1;
    unsigned int translate : 1;
    unsigned int seennl : 3;
} gen_nldecoder;
_Static_assert(sizeof(gen_nldecoder) - FT_HEAD == 40, "_io.IncrementalNewlineDecoder");

/* REPLICAS for the resources report (src/py/resources.c): objects that own
 * a descriptor. Each struct's size is its type's __basicsize__ (asserted
 * here); verify_live.py reads the descriptors of live objects. */

/* Modules/socketmodule.h `PySocketSockObject` (not installed), 3.8.x-3.13.x:
 * sock_fd (SOCKET_T: int on Linux; -1 once closed or detached), family,
 * type, proto, errorhandler, sock_timeout (_PyTime_t); 3.12 appends a
 * module-state pointer. */
typedef struct {
    PyObject_HEAD
    int sock_fd;
    int sock_family;
    int sock_type;
    int sock_proto;
    PyObject *(*errorhandler)(void);
    int64_t sock_timeout;
#if PY_VERSION_HEX >= 0x030C0000
    void *state;
#endif
} gen_socket;
_Static_assert(sizeof(gen_socket) - FT_HEAD == (PY_VERSION_HEX >= 0x030C0000 ? 56 : 48), "_socket.socket.__basicsize__");

/* Modules/mmapmodule.c `mmap_object` (UNIX), 3.8.x-3.15.x: data (NULL once
 * closed), size, pos, offset (off_t), exports (int in 3.8, Py_ssize_t from
 * 3.9), fd (a dup of the file's; -1 when anonymous or closed, and in 3.13
 * with trackfd=False), weakreflist, access (enum access_mode); 3.13 adds
 * `_Bool trackfd` in the padding, which moves nothing. */
typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t size;
    Py_ssize_t pos;
    int64_t offset;
#if PY_VERSION_HEX >= 0x03090000
    Py_ssize_t exports;
#else
    int exports;
#endif
    int fd;
#if PY_VERSION_HEX >= 0x030F0000
    /* 3.15: the flags right after fd, trackfd after access. No 3.15
     * source is at hand: measured on sid's 3.15.2 (mmap of a file with
     * ACCESS_READ and ACCESS_COPY, and an anonymous one: fd at 56, flags
     * 1/2/33 at 60, access 1/3 at 72, trackfd 1 at 76) and checked by
     * verify_live.py. */
    int flags;
    PyObject *weakreflist;
    int access;
    _Bool trackfd;
#elif PY_VERSION_HEX >= 0x030E0000
    /* 3.14.x: trackfd, then the mmap flags kept for mmap.flags. */
    _Bool trackfd;
    int flags;
    PyObject *weakreflist;
    int access;
#else
    PyObject *weakreflist;
    int access;
#endif
} gen_mmap;
_Static_assert(sizeof(gen_mmap) - FT_HEAD == (PY_VERSION_HEX >= 0x030F0000 ? 80 : PY_VERSION_HEX >= 0x030E0000 ? 88 :
                                              PY_VERSION_HEX >= 0x03090000 ? 80 : 72) &&
               offsetof(gen_mmap, weakreflist) - FT_HEAD ==
                   (PY_VERSION_HEX >= 0x030F0000 ? 64 : PY_VERSION_HEX >= 0x030E0000 ? 72 :
                    PY_VERSION_HEX >= 0x03090000 ? 64 : 56),
               "mmap.mmap.__basicsize__ and __weakrefoffset__");

/* Modules/selectmodule.c `pyEpoll_Object` (select.epoll), 3.8.x-3.13.x:
 * epfd (SOCKET: int on Linux), -1 once closed. */
typedef struct {
    PyObject_HEAD
    int epfd;
} gen_epoll;
_Static_assert(sizeof(gen_epoll) - FT_HEAD == 24, "select.epoll.__basicsize__");

/* Modules/selectmodule.c `pollObject` (select.poll), 3.8.x-3.13.x: dict
 * {fd: events} of the registered descriptors, then the pollfd array. */
typedef struct {
    PyObject_HEAD
    PyObject *dict;
    int ufd_uptodate;
    int ufd_len;
    void *ufds;
    int poll_running;
} gen_poll;
_Static_assert(sizeof(gen_poll) - FT_HEAD == 48, "select.poll().__basicsize__");

/* REPLICA: Modules/_collectionsmodule.c, collections.deque and its blocks.
 * 3.8-3.10: PyObject_VAR_HEAD, leftblock, rightblock, leftindex, rightindex,
 * state, maxlen, weakreflist. 3.11-3.13 insert numfreeblocks and
 * freeblocks[MAXFREEBLOCKS = 16] before weakreflist. BLOCKLEN is 64 in all
 * of them; a block is {leftlink, data[BLOCKLEN], rightlink}. verify_live.py
 * checks deque.__basicsize__ / __weakrefoffset__ and walks a live deque. */
#define GEN_DEQUE_BLOCKLEN 64
typedef struct gen_dequeblock {
    struct gen_dequeblock *leftlink;
    PyObject *data[GEN_DEQUE_BLOCKLEN];
    struct gen_dequeblock *rightlink;
} gen_dequeblock;
typedef struct {
    PyObject_VAR_HEAD
    gen_dequeblock *leftblock;
    gen_dequeblock *rightblock;
    Py_ssize_t leftindex;           /* 0 <= leftindex < BLOCKLEN */
    Py_ssize_t rightindex;          /* 0 <= rightindex < BLOCKLEN */
    size_t state;
    Py_ssize_t maxlen;
#if PY_VERSION_HEX >= 0x030B0000
    Py_ssize_t numfreeblocks;
    gen_dequeblock *freeblocks[16];
#endif
    PyObject *weakreflist;
} gen_deque;
#if PY_VERSION_HEX >= 0x030B0000
_Static_assert(sizeof(gen_deque) - FT_HEAD == 216, "deque.__basicsize__ is 216 in 3.11-3.13");
#else
_Static_assert(sizeof(gen_deque) - FT_HEAD == 80, "deque.__basicsize__ is 80 in 3.8-3.10");
#endif

/* REPLICA: Objects/odictobject.c, every version 3.8-3.13: the dict, then
 * od_first, od_last, od_fast_nodes, od_fast_nodes_size, od_resize_sentinel,
 * od_state, od_inst_dict (tp_dictoffset), od_weakreflist; nodes are
 * {next, prev, key, hash}. verify_live.py checks OrderedDict.__basicsize__,
 * __dictoffset__ and __weakrefoffset__. */
typedef struct gen_odictnode {
    struct gen_odictnode *next;
    struct gen_odictnode *prev;
    PyObject *key;
    Py_hash_t hash;
} gen_odictnode;
typedef struct {
    PyDictObject od_dict;
    gen_odictnode *od_first;
    gen_odictnode *od_last;
    gen_odictnode **od_fast_nodes;
    Py_ssize_t od_fast_nodes_size;
    void *od_resize_sentinel;
    size_t od_state;
    PyObject *od_inst_dict;
    PyObject *od_weakreflist;
} gen_odict;
_Static_assert(sizeof(gen_odict) == sizeof(PyDictObject) + 8 * sizeof(void *), "OrderedDict: dict + 8 words");

/* REPLICA: Objects/descrobject.c, every version 3.8-3.13: mappingproxy is
 * {PyObject_HEAD; PyObject *mapping}. verify_live.py checks
 * mappingproxy.__basicsize__ and reads the mapping of a live proxy. */
typedef struct {
    PyObject_HEAD
    PyObject *mapping;
} gen_mappingproxy;
_Static_assert(sizeof(gen_mappingproxy) == sizeof(PyObject) + sizeof(void *), "mappingproxy: header + 1 pointer");

/* REPLICA: _PyCodeObjectExtra, private to Objects/codeobject.c (3.8-3.13,
 * the same in all): {Py_ssize_t ce_size; void *ce_extras[1]}. code.__sizeof__
 * adds sizeof() of it plus ce_size - 1 more pointers. */
typedef struct {
    Py_ssize_t ce_size;
    void *ce_extras[1];
} gen_codeextra;

/* ======================================================================
 * Values computed at run time: bitfield positions.
 * ====================================================================== */

/* The state bitfield of PyASCIIObject: set one member in a zeroed object and
 * see which bits of the 32-bit word changed. The C standard leaves bitfield
 * order to the ABI, so we measure rather than assume. */
enum state_member { ST_KIND, ST_COMPACT, ST_ASCII, ST_READY };

static uint32_t state_word(enum state_member m)
{
    PyASCIIObject a;
    memset(&a, 0, sizeof a);
    switch (m) {
    case ST_KIND:    a.state.kind = 7; break;        /* all 3 bits */
    case ST_COMPACT: a.state.compact = 1; break;
    case ST_ASCII:   a.state.ascii = 1; break;
#if PY_VERSION_HEX < 0x030C0000
    case ST_READY:   a.state.ready = 1; break;
#else
    case ST_READY:   return 0;                       /* no such bit from 3.12 */
#endif
    }
    uint32_t w;
    _Static_assert(sizeof a.state == sizeof w, "unicode state is one 32-bit word");
    memcpy(&w, (const char *)&a + offsetof(PyASCIIObject, state), sizeof w);
    return w;
}

static int64_t state_shift(enum state_member m)
{
    uint32_t w = state_word(m);
    if (w == 0)
        return ABSENT;
    return __builtin_ctz(w);
}

/* The bit positions (from the object's start) of fileio's mode bitfields:
 * set one in a zeroed object and see which bit changed, as above. */
enum fileio_member { FI_CREATED, FI_READABLE, FI_WRITABLE, FI_APPENDING };

static int64_t fileio_bit(enum fileio_member m)
{
    gen_fileio f;
    memset(&f, 0, sizeof f);
    switch (m) {
    case FI_CREATED:   f.created = 1; break;
    case FI_READABLE:  f.readable = 1; break;
    case FI_WRITABLE:  f.writable = 1; break;
    case FI_APPENDING: f.appending = 1; break;
    }
    const unsigned char *bytes = (const unsigned char *)&f;
    for (size_t i = 0; i < sizeof f; i++)
        if (bytes[i])
            return (int64_t)(i * 8 + (size_t)__builtin_ctz(bytes[i]));
    return ABSENT;
}

static int64_t state_mask(enum state_member m)
{
    uint32_t w = state_word(m);
    if (w == 0)
        return ABSENT;
    return (int64_t)(w >> __builtin_ctz(w));
}

#if PY_VERSION_HEX >= 0x030B0000
/* How many bytes before the object the managed dict pointer (which 0) or,
 * in 3.11, the values pointer (which 1) sits: ask the headers' accessors
 * about a fake object whose type has Py_TPFLAGS_MANAGED_DICT (their asserts
 * read the flag; nothing else is dereferenced). */
static int64_t managed_before(int which)
{
    static PyTypeObject fake_type;
    static PyObject words[8];
    PyObject *obj = &words[4];
    fake_type.tp_flags = Py_TPFLAGS_MANAGED_DICT;
    Py_SET_TYPE(obj, &fake_type);
    char *at;
#if PY_VERSION_HEX >= 0x030D0000
    at = (char *)_PyObject_ManagedDictPointer(obj);
#elif PY_VERSION_HEX >= 0x030C0000
    at = (char *)_PyObject_DictOrValuesPointer(obj);
#else
    at = which ? (char *)_PyObject_ValuesPointer(obj) : (char *)_PyObject_ManagedDictPointer(obj);
#endif
    (void)which;
    return (int64_t)((char *)obj - at);
}
#endif

/* ======================================================================
 * The mapping, one V_<field> per field of GS_PY_LAYOUT_FIELDS.
 * ====================================================================== */

/* --- _PyRuntimeState ----------------------------------------------------- */
#define V_runtime_size SZ(_PyRuntimeState)
#define V_runtime_interpreters_head OFF(_PyRuntimeState, interpreters.head)
#define V_runtime_interpreters_main OFF(_PyRuntimeState, interpreters.main)
#if PY_VERSION_HEX >= 0x030B0000
/* 3.11+: the main interpreter is a member of _PyRuntime, not heap-allocated. */
#define V_runtime_main_interpreter OFF(_PyRuntimeState, _main_interpreter)
#else
#define V_runtime_main_interpreter ABSENT
#endif
#if PY_VERSION_HEX < 0x03090000
/* 3.8: one GC state for the whole runtime; 3.9 moved it into each interpreter. */
#define V_runtime_gc OFF(_PyRuntimeState, gc)
#else
#define V_runtime_gc ABSENT
#endif

/* --- PyInterpreterState (struct _is) ---------------------------------------- */
#define V_interp_size SZ(PyInterpreterState)
#define V_interp_next OFF(PyInterpreterState, next)
#define V_interp_id OFF(PyInterpreterState, id)
#if PY_VERSION_HEX >= 0x030B0000
/* 3.11+: the thread list moved into `struct pythreads threads`. */
#define V_interp_threads_head OFF(PyInterpreterState, threads.head)
#else
#define V_interp_threads_head OFF(PyInterpreterState, tstate_head)
#endif
#if PY_VERSION_HEX >= 0x03090000
#define V_interp_runtime OFF(PyInterpreterState, runtime)
#define V_interp_gc OFF(PyInterpreterState, gc)
#else
#define V_interp_runtime ABSENT
#define V_interp_gc ABSENT
#endif
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: the module table is in `struct _import_state imports`. */
#define V_interp_modules OFF(PyInterpreterState, imports.modules)
#else
#define V_interp_modules OFF(PyInterpreterState, modules)
#endif
#define V_interp_sysdict OFF(PyInterpreterState, sysdict)
#define V_interp_builtins OFF(PyInterpreterState, builtins)

/* --- PyThreadState (struct _ts) --------------------------------------------- */
/* 3.13 allocates a larger _PyThreadStateImpl whose first member is the
 * PyThreadState; tstate_size is sizeof(PyThreadState) as in _Py_DebugOffsets. */
#define V_tstate_size SZ(PyThreadState)
#define V_tstate_prev OFF(PyThreadState, prev)
#define V_tstate_next OFF(PyThreadState, next)
#define V_tstate_interp OFF(PyThreadState, interp)
#if PY_VERSION_HEX < 0x030B0000
#define V_tstate_frame OFF(PyThreadState, frame)
#else
#define V_tstate_frame ABSENT
#endif
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
/* 3.11/3.12: tstate->cframe->current_frame. (3.10 also has a `CFrame *cframe`
 * but it carries only use_tracing/previous, no frame: deliberately absent, so
 * that "has tstate_cframe" means "frames are reached through it".) */
#define V_tstate_cframe OFF(PyThreadState, cframe)
#define V_cframe_current_frame OFF(_PyCFrame, current_frame)
#else
#define V_tstate_cframe ABSENT
#define V_cframe_current_frame ABSENT
#endif
#if PY_VERSION_HEX >= 0x030D0000
#define V_tstate_current_frame OFF(PyThreadState, current_frame)
#else
#define V_tstate_current_frame ABSENT
#endif
#define V_tstate_thread_id OFF(PyThreadState, thread_id)
#if PY_VERSION_HEX >= 0x030B0000
/* native_thread_id appeared in 3.11 (not 3.9). */
#define V_tstate_native_thread_id OFF(PyThreadState, native_thread_id)
#define V_tstate_datastack_chunk OFF(PyThreadState, datastack_chunk)
#else
#define V_tstate_native_thread_id ABSENT
#define V_tstate_datastack_chunk ABSENT
#endif

/* --- the GIL and eval-loop entries (threads report) ----------------------- */
/* struct _gil_runtime_state (internal/pycore_gil.h): embedded in
 * _PyRuntime.ceval up to 3.11; from 3.12 each interpreter's ceval points at
 * one (its own, or the main interpreter's when it shares it). A thread holds
 * the GIL when `locked` is 1 and `last_holder` is its thread state. */
#if PY_VERSION_HEX >= 0x030C0000
#define V_runtime_ceval_gil ABSENT
#define V_interp_ceval_gil OFF(PyInterpreterState, ceval.gil)
#else
#define V_runtime_ceval_gil OFF(_PyRuntimeState, ceval.gil)
#define V_interp_ceval_gil ABSENT
#endif
#define V_gil_last_holder OFF(struct _gil_runtime_state, last_holder)
#define V_gil_locked OFF(struct _gil_runtime_state, locked)
/* 3.11 marks the first frame of each _PyEval_EvalFrameDefault call with
 * is_entry; 3.12+ pushes a FRAME_OWNED_BY_CSTACK shim frame instead. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define V_iframe_is_entry OFF(_PyInterpreterFrame, is_entry)
#else
#define V_iframe_is_entry ABSENT
#endif

/* --- struct _gc_runtime_state, struct gc_generation, PyGC_Head ------------ */
/* All six versions have generations[NUM_GENERATIONS=3] + permanent_generation
 * (3.13.0 shipped without the incremental collector that 3.14 brought). */
#define V_gc_size SZ(struct _gc_runtime_state)
#define V_gc_enabled OFF(struct _gc_runtime_state, enabled)
#define V_gc_debug OFF(struct _gc_runtime_state, debug)
#ifdef Py_GIL_DISABLED
/* Free-threaded: young + old[2] over the same bytes hold only thresholds and
 * counts; no object is ever linked into a list (src/py/heap_ft.c walks the
 * mimalloc heaps instead), and there is no generation0 pointer. */
#define V_gc_generations OFF(struct _gc_runtime_state, young)
#define V_gc_generation0 ABSENT
#else
#define V_gc_generations OFF(struct _gc_runtime_state, generations)
#define V_gc_generation0 OFF(struct _gc_runtime_state, generation0)
#endif
#define V_gc_permanent_generation OFF(struct _gc_runtime_state, permanent_generation)
#define V_gc_collecting OFF(struct _gc_runtime_state, collecting)
#define V_gc_garbage OFF(struct _gc_runtime_state, garbage)
#define V_gc_generation_size SZ(struct gc_generation)
#define V_gc_generation_threshold OFF(struct gc_generation, threshold)
#define V_gc_generation_count OFF(struct gc_generation, count)
#define V_gc_num_generations ((int64_t)NUM_GENERATIONS)
#ifdef Py_GIL_DISABLED
/* No PyGC_Head before a free-threaded object (_PyType_PreHeaderSize counts
 * only the managed dict and weakref words). */
#define V_gc_head_size ABSENT
#define V_gc_head_next ABSENT
#define V_gc_head_prev ABSENT
#else
#define V_gc_head_size SZ(PyGC_Head)
#define V_gc_head_next OFF(PyGC_Head, _gc_next)
#define V_gc_head_prev OFF(PyGC_Head, _gc_prev)
#endif
/* Free-threaded builds never ran the incremental collector. */
#if PY_VERSION_HEX >= 0x030E0000 && PY_VERSION_HEX < 0x030F0000 && !defined(Py_GIL_DISABLED)
/* 3.14.0-3.14.4 ran the incremental collector; 3.14.5 (gh-142516) brought
 * the generational one back over the same bytes: generations[3] where
 * young + old[2] were, and dummy1..3 "to preserve other offsets" where
 * work_to_do, visited_space and phase were; then it appended
 * long_lived_total, long_lived_pending and generation0, which the
 * incremental struct ends before. So the incremental struct is described by
 * these headers too: its size is where long_lived_total starts. Headers of
 * 3.14.0-3.14.4 are not at hand; the same facts are pinned from them by the
 * asserts (each member follows the last without padding). */
_Static_assert(offsetof(struct _gc_runtime_state, dummy1) == offsetof(struct _gc_runtime_state, heap_size) + 8 &&
               offsetof(struct _gc_runtime_state, dummy2) == offsetof(struct _gc_runtime_state, dummy1) + 8 &&
               offsetof(struct _gc_runtime_state, dummy3) == offsetof(struct _gc_runtime_state, dummy2) + 4 &&
               offsetof(struct _gc_runtime_state, long_lived_total) ==
                   offsetof(struct _gc_runtime_state, dummy3) + 4,
               "3.14's collector state: heap_size, dummy1 (work_to_do), dummy2 (visited_space), dummy3 (phase)");
#define V_gc_incremental_size OFF(struct _gc_runtime_state, long_lived_total)
#define V_gc_incremental_visited_space OFF(struct _gc_runtime_state, dummy2)
#define V_gc_incremental_phase OFF(struct _gc_runtime_state, dummy3)
#else
#define V_gc_incremental_size ABSENT
#define V_gc_incremental_visited_space ABSENT
#define V_gc_incremental_phase ABSENT
#endif

/* --- PyObject / PyVarObject ------------------------------------------------- */
#define V_object_size SZ(PyObject)
#ifdef Py_GIL_DISABLED
#define V_object_refcnt ABSENT   /* split: ft_object_ref_local + ft_object_ref_shared */
#else
#define V_object_refcnt OFF(PyObject, ob_refcnt)
#endif
#define V_object_type OFF(PyObject, ob_type)
#ifdef Py_GIL_DISABLED
/* Free-threaded: ob_flags (u16) after ob_tid; the count is split
 * (ft_object_ref_local, ft_object_ref_shared) and immortality is
 * ob_ref_local == UINT32_MAX, not a flag. */
#define V_object_refcnt_bits ABSENT
#define V_object_flags OFF(PyObject, ob_flags)
#define V_object_flag_immortal ABSENT
#define V_object_flag_static ((int64_t)_Py_STATICALLY_ALLOCATED_FLAG)
#elif PY_VERSION_HEX >= 0x030E0000
/* 3.14 (GIL build, 64-bit): the first word is {uint32_t ob_refcnt;
 * uint16_t ob_overflow; uint16_t ob_flags}: the count is 32 bits, and
 * immortal or statically allocated objects say so in ob_flags. */
#define V_object_refcnt_bits ((int64_t)sizeof(((PyObject *)0)->ob_refcnt) * 8)
#define V_object_flags OFF(PyObject, ob_flags)
#define V_object_flag_immortal ((int64_t)_Py_IMMORTAL_FLAGS)
#define V_object_flag_static ((int64_t)_Py_STATICALLY_ALLOCATED_FLAG)
_Static_assert(sizeof(((PyObject *)0)->ob_refcnt) == 4, "3.14: a 32-bit ob_refcnt");
#else
#define V_object_refcnt_bits ((int64_t)sizeof(((PyObject *)0)->ob_refcnt) * 8)
#define V_object_flags ABSENT
#define V_object_flag_immortal ABSENT
#define V_object_flag_static ABSENT
#endif
#define V_varobject_size SZ(PyVarObject)
#define V_varobject_ob_size OFF(PyVarObject, ob_size)

/* --- PyTypeObject / PyHeapTypeObject ---------------------------------------- */
#define V_type_size SZ(PyTypeObject)
#define V_type_name OFF(PyTypeObject, tp_name)
#define V_type_basicsize OFF(PyTypeObject, tp_basicsize)
#define V_type_itemsize OFF(PyTypeObject, tp_itemsize)
#define V_type_dealloc OFF(PyTypeObject, tp_dealloc)
#define V_type_flags OFF(PyTypeObject, tp_flags)
#define V_type_traverse OFF(PyTypeObject, tp_traverse)
#define V_type_weaklistoffset OFF(PyTypeObject, tp_weaklistoffset)
#define V_type_members OFF(PyTypeObject, tp_members)
#define V_type_getset OFF(PyTypeObject, tp_getset)
#define V_type_base OFF(PyTypeObject, tp_base)
#define V_type_dict OFF(PyTypeObject, tp_dict)
#define V_type_dictoffset OFF(PyTypeObject, tp_dictoffset)
#define V_type_is_gc OFF(PyTypeObject, tp_is_gc)
#define V_type_bases OFF(PyTypeObject, tp_bases)
#define V_type_mro OFF(PyTypeObject, tp_mro)
#define V_type_del OFF(PyTypeObject, tp_del)
#define V_type_finalize OFF(PyTypeObject, tp_finalize)
/* A dict of weakrefs to the subclasses; 3.12+ static builtin types keep
 * their index there instead (typeobject.c static_builtin_index_set). */
#define V_type_subclasses OFF(PyTypeObject, tp_subclasses)
#define V_heaptype_size SZ(PyHeapTypeObject)
#define V_heaptype_name OFF(PyHeapTypeObject, ht_name)
#define V_heaptype_qualname OFF(PyHeapTypeObject, ht_qualname)
#define V_heaptype_slots OFF(PyHeapTypeObject, ht_slots)
#if PY_VERSION_HEX >= 0x03090000
#define V_heaptype_module OFF(PyHeapTypeObject, ht_module)
#else
#define V_heaptype_module ABSENT
#endif
#define V_heaptype_cached_keys OFF(PyHeapTypeObject, ht_cached_keys)

/* --- PyMemberDef -------------------------------------------------------------- */
#define V_memberdef_size SZ(PyMemberDef)
#define V_memberdef_name OFF(PyMemberDef, name)
#define V_memberdef_type OFF(PyMemberDef, type)
#define V_memberdef_offset OFF(PyMemberDef, offset)
#define V_memberdef_flags OFF(PyMemberDef, flags)

/* --- type flags ---------------------------------------------------------------- */
#if PY_VERSION_HEX >= 0x030B0000
#define V_flag_managed_dict ((int64_t)Py_TPFLAGS_MANAGED_DICT)
#else
#define V_flag_managed_dict ABSENT
#endif
#if PY_VERSION_HEX >= 0x030C0000
#define V_flag_managed_weakref ((int64_t)Py_TPFLAGS_MANAGED_WEAKREF)
#else
#define V_flag_managed_weakref ABSENT
#endif
#if PY_VERSION_HEX >= 0x030D0000
#define V_flag_inline_values ((int64_t)Py_TPFLAGS_INLINE_VALUES)
#else
#define V_flag_inline_values ABSENT
#endif
#define V_flag_heaptype ((int64_t)Py_TPFLAGS_HEAPTYPE)
#define V_flag_have_gc ((int64_t)Py_TPFLAGS_HAVE_GC)
#define V_flag_long_subclass ((int64_t)Py_TPFLAGS_LONG_SUBCLASS)
#define V_flag_list_subclass ((int64_t)Py_TPFLAGS_LIST_SUBCLASS)
#define V_flag_tuple_subclass ((int64_t)Py_TPFLAGS_TUPLE_SUBCLASS)
#define V_flag_bytes_subclass ((int64_t)Py_TPFLAGS_BYTES_SUBCLASS)
#define V_flag_unicode_subclass ((int64_t)Py_TPFLAGS_UNICODE_SUBCLASS)
#define V_flag_dict_subclass ((int64_t)Py_TPFLAGS_DICT_SUBCLASS)
#define V_flag_type_subclass ((int64_t)Py_TPFLAGS_TYPE_SUBCLASS)
#if PY_VERSION_HEX >= 0x030C0000
#define V_flag_static_builtin ((int64_t)_Py_TPFLAGS_STATIC_BUILTIN)
#else
#define V_flag_static_builtin ABSENT
#endif
#if PY_VERSION_HEX >= 0x030A0000
#define V_flag_immutabletype ((int64_t)Py_TPFLAGS_IMMUTABLETYPE)
#else
#define V_flag_immutabletype ABSENT
#endif

/* --- managed dicts (3.11+): where the dict (or values) pointer sits BEFORE
 *     the object, measured by calling the headers' own accessors on a
 *     fake object (they only do pointer arithmetic). -------------------- */
#if PY_VERSION_HEX >= 0x030B0000
#define V_managed_dict_before managed_before(0)
#else
#define V_managed_dict_before ABSENT
#endif
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
/* 3.11: dict* at obj-24 and, apart, PyDictValues* at obj-32. */
#define V_managed_values_before managed_before(1)
#else
#define V_managed_values_before ABSENT
#endif
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
/* 3.12: one PyDictOrValues; the low bit set means values, at raw + 1
 * (_PyDictOrValues_IsValues / _PyDictOrValues_GetValues). */
#define V_managed_dict_values_tag ((int64_t)1)
#else
#define V_managed_dict_values_tag ABSENT
#endif
/* sys.getsizeof adds _PyType_PreHeaderSize(Py_TYPE(o)) to every object in
 * 3.11 and 3.12 (sysmodule.c _PySys_GetSizeOf), static type objects
 * included (sys.getsizeof(int) is 424 on 3.11.2/3.11.7, 432 on 3.12.1).
 * 3.8-3.10 ask tp_is_gc (false for static types) and 3.13 skips static
 * types explicitly. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
#define V_getsizeof_static_type_preheader ((int64_t)1)
#else
#define V_getsizeof_static_type_preheader ((int64_t)0)
#endif

/* --- list, tuple ------------------------------------------------------------------ */
#define V_list_size SZ(PyListObject)
#define V_list_ob_item OFF(PyListObject, ob_item)
#define V_list_allocated OFF(PyListObject, allocated)
/* sizeof(PyTupleObject) counts ob_item[1]: one item more than tp_basicsize. */
#define V_tuple_size SZ(PyTupleObject)
#define V_tuple_ob_item OFF(PyTupleObject, ob_item)

/* --- dict ---------------------------------------------------------------------------- */
#define V_dict_size SZ(PyDictObject)
#define V_dict_ma_used OFF(PyDictObject, ma_used)
#define V_dict_ma_keys OFF(PyDictObject, ma_keys)
#define V_dict_ma_values OFF(PyDictObject, ma_values)
#define V_dictkeys_refcnt OFF(PyDictKeysObject, dk_refcnt)
#if PY_VERSION_HEX >= 0x030B0000
#define V_dictkeys_size_field ABSENT
#define V_dictkeys_log2_size OFF(PyDictKeysObject, dk_log2_size)
#define V_dictkeys_log2_index_bytes OFF(PyDictKeysObject, dk_log2_index_bytes)
#define V_dictkeys_kind OFF(PyDictKeysObject, dk_kind)
/* Unicode and split tables store {key, value}; general ones {hash, key, value}. */
#define V_dictunicodeentry_size SZ(PyDictUnicodeEntry)
#else
#define V_dictkeys_size_field OFF(PyDictKeysObject, dk_size)
#define V_dictkeys_log2_size ABSENT
#define V_dictkeys_log2_index_bytes ABSENT
#define V_dictkeys_kind ABSENT
#define V_dictunicodeentry_size ABSENT
#endif
#define V_dictkeys_usable OFF(PyDictKeysObject, dk_usable)
#define V_dictkeys_nentries OFF(PyDictKeysObject, dk_nentries)
#define V_dictkeys_indices OFF(PyDictKeysObject, dk_indices)
#define V_dictkeyentry_size SZ(PyDictKeyEntry)
#define V_dictkeyentry_hash OFF(PyDictKeyEntry, me_hash)
#define V_dictkeyentry_key OFF(PyDictKeyEntry, me_key)
#define V_dictkeyentry_value OFF(PyDictKeyEntry, me_value)
#if PY_VERSION_HEX >= 0x030D0000
/* 3.13: PyDictValues {u8 capacity, size, embedded, valid; values[]}. */
#define V_dictvalues_values OFF(PyDictValues, values)
#define V_dictvalues_capacity OFF(PyDictValues, capacity)
#define V_dictvalues_size OFF(PyDictValues, size)
#define V_dictvalues_embedded OFF(PyDictValues, embedded)
#define V_dictvalues_valid OFF(PyDictValues, valid)
#elif PY_VERSION_HEX >= 0x030B0000
/* 3.11/3.12: PyDictValues is just values[] (the insertion-order bytes sit
 * before it, at negative offsets, and are not described here). */
#define V_dictvalues_values OFF(PyDictValues, values)
#define V_dictvalues_capacity ABSENT
#define V_dictvalues_size ABSENT
#define V_dictvalues_embedded ABSENT
#define V_dictvalues_valid ABSENT
#else
/* 3.8-3.10: ma_values is a bare PyObject** array. */
#define V_dictvalues_values ((int64_t)0)
#define V_dictvalues_capacity ABSENT
#define V_dictvalues_size ABSENT
#define V_dictvalues_embedded ABSENT
#define V_dictvalues_valid ABSENT
#endif
#define V_dict_minsize ((int64_t)GEN_PYDICT_MINSIZE)

/* --- set -------------------------------------------------------------------------------- */
#define V_set_size SZ(PySetObject)
#define V_set_fill OFF(PySetObject, fill)
#define V_set_used OFF(PySetObject, used)
#define V_set_mask OFF(PySetObject, mask)
#define V_set_table OFF(PySetObject, table)
#define V_set_smalltable OFF(PySetObject, smalltable)
#define V_setentry_size SZ(setentry)
#define V_setentry_key OFF(setentry, key)
#define V_setentry_hash OFF(setentry, hash)

/* --- deque, OrderedDict, mappingproxy (REPLICA structs above) ------------------ */
#define V_deque_leftblock OFF(gen_deque, leftblock)
#define V_deque_rightblock OFF(gen_deque, rightblock)
#define V_deque_leftindex OFF(gen_deque, leftindex)
#define V_deque_rightindex OFF(gen_deque, rightindex)
#define V_deque_blocklen ((int64_t)GEN_DEQUE_BLOCKLEN)
#define V_dequeblock_size SZ(gen_dequeblock)
#define V_dequeblock_data OFF(gen_dequeblock, data)
#define V_dequeblock_rightlink OFF(gen_dequeblock, rightlink)
#define V_odict_size SZ(gen_odict)
#define V_odict_fast_nodes_size OFF(gen_odict, od_fast_nodes_size)
#define V_odict_inst_dict OFF(gen_odict, od_inst_dict)
#define V_odictnode_size SZ(gen_odictnode)
#define V_mappingproxy_mapping OFF(gen_mappingproxy, mapping)

/* --- str ---------------------------------------------------------------------------------- */
#define V_unicode_size SZ(PyUnicodeObject)
#define V_unicode_ascii_size SZ(PyASCIIObject)
#define V_unicode_compact_size SZ(PyCompactUnicodeObject)
#define V_unicode_length OFF(PyASCIIObject, length)
#define V_unicode_hash OFF(PyASCIIObject, hash)
#define V_unicode_state OFF(PyASCIIObject, state)
#define V_unicode_state_kind_shift state_shift(ST_KIND)
#define V_unicode_state_kind_mask state_mask(ST_KIND)
#define V_unicode_state_compact_shift state_shift(ST_COMPACT)
#define V_unicode_state_ascii_shift state_shift(ST_ASCII)
#define V_unicode_state_ready_shift state_shift(ST_READY)   /* ABSENT from 3.12 */
#define V_unicode_utf8 OFF(PyCompactUnicodeObject, utf8)
#define V_unicode_utf8_length OFF(PyCompactUnicodeObject, utf8_length)
#if PY_VERSION_HEX < 0x030C0000
#define V_unicode_wstr OFF(PyASCIIObject, wstr)
#else
#define V_unicode_wstr ABSENT
#endif
#if PY_VERSION_HEX < 0x030C0000
#define V_unicode_wstr_length OFF(PyCompactUnicodeObject, wstr_length)
#else
#define V_unicode_wstr_length ABSENT
#endif
#define V_unicode_data OFF(PyUnicodeObject, data)

/* --- bytes, bytearray, int, float ---------------------------------------------------- */
#define V_bytes_size SZ(PyBytesObject)
#define V_bytes_sval OFF(PyBytesObject, ob_sval)
#define V_bytearray_size SZ(PyByteArrayObject)
#define V_bytearray_alloc OFF(PyByteArrayObject, ob_alloc)
#define V_bytearray_bytes OFF(PyByteArrayObject, ob_bytes)
#define V_long_size SZ(PyLongObject)
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: sign and digit count are packed in long_value.lv_tag. */
#define V_long_digit OFF(PyLongObject, long_value.ob_digit)
#define V_long_lv_tag OFF(PyLongObject, long_value.lv_tag)
#else
#define V_long_digit OFF(PyLongObject, ob_digit)
#define V_long_lv_tag ABSENT
#endif
#define V_long_digit_size SZ(digit)
#define V_long_shift ((int64_t)PyLong_SHIFT)
/* int.__sizeof__ counts at least one digit from 3.11 (gh-100637, also in
 * 3.11.2: sys.getsizeof(0) == 28), abs(ob_size) digits before. */
#if PY_VERSION_HEX >= 0x030B0000
#define V_long_sizeof_min_digits ((int64_t)1)
#else
#define V_long_sizeof_min_digits ((int64_t)0)
#endif
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: lv_tag = digit count << _PyLong_NON_SIZE_BITS | sign bits. */
#define V_long_non_size_bits ((int64_t)_PyLong_NON_SIZE_BITS)
#else
#define V_long_non_size_bits ABSENT
#endif
#define V_float_size SZ(PyFloatObject)
#define V_float_fval OFF(PyFloatObject, ob_fval)

/* --- module ------------------------------------------------------------------------------ */
#define V_module_size SZ(PyModuleObject)
#define V_module_dict OFF(PyModuleObject, md_dict)
#if PY_VERSION_HEX >= 0x030F0000
/* 3.15: md_def became md_token (a def only when md_token_is_def). */
#define V_module_def ABSENT
#else
#define V_module_def OFF(PyModuleObject, md_def)
#endif
#define V_module_state OFF(PyModuleObject, md_state)
#define V_module_name OFF(PyModuleObject, md_name)
#if PY_VERSION_HEX >= 0x030F0000
/* 3.15: the module keeps its state's size and traverse itself. */
#define V_module_state_size OFF(PyModuleObject, md_state_size)
#define V_module_state_traverse OFF(PyModuleObject, md_state_traverse)
#else
#define V_module_state_size ABSENT
#define V_module_state_traverse ABSENT
#endif
#define V_moduledef_size_field OFF(PyModuleDef, m_size)

/* --- function, cell, method, classmethod ------------------------------------------ */
#define V_func_size SZ(PyFunctionObject)
#define V_func_code OFF(PyFunctionObject, func_code)
#define V_func_globals OFF(PyFunctionObject, func_globals)
#if PY_VERSION_HEX >= 0x030A0000
#define V_func_builtins OFF(PyFunctionObject, func_builtins)
#else
#define V_func_builtins ABSENT
#endif
#define V_func_name OFF(PyFunctionObject, func_name)
#define V_func_qualname OFF(PyFunctionObject, func_qualname)
#define V_func_defaults OFF(PyFunctionObject, func_defaults)
#define V_func_kwdefaults OFF(PyFunctionObject, func_kwdefaults)
#define V_func_closure OFF(PyFunctionObject, func_closure)
#define V_func_doc OFF(PyFunctionObject, func_doc)
#define V_func_dict OFF(PyFunctionObject, func_dict)
#define V_func_module OFF(PyFunctionObject, func_module)
#define V_func_annotations OFF(PyFunctionObject, func_annotations)
#if PY_VERSION_HEX >= 0x030C0000
#define V_func_typeparams OFF(PyFunctionObject, func_typeparams)
#else
#define V_func_typeparams ABSENT
#endif
#if PY_VERSION_HEX >= 0x030E0000
#define V_func_annotate OFF(PyFunctionObject, func_annotate)
#else
#define V_func_annotate ABSENT
#endif
#define V_cell_size SZ(PyCellObject)
#define V_cell_ref OFF(PyCellObject, ob_ref)
#define V_method_size SZ(PyMethodObject)
#define V_method_func OFF(PyMethodObject, im_func)
#define V_method_self OFF(PyMethodObject, im_self)
#define V_classmethod_callable OFF(gen_classmethod, cm_callable)
#define V_classmethod_dict OFF(gen_classmethod, cm_dict)
#define V_property_size SZ(gen_property)
#define V_property_get OFF(gen_property, prop_get)
#define V_property_set OFF(gen_property, prop_set)
#define V_property_del OFF(gen_property, prop_del)
#define V_property_doc OFF(gen_property, prop_doc)
#if PY_VERSION_HEX >= 0x030A0000
#define V_property_name OFF(gen_property, prop_name)
#else
#define V_property_name ABSENT
#endif
#define V_partial_size SZ(gen_partial)
#define V_partial_fn OFF(gen_partial, fn)
#define V_partial_args OFF(gen_partial, args)
#define V_partial_kw OFF(gen_partial, kw)
#define V_partial_dict OFF(gen_partial, dict)
/* PyCFunctionObject is public (methodobject.h; cpython/methodobject.h from
 * 3.9); 3.9 added PyCMethodObject {PyCFunctionObject func; mm_class}. */
#define V_cfunc_size SZ(PyCFunctionObject)
#define V_cfunc_self OFF(PyCFunctionObject, m_self)
#define V_cfunc_module OFF(PyCFunctionObject, m_module)
#if PY_VERSION_HEX >= 0x03090000
#define V_cmethod_class OFF(PyCMethodObject, mm_class)
#else
#define V_cmethod_class ABSENT
#endif
#define V_wrapper_size SZ(gen_wrapper)
#define V_wrapper_descr OFF(gen_wrapper, descr)
#define V_wrapper_self OFF(gen_wrapper, self)
#define V_lruelem_size SZ(gen_lru_list_elem)
#define V_lruelem_key OFF(gen_lru_list_elem, key)
#define V_lruelem_result OFF(gen_lru_list_elem, result)
#define V_lrucache_size SZ(gen_lru_cache)
#define V_lrucache_cache OFF(gen_lru_cache, cache)
#define V_lrucache_func OFF(gen_lru_cache, func)
#if PY_VERSION_HEX >= 0x030A0000
#define V_lrucache_kwd_mark OFF(gen_lru_cache, kwd_mark)
#define V_lrucache_elem_type OFF(gen_lru_cache, lru_list_elem_type)
#else
#define V_lrucache_kwd_mark ABSENT
#define V_lrucache_elem_type ABSENT
#endif
#define V_lrucache_cache_info_type OFF(gen_lru_cache, cache_info_type)
#define V_lrucache_dict OFF(gen_lru_cache, dict)

/* --- code objects --------------------------------------------------------------------- */
#define V_code_size SZ(PyCodeObject)
#define V_code_argcount OFF(PyCodeObject, co_argcount)
#define V_code_flags OFF(PyCodeObject, co_flags)
#define V_code_firstlineno OFF(PyCodeObject, co_firstlineno)
#define V_code_nlocals OFF(PyCodeObject, co_nlocals)
#define V_code_stacksize OFF(PyCodeObject, co_stacksize)
#define V_code_consts OFF(PyCodeObject, co_consts)
#define V_code_names OFF(PyCodeObject, co_names)
#define V_code_filename OFF(PyCodeObject, co_filename)
#define V_code_name OFF(PyCodeObject, co_name)
#define V_code_weakreflist OFF(PyCodeObject, co_weakreflist)
#define V_code_extra OFF(PyCodeObject, co_extra)
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: co_code, co_varnames, co_cellvars, co_freevars are computed on
 * demand and cached in a separately allocated _PyCoCached (strong refs). */
#define V_code_co_code_cache ABSENT
#define V_code_cached OFF(PyCodeObject, _co_cached)
#define V_cocached_code OFF(_PyCoCached, _co_code)
#define V_cocached_varnames OFF(_PyCoCached, _co_varnames)
#define V_cocached_cellvars OFF(_PyCoCached, _co_cellvars)
#define V_cocached_freevars OFF(_PyCoCached, _co_freevars)
#elif PY_VERSION_HEX >= 0x030B0000
/* 3.11: only co_code is cached, in the code object itself. */
#define V_code_co_code_cache OFF(PyCodeObject, _co_code)
#define V_code_cached ABSENT
#define V_cocached_code ABSENT
#define V_cocached_varnames ABSENT
#define V_cocached_cellvars ABSENT
#define V_cocached_freevars ABSENT
#else
#define V_code_co_code_cache ABSENT
#define V_code_cached ABSENT
#define V_cocached_code ABSENT
#define V_cocached_varnames ABSENT
#define V_cocached_cellvars ABSENT
#define V_cocached_freevars ABSENT
#endif
#define V_codeextra_size SZ(gen_codeextra)
#if PY_VERSION_HEX < 0x030B0000
/* 3.8-3.10 code.__sizeof__ also counts co_cell2arg (one Py_ssize_t per
 * cell var), the opcache map (one byte per code unit) and co_opcache. */
#define V_code_cell2arg OFF(PyCodeObject, co_cell2arg)
#define V_code_opcache OFF(PyCodeObject, co_opcache)
#define V_code_opcache_size OFF(PyCodeObject, co_opcache_size)
#define V_opcache_size SZ(_PyOpcache)
#else
#define V_code_cell2arg ABSENT
#define V_code_opcache ABSENT
#define V_code_opcache_size ABSENT
#define V_opcache_size ABSENT
#endif
#if PY_VERSION_HEX >= 0x030B0000
#define V_code_nlocalsplus OFF(PyCodeObject, co_nlocalsplus)
#define V_code_varnames ABSENT
#define V_code_freevars ABSENT
#define V_code_cellvars ABSENT
#define V_code_localsplusnames OFF(PyCodeObject, co_localsplusnames)
#define V_code_localspluskinds OFF(PyCodeObject, co_localspluskinds)
#define V_code_qualname OFF(PyCodeObject, co_qualname)
#define V_code_exceptiontable OFF(PyCodeObject, co_exceptiontable)
#define V_code_code ABSENT
#define V_code_code_adaptive OFF(PyCodeObject, co_code_adaptive)
#else
#define V_code_nlocalsplus ABSENT
#define V_code_varnames OFF(PyCodeObject, co_varnames)
#define V_code_freevars OFF(PyCodeObject, co_freevars)
#define V_code_cellvars OFF(PyCodeObject, co_cellvars)
#define V_code_localsplusnames ABSENT
#define V_code_localspluskinds ABSENT
#define V_code_qualname ABSENT
#define V_code_exceptiontable ABSENT
#define V_code_code OFF(PyCodeObject, co_code)
#define V_code_code_adaptive ABSENT
#endif
#if PY_VERSION_HEX >= 0x030C0000
/* co_framesize is 3.12+; 3.11 computes it (co_nlocalsplus + co_stacksize +
 * FRAME_SPECIALS_SIZE). */
#define V_code_framesize OFF(PyCodeObject, co_framesize)
#else
#define V_code_framesize ABSENT
#endif
#if PY_VERSION_HEX >= 0x030A0000
#define V_code_linetable OFF(PyCodeObject, co_linetable)
#else
#define V_code_linetable OFF(PyCodeObject, co_lnotab)
#endif

/* --- frame objects -------------------------------------------------------------------- */
#define V_frame_size SZ(PyFrameObject)
#define V_frame_trace OFF(PyFrameObject, f_trace)
#define V_frame_lineno OFF(PyFrameObject, f_lineno)
#if PY_VERSION_HEX < 0x030B0000
#define V_frame_back OFF(PyFrameObject, f_back)
#define V_frame_code OFF(PyFrameObject, f_code)
#define V_frame_builtins OFF(PyFrameObject, f_builtins)
#define V_frame_globals OFF(PyFrameObject, f_globals)
#define V_frame_locals OFF(PyFrameObject, f_locals)
/* f_valuestack is in 3.8-3.10 (3.10 pairs it with the int f_stackdepth). */
#define V_frame_valuestack OFF(PyFrameObject, f_valuestack)
#define V_frame_lasti OFF(PyFrameObject, f_lasti)
#define V_frame_gen OFF(PyFrameObject, f_gen)
#define V_frame_localsplus OFF(PyFrameObject, f_localsplus)
#define V_frame_frame ABSENT
#define V_frame_back_obj ABSENT
#define V_frame_data ABSENT
#else
/* 3.11+: a PyFrameObject wraps a _PyInterpreterFrame; f_back is only set
 * when materialized (otherwise computed from f_frame->previous). */
#define V_frame_back ABSENT
#define V_frame_code ABSENT
#define V_frame_builtins ABSENT
#define V_frame_globals ABSENT
#define V_frame_locals ABSENT
#define V_frame_valuestack ABSENT
#define V_frame_lasti ABSENT
#define V_frame_gen ABSENT
#define V_frame_localsplus ABSENT
#define V_frame_frame OFF(PyFrameObject, f_frame)
#define V_frame_back_obj OFF(PyFrameObject, f_back)
#define V_frame_data OFF(PyFrameObject, _f_frame_data)
#endif
#if PY_VERSION_HEX < 0x030A0000
/* PyObject **f_stacktop (NULL while the frame executes). */
#define V_frame_stacktop OFF(PyFrameObject, f_stacktop)
#define V_frame_stackdepth ABSENT
#elif PY_VERSION_HEX < 0x030B0000
/* 3.10: int f_stackdepth replaces the pointer; frame_stacktop stays absent so
 * that a decoder never reads an int as a pointer. */
#define V_frame_stacktop ABSENT
#define V_frame_stackdepth OFF(PyFrameObject, f_stackdepth)
#else
#define V_frame_stacktop ABSENT
#define V_frame_stackdepth ABSENT
#endif

#if PY_VERSION_HEX >= 0x030D0000
/* 3.13: strong refs for locals written through frame.f_locals and for
 * PyEval_GetLocals()'s borrowed result. */
#define V_frame_extra_locals OFF(PyFrameObject, f_extra_locals)
#define V_frame_locals_cache OFF(PyFrameObject, f_locals_cache)
#else
#define V_frame_extra_locals ABSENT
#define V_frame_locals_cache ABSENT
#endif

/* --- _PyInterpreterFrame, _PyStackChunk (3.11+) ------------------------------------- */
#if PY_VERSION_HEX >= 0x030B0000
#define V_iframe_size SZ(_PyInterpreterFrame)
#if PY_VERSION_HEX >= 0x030D0000
#define V_iframe_code OFF(_PyInterpreterFrame, f_executable)   /* code object or None */
#define V_iframe_instr OFF(_PyInterpreterFrame, instr_ptr)
#else
#define V_iframe_code OFF(_PyInterpreterFrame, f_code)
#define V_iframe_instr OFF(_PyInterpreterFrame, prev_instr)
#endif
#if PY_VERSION_HEX >= 0x030E0000
/* 3.14 renumbered the owners: the shim frame that each entry into the eval
 * loop pushes is FRAME_OWNED_BY_INTERPRETER (3; ceval.c `entry.frame.owner`);
 * 3.14's FRAME_OWNED_BY_CSTACK (4) is given to no frame and 3.15 drops it.
 * Decoders treat every owner >= this value as "not a Python frame", as
 * CPython does (`frame->owner >= FRAME_OWNED_BY_INTERPRETER`). */
#define V_iframe_func OFF(_PyInterpreterFrame, f_funcobj)
#define V_iframe_owner_cstack ((int64_t)FRAME_OWNED_BY_INTERPRETER)
#elif PY_VERSION_HEX >= 0x030C0000
#define V_iframe_func OFF(_PyInterpreterFrame, f_funcobj)
#define V_iframe_owner_cstack ((int64_t)FRAME_OWNED_BY_CSTACK)
#else
#define V_iframe_func OFF(_PyInterpreterFrame, f_func)
#define V_iframe_owner_cstack ABSENT
#endif
#define V_iframe_previous OFF(_PyInterpreterFrame, previous)
#define V_iframe_globals OFF(_PyInterpreterFrame, f_globals)
#define V_iframe_builtins OFF(_PyInterpreterFrame, f_builtins)
#define V_iframe_locals OFF(_PyInterpreterFrame, f_locals)
#define V_iframe_frame_obj OFF(_PyInterpreterFrame, frame_obj)
#if PY_VERSION_HEX >= 0x030E0000
/* 3.14: `_PyStackRef *stackpointer` (one past the top of the stack; release
 * builds keep its last saved value while the frame runs, debug builds NULL)
 * instead of `int stacktop`. */
#define V_iframe_stacktop ABSENT
#define V_iframe_stackpointer OFF(_PyInterpreterFrame, stackpointer)
#else
#define V_iframe_stacktop OFF(_PyInterpreterFrame, stacktop)
#define V_iframe_stackpointer ABSENT
#endif
#define V_iframe_owner OFF(_PyInterpreterFrame, owner)
#define V_iframe_localsplus OFF(_PyInterpreterFrame, localsplus)
#define V_iframe_owner_generator ((int64_t)FRAME_OWNED_BY_GENERATOR)
#define V_iframe_owner_frame_object ((int64_t)FRAME_OWNED_BY_FRAME_OBJECT)
#define V_iframe_owner_thread ((int64_t)FRAME_OWNED_BY_THREAD)
#if PY_VERSION_HEX >= 0x030E0000
/* _PyStackRef (internal/pycore_stackref.h, GIL build): a word whose low
 * Py_TAG_BITS bits are a tag. NULL is PyStackRef_NULL_BITS; (bits & mask) ==
 * Py_INT_TAG is a tagged int (no object); otherwise the object is bits &
 * ~mask, and the Py_TAG_REFCNT bit says the reference is borrowed or to an
 * immortal (the collector does not count it: gc.c _PyGC_VisitStackRef). */
#define V_stackref_tag_mask ((int64_t)Py_TAG_BITS)
#ifdef Py_GIL_DISABLED
/* Free-threaded: PyStackRef_NULL is { .bits = Py_TAG_DEFERRED } (1). */
#define V_stackref_null_bits ((int64_t)Py_TAG_DEFERRED)
#else
#define V_stackref_null_bits ((int64_t)PyStackRef_NULL_BITS)
#endif
#define V_stackref_int_tag ((int64_t)Py_INT_TAG)
#define V_stackref_refcnt_tag ((int64_t)Py_TAG_REFCNT)
_Static_assert(sizeof(_PyStackRef) == sizeof(void *), "a _PyStackRef is one word");
#else
#define V_stackref_tag_mask ABSENT
#define V_stackref_null_bits ABSENT
#define V_stackref_int_tag ABSENT
#define V_stackref_refcnt_tag ABSENT
#endif
#define V_datastack_size SZ(_PyStackChunk)
#define V_datastack_previous OFF(_PyStackChunk, previous)
#define V_datastack_size_field OFF(_PyStackChunk, size)
#define V_datastack_top OFF(_PyStackChunk, top)
#define V_datastack_data OFF(_PyStackChunk, data)
#else
#define V_iframe_size ABSENT
#define V_iframe_code ABSENT
#define V_iframe_previous ABSENT
#define V_iframe_func ABSENT
#define V_iframe_globals ABSENT
#define V_iframe_builtins ABSENT
#define V_iframe_locals ABSENT
#define V_iframe_frame_obj ABSENT
#define V_iframe_instr ABSENT
#define V_iframe_stacktop ABSENT
#define V_iframe_stackpointer ABSENT
#define V_iframe_owner ABSENT
#define V_iframe_localsplus ABSENT
#define V_iframe_owner_cstack ABSENT
#define V_iframe_owner_generator ABSENT
#define V_iframe_owner_frame_object ABSENT
#define V_iframe_owner_thread ABSENT
#define V_stackref_tag_mask ABSENT
#define V_stackref_null_bits ABSENT
#define V_stackref_int_tag ABSENT
#define V_stackref_refcnt_tag ABSENT
#define V_datastack_size ABSENT
#define V_datastack_previous ABSENT
#define V_datastack_size_field ABSENT
#define V_datastack_top ABSENT
#define V_datastack_data ABSENT
#endif

/* --- generators (PyGenObject; coroutines and async generators share the
 *     _PyGenObject_HEAD prefix, so the same offsets apply) ------------------ */
#define V_gen_size SZ(PyGenObject)
#define V_gen_name OFF(PyGenObject, gi_name)
#define V_gen_qualname OFF(PyGenObject, gi_qualname)
#define V_gen_weakreflist OFF(PyGenObject, gi_weakreflist)
#define V_gen_exc_state OFF(PyGenObject, gi_exc_state)
#if PY_VERSION_HEX < 0x030B0000
#define V_gen_frame OFF(PyGenObject, gi_frame)
#define V_gen_frame_state ABSENT
#define V_gen_iframe ABSENT
#define V_gen_frame_state_cleared ABSENT
#else
#define V_gen_frame ABSENT
#define V_gen_frame_state OFF(PyGenObject, gi_frame_state)   /* int8_t */
#define V_gen_iframe OFF(PyGenObject, gi_iframe)
#define V_gen_frame_state_cleared ((int64_t)FRAME_CLEARED)
#endif
#if PY_VERSION_HEX < 0x030C0000
#define V_gen_code OFF(PyGenObject, gi_code)
#else
#define V_gen_code ABSENT
#endif

#if PY_VERSION_HEX >= 0x030B0000
/* 3.11+: one slot in the common head: a coroutine's cr_origin, an async
 * generator's ag_finalizer, NULL for generators. */
#define V_gen_frame_state_executing ((int64_t)FRAME_EXECUTING)
#define V_gen_origin_or_finalizer OFF(PyGenObject, gi_origin_or_finalizer)
#define V_coro_origin ABSENT
#define V_asyncgen_finalizer ABSENT
#define V_errstack_exc_type ABSENT
#define V_errstack_exc_value OFF(_PyErr_StackItem, exc_value)
#define V_errstack_exc_traceback ABSENT
#else
/* <= 3.10: the extra fields follow the head in PyCoroObject and
 * PyAsyncGenObject; the exception state is a (type, value, traceback). */
#define V_gen_frame_state_executing ABSENT
#define V_gen_origin_or_finalizer ABSENT
#define V_coro_origin OFF(PyCoroObject, cr_origin)
#define V_asyncgen_finalizer OFF(PyAsyncGenObject, ag_finalizer)
#define V_errstack_exc_type OFF(_PyErr_StackItem, exc_type)
#define V_errstack_exc_value OFF(_PyErr_StackItem, exc_value)
#define V_errstack_exc_traceback OFF(_PyErr_StackItem, exc_traceback)
#endif

/* --- weakrefs -------------------------------------------------------------------------- */
#define V_weakref_size SZ(PyWeakReference)
#define V_weakref_object OFF(PyWeakReference, wr_object)
#define V_weakref_callback OFF(PyWeakReference, wr_callback)
#define V_weakref_hash OFF(PyWeakReference, hash)
#define V_weakref_prev OFF(PyWeakReference, wr_prev)
#define V_weakref_next OFF(PyWeakReference, wr_next)

/* --- exceptions, tracebacks ----------------------------------------------------------- */
#define V_exc_size SZ(PyBaseExceptionObject)
#define V_exc_dict OFF(PyBaseExceptionObject, dict)
#define V_exc_args OFF(PyBaseExceptionObject, args)
#if PY_VERSION_HEX >= 0x030B0000
#define V_exc_notes OFF(PyBaseExceptionObject, notes)
#else
#define V_exc_notes ABSENT
#endif
#define V_exc_traceback OFF(PyBaseExceptionObject, traceback)
#define V_exc_context OFF(PyBaseExceptionObject, context)
#define V_exc_cause OFF(PyBaseExceptionObject, cause)
#define V_traceback_size SZ(PyTracebackObject)
#define V_traceback_next OFF(PyTracebackObject, tb_next)
#define V_traceback_frame OFF(PyTracebackObject, tb_frame)
#define V_traceback_lasti OFF(PyTracebackObject, tb_lasti)
#define V_traceback_lineno OFF(PyTracebackObject, tb_lineno)

/* --- _io objects (REPLICAS above) ---------------------------------------------------- */
#define V_fileio_size SZ(gen_fileio)
#define V_fileio_dict OFF(gen_fileio, dict)
#define V_buffered_size SZ(gen_buffered)
#define V_buffered_raw OFF(gen_buffered, raw)
#define V_buffered_dict OFF(gen_buffered, dict)
#define V_buffered_buffer OFF(gen_buffered, buffer)
#define V_buffered_buffer_size OFF(gen_buffered, buffer_size)
#define V_rwpair_size SZ(gen_rwpair)
#define V_rwpair_reader OFF(gen_rwpair, reader)
#define V_rwpair_writer OFF(gen_rwpair, writer)
#define V_rwpair_dict OFF(gen_rwpair, dict)
#define V_bytesio_size SZ(gen_bytesio)
#define V_bytesio_buf OFF(gen_bytesio, buf)
#define V_bytesio_dict OFF(gen_bytesio, dict)
#define V_stringio_size SZ(gen_stringio)
#if PY_VERSION_HEX >= 0x030E0000
/* 3.14: the writer is a separate PyUnicodeWriter behind a pointer; its
 * buffer str is that object's, not one of the StringIO's fields. */
#define V_stringio_accu_large ABSENT
#define V_stringio_accu_small ABSENT
#define V_stringio_writer_buffer ABSENT
#define V_stringio_writer OFF(gen_stringio, writer)
#define V_unicodewriter_buffer OFF(_PyUnicodeWriter, buffer)
#elif PY_VERSION_HEX >= 0x030C0000
#define V_stringio_accu_large ABSENT
#define V_stringio_accu_small ABSENT
#define V_stringio_writer_buffer OFF(gen_stringio, writer.buffer)
#define V_stringio_writer ABSENT
#define V_unicodewriter_buffer ABSENT
#else
#define V_stringio_accu_large OFF(gen_stringio, accu.large)
#define V_stringio_accu_small OFF(gen_stringio, accu.small)
#define V_stringio_writer_buffer ABSENT
#define V_stringio_writer ABSENT
#define V_unicodewriter_buffer ABSENT
#endif
#define V_stringio_decoder OFF(gen_stringio, decoder)
#define V_stringio_readnl OFF(gen_stringio, readnl)
#define V_stringio_writenl OFF(gen_stringio, writenl)
#define V_stringio_dict OFF(gen_stringio, dict)
#define V_textio_size SZ(gen_textio)
#define V_textio_buffer OFF(gen_textio, buffer)
#define V_textio_encoding OFF(gen_textio, encoding)
#define V_textio_encoder OFF(gen_textio, encoder)
#define V_textio_decoder OFF(gen_textio, decoder)
#define V_textio_readnl OFF(gen_textio, readnl)
#define V_textio_errors OFF(gen_textio, errors)
#define V_textio_decoded_chars OFF(gen_textio, decoded_chars)
#define V_textio_pending_bytes OFF(gen_textio, pending_bytes)
#define V_textio_snapshot OFF(gen_textio, snapshot)
#define V_textio_raw OFF(gen_textio, raw)
#define V_textio_dict OFF(gen_textio, dict)
#define V_nldecoder_size SZ(gen_nldecoder)
#define V_nldecoder_decoder OFF(gen_nldecoder, decoder)
#define V_nldecoder_errors OFF(gen_nldecoder, errors)

/* --- resources: objects that own a descriptor (REPLICAS above) ------------------- */
#define V_fileio_fd OFF(gen_fileio, fd)
#define V_fileio_created_bit fileio_bit(FI_CREATED)
#define V_fileio_readable_bit fileio_bit(FI_READABLE)
#define V_fileio_writable_bit fileio_bit(FI_WRITABLE)
#define V_fileio_appending_bit fileio_bit(FI_APPENDING)
#define V_sock_size SZ(gen_socket)
#define V_sock_fd OFF(gen_socket, sock_fd)
#define V_sock_family OFF(gen_socket, sock_family)
#define V_sock_type OFF(gen_socket, sock_type)
#define V_sock_proto OFF(gen_socket, sock_proto)
#define V_mmap_size SZ(gen_mmap)
#define V_mmap_data OFF(gen_mmap, data)
#define V_mmap_size_field OFF(gen_mmap, size)
#define V_mmap_fd OFF(gen_mmap, fd)
#define V_mmap_access OFF(gen_mmap, access)
#define V_epoll_size SZ(gen_epoll)
#define V_epoll_epfd OFF(gen_epoll, epfd)
#define V_poll_size SZ(gen_poll)
#define V_poll_dict OFF(gen_poll, dict)

/* --- pymalloc and tracemalloc (src/py/obmalloc.c, src/py/tracemalloc.c) ------------------ */
#if PY_VERSION_HEX >= 0x030C0000
/* 3.12+: everything in pycore_obmalloc.h and pycore_tracemalloc.h. */
#include "internal/pycore_hashtable.h"
#define V_interp_obmalloc OFF(PyInterpreterState, obmalloc)
/* 3.12 embeds the state; 3.13 points at it (the main interpreter's is a
 * static of obmalloc.c): asked of the member's type, not of the version. */
#define V_interp_obmalloc_indirect \
    ((int64_t)__builtin_types_compatible_p(__typeof__(((PyInterpreterState *)0)->obmalloc), struct _obmalloc_state *))
#define V_obmalloc_arenas OFF(struct _obmalloc_state, mgmt.arenas)
#define V_obmalloc_maxarenas OFF(struct _obmalloc_state, mgmt.maxarenas)
#define V_obmalloc_narenas_current OFF(struct _obmalloc_state, mgmt.narenas_currently_allocated)
#define V_obmalloc_ntimes_arena_allocated OFF(struct _obmalloc_state, mgmt.ntimes_arena_allocated)
#define V_obmalloc_narenas_highwater OFF(struct _obmalloc_state, mgmt.narenas_highwater)
typedef struct arena_object gen_arena_object;
typedef struct pool_header gen_pool_header;
#define GEN_ARENA_SIZE ARENA_SIZE
#define GEN_POOL_SIZE POOL_SIZE
#define GEN_POOL_OVERHEAD POOL_OVERHEAD
#define GEN_ALIGNMENT_SHIFT ALIGNMENT_SHIFT
#define GEN_SMALL_REQUEST_THRESHOLD SMALL_REQUEST_THRESHOLD
#define V_runtime_tracemalloc OFF(_PyRuntimeState, tracemalloc)
#define V_tmstate_traces OFF(struct _tracemalloc_runtime_state, traces)
#define V_tmstate_domains OFF(struct _tracemalloc_runtime_state, domains)
#define V_tmstate_traced_memory OFF(struct _tracemalloc_runtime_state, traced_memory)
typedef struct tracemalloc_traceback gen_tm_traceback;
typedef struct tracemalloc_frame gen_tm_frame;
/* REPLICA: trace_t stays private to Modules/_tracemalloc.c (3.12: Python/tracemalloc.c). */
typedef struct { size_t size; gen_tm_traceback *traceback; } gen_tm_trace;
#else
/* REPLICA: Objects/obmalloc.c, 3.8-3.11 (struct arena_object, struct
 * pool_header; the same members 3.12 moved to pycore_obmalloc.h, where the
 * 3.12 table checks them). The figures themselves are statics there
 * (arenas, maxarenas, narenas_currently_allocated, ...), found by symbol. */
typedef struct gen_pool_header {
    union { uint8_t *_padding; unsigned int count; } ref;
    uint8_t *freeblock;
    struct gen_pool_header *nextpool, *prevpool;
    unsigned int arenaindex, szidx, nextoffset, maxnextoffset;
} gen_pool_header;
typedef struct gen_arena_object {
    uintptr_t address;
    uint8_t *pool_address;
    unsigned int nfreepools, ntotalpools;
    struct gen_pool_header *freepools;
    struct gen_arena_object *nextarena, *prevarena;
} gen_arena_object;
_Static_assert(sizeof(gen_pool_header) == 48, "pool_header is 48 bytes on x86_64");
_Static_assert(sizeof(gen_arena_object) == 48, "arena_object is 48 bytes on x86_64");
/* 3.10 made arenas 1 MiB and pools 16 KiB on 64-bit builds with the radix
 * tree (USE_LARGE_ARENAS, USE_LARGE_POOLS, bpo-37448); before: 256 KiB, 4 KiB.
 * ALIGNMENT is 16 on x86_64 since 3.8. */
#if PY_VERSION_HEX >= 0x030A0000
#define GEN_ARENA_SIZE (1 << 20)
#define GEN_POOL_SIZE (1 << 14)
#else
#define GEN_ARENA_SIZE (1 << 18)
#define GEN_POOL_SIZE (1 << 12)
#endif
#define GEN_ALIGNMENT_SHIFT 4
#define GEN_POOL_OVERHEAD (((sizeof(gen_pool_header) + 15) / 16) * 16)
#define GEN_SMALL_REQUEST_THRESHOLD 512
#define V_interp_obmalloc ABSENT
#define V_interp_obmalloc_indirect ABSENT
#define V_obmalloc_arenas ABSENT
#define V_obmalloc_maxarenas ABSENT
#define V_obmalloc_narenas_current ABSENT
#define V_obmalloc_ntimes_arena_allocated ABSENT
#define V_obmalloc_narenas_highwater ABSENT
#define V_runtime_tracemalloc ABSENT
#define V_tmstate_traces ABSENT
#define V_tmstate_domains ABSENT
#define V_tmstate_traced_memory ABSENT
/* REPLICA: Modules/_tracemalloc.c, 3.9-3.11 (frame_t, traceback_t, trace_t:
 * the members 3.12 moved to pycore_tracemalloc.h); 3.8's traceback_t has an
 * int nframe and no total_nframe. */
typedef struct __attribute__((packed)) { PyObject *filename; unsigned int lineno; } gen_tm_frame;
#if PY_VERSION_HEX >= 0x03090000
typedef struct { Py_uhash_t hash; uint16_t nframe; uint16_t total_nframe; gen_tm_frame frames[1]; } gen_tm_traceback;
#else
typedef struct { Py_uhash_t hash; int nframe; gen_tm_frame frames[1]; } gen_tm_traceback;
_Static_assert(sizeof(gen_tm_traceback) == 24, "3.8 traceback_t: hash, int nframe, packed frames");
#endif
/* REPLICA: trace_t (private in every version). */
typedef struct { size_t size; gen_tm_traceback *traceback; } gen_tm_trace;
_Static_assert(sizeof(gen_tm_frame) == 12, "frame_t is packed");
#if PY_VERSION_HEX >= 0x03090000
#include "internal/pycore_hashtable.h"
#include "internal/pycore_pymem.h"
#else
/* REPLICA: Modules/hashtable.h, 3.8 (not installed): the table's first
 * members, and the entry header after which the key (key_size bytes: a
 * uintptr_t, or the packed {uintptr_t ptr; unsigned int domain} once a
 * trace of another domain was added) and then the value (trace_t, copied
 * in: data_size bytes) are stored inline. */
typedef struct gen_slist_item { struct gen_slist_item *next; } gen_slist_item;
typedef struct { gen_slist_item _Py_slist_item; Py_uhash_t key_hash; } gen_hashentry38;
typedef struct { size_t num_buckets, entries; gen_slist_item **buckets; size_t key_size, data_size; } gen_hashtable38;
_Static_assert(sizeof(gen_hashentry38) == 16, "3.8 _Py_hashtable_entry_t: next, key_hash");
#endif
#endif
#define V_arena_object_size SZ(gen_arena_object)
#define V_arena_address OFF(gen_arena_object, address)
#define V_arena_pool_address OFF(gen_arena_object, pool_address)
#define V_arena_nfreepools OFF(gen_arena_object, nfreepools)
#define V_arena_ntotalpools OFF(gen_arena_object, ntotalpools)
#define V_pool_ref_count OFF(gen_pool_header, ref.count)
#define V_pool_szidx OFF(gen_pool_header, szidx)
#define V_pymalloc_arena_size ((int64_t)GEN_ARENA_SIZE)
#define V_pymalloc_pool_size ((int64_t)GEN_POOL_SIZE)
#define V_pymalloc_pool_overhead ((int64_t)GEN_POOL_OVERHEAD)
#define V_pymalloc_alignment_shift ((int64_t)GEN_ALIGNMENT_SHIFT)
#define V_pymalloc_small_threshold ((int64_t)GEN_SMALL_REQUEST_THRESHOLD)
#define V_tm_config_tracing OFF(struct _PyTraceMalloc_Config, tracing)
#define V_tm_config_max_nframe OFF(struct _PyTraceMalloc_Config, max_nframe)
#if PY_VERSION_HEX >= 0x03090000
#define V_hashtable_nentries OFF(_Py_hashtable_t, nentries)
#define V_hashtable_nbuckets OFF(_Py_hashtable_t, nbuckets)
#define V_hashtable_buckets OFF(_Py_hashtable_t, buckets)
#define V_hashentry_next OFF(_Py_hashtable_entry_t, _Py_slist_item.next)
#define V_hashentry_key OFF(_Py_hashtable_entry_t, key)
#define V_hashentry_value OFF(_Py_hashtable_entry_t, value)
#define V_hashtable_key_size ABSENT
#define V_tmtraceback_total_nframe OFF(gen_tm_traceback, total_nframe)
#else
#define V_hashtable_nentries OFF(gen_hashtable38, entries)
#define V_hashtable_nbuckets OFF(gen_hashtable38, num_buckets)
#define V_hashtable_buckets OFF(gen_hashtable38, buckets)
#define V_hashentry_next OFF(gen_hashentry38, _Py_slist_item.next)
#define V_hashentry_key SZ(gen_hashentry38) /* the key follows the header */
#define V_hashentry_value ABSENT            /* and the value the key */
#define V_hashtable_key_size OFF(gen_hashtable38, key_size)
#define V_tmtraceback_total_nframe ABSENT
#endif
#define V_tmtrace_size_field OFF(gen_tm_trace, size)
#define V_tmtrace_traceback OFF(gen_tm_trace, traceback)
#define V_tmtraceback_nframe OFF(gen_tm_traceback, nframe)
#define V_tmtraceback_nframe_bytes ((int64_t)sizeof(((gen_tm_traceback *)0)->nframe))
#define V_tmtraceback_frames OFF(gen_tm_traceback, frames)
#define V_tmframe_size SZ(gen_tm_frame)
#define V_tmframe_filename OFF(gen_tm_frame, filename)
#define V_tmframe_lineno OFF(gen_tm_frame, lineno)

/* --- _Py_DebugOffsets (3.13+) ------------------------------------------------------------- */
#if PY_VERSION_HEX >= 0x030D0000
#define DBG(member) OFF(_Py_DebugOffsets, member)
#define V_debug_offsets_present ((int64_t)1)
#define V_debug_offsets_size SZ(_Py_DebugOffsets)
#define V_debug_offsets_version DBG(version)
#define V_runtime_debug_offsets OFF(_PyRuntimeState, debug_offsets)
#define V_dbg_free_threaded DBG(free_threaded)
#define V_dbg_runtime_size DBG(runtime_state.size)
#define V_dbg_runtime_interpreters_head DBG(runtime_state.interpreters_head)
#define V_dbg_interp_size DBG(interpreter_state.size)
#define V_dbg_interp_id DBG(interpreter_state.id)
#define V_dbg_interp_next DBG(interpreter_state.next)
#define V_dbg_interp_threads_head DBG(interpreter_state.threads_head)
#define V_dbg_interp_gc DBG(interpreter_state.gc)
#define V_dbg_interp_modules DBG(interpreter_state.imports_modules)
#define V_dbg_interp_sysdict DBG(interpreter_state.sysdict)
#define V_dbg_interp_builtins DBG(interpreter_state.builtins)
#define V_dbg_tstate_size DBG(thread_state.size)
#define V_dbg_tstate_prev DBG(thread_state.prev)
#define V_dbg_tstate_next DBG(thread_state.next)
#define V_dbg_tstate_interp DBG(thread_state.interp)
#define V_dbg_tstate_current_frame DBG(thread_state.current_frame)
#define V_dbg_tstate_thread_id DBG(thread_state.thread_id)
#define V_dbg_tstate_native_thread_id DBG(thread_state.native_thread_id)
#define V_dbg_tstate_datastack_chunk DBG(thread_state.datastack_chunk)
#define V_dbg_iframe_size DBG(interpreter_frame.size)
#define V_dbg_iframe_previous DBG(interpreter_frame.previous)
#define V_dbg_iframe_code DBG(interpreter_frame.executable)
#define V_dbg_iframe_instr DBG(interpreter_frame.instr_ptr)
#define V_dbg_iframe_localsplus DBG(interpreter_frame.localsplus)
#define V_dbg_iframe_owner DBG(interpreter_frame.owner)
#if PY_VERSION_HEX >= 0x030E0000
#define V_dbg_iframe_stackpointer DBG(interpreter_frame.stackpointer)
#else
#define V_dbg_iframe_stackpointer ABSENT
#endif
#define V_dbg_code_size DBG(code_object.size)
#define V_dbg_code_filename DBG(code_object.filename)
#define V_dbg_code_name DBG(code_object.name)
#define V_dbg_code_qualname DBG(code_object.qualname)
#define V_dbg_code_linetable DBG(code_object.linetable)
#define V_dbg_code_firstlineno DBG(code_object.firstlineno)
#define V_dbg_code_argcount DBG(code_object.argcount)
#define V_dbg_code_localsplusnames DBG(code_object.localsplusnames)
#define V_dbg_code_localspluskinds DBG(code_object.localspluskinds)
#define V_dbg_code_code_adaptive DBG(code_object.co_code_adaptive)
#define V_dbg_object_size DBG(pyobject.size)
#define V_dbg_object_type DBG(pyobject.ob_type)
#define V_dbg_type_size DBG(type_object.size)
#define V_dbg_type_name DBG(type_object.tp_name)
#define V_dbg_type_flags DBG(type_object.tp_flags)
#define V_dbg_tuple_size DBG(tuple_object.size)
#define V_dbg_tuple_ob_item DBG(tuple_object.ob_item)
#define V_dbg_tuple_ob_size DBG(tuple_object.ob_size)
#define V_dbg_list_size DBG(list_object.size)
#define V_dbg_list_ob_item DBG(list_object.ob_item)
#define V_dbg_list_ob_size DBG(list_object.ob_size)
#define V_dbg_dict_size DBG(dict_object.size)
#define V_dbg_dict_ma_keys DBG(dict_object.ma_keys)
#define V_dbg_dict_ma_values DBG(dict_object.ma_values)
#define V_dbg_float_size DBG(float_object.size)
#define V_dbg_float_fval DBG(float_object.ob_fval)
#define V_dbg_long_size DBG(long_object.size)
#define V_dbg_long_lv_tag DBG(long_object.lv_tag)
#define V_dbg_long_digit DBG(long_object.ob_digit)
#define V_dbg_bytes_size DBG(bytes_object.size)
#define V_dbg_bytes_ob_size DBG(bytes_object.ob_size)
#define V_dbg_bytes_sval DBG(bytes_object.ob_sval)
#define V_dbg_unicode_size DBG(unicode_object.size)
#define V_dbg_unicode_state DBG(unicode_object.state)
#define V_dbg_unicode_length DBG(unicode_object.length)
#define V_dbg_unicode_ascii_size DBG(unicode_object.asciiobject_size)
#define V_dbg_gc_size DBG(gc.size)
#define V_dbg_gc_collecting DBG(gc.collecting)
#if PY_VERSION_HEX >= 0x030E0000
/* 3.14 adds set_object and gen_object (with sizes), then llist_node
 * (offsets inside struct llist_node) and debugger_support (offsets in
 * several structs, a buffer size): the last two have no size member. */
#define V_dbg_set_size DBG(set_object.size)
#define V_dbg_set_used DBG(set_object.used)
#define V_dbg_set_table DBG(set_object.table)
#define V_dbg_set_mask DBG(set_object.mask)
#define V_dbg_gen_size DBG(gen_object.size)
#define V_dbg_gen_name DBG(gen_object.gi_name)
#define V_dbg_gen_iframe DBG(gen_object.gi_iframe)
#define V_dbg_gen_frame_state DBG(gen_object.gi_frame_state)
#define V_dbg_llist_node_start DBG(llist_node)
#define V_dbg_debugger_support_start DBG(debugger_support)
#define DBG_NEXT(a, b) (offsetof(_Py_DebugOffsets, a) + sizeof(((_Py_DebugOffsets *)0)->a) == offsetof(_Py_DebugOffsets, b))
_Static_assert(DBG_NEXT(gc, gen_object) && DBG_NEXT(gen_object, llist_node) &&
               DBG_NEXT(llist_node, debugger_support) &&
               offsetof(_Py_DebugOffsets, debugger_support) + sizeof(((_Py_DebugOffsets *)0)->debugger_support) ==
                   sizeof(_Py_DebugOffsets),
               "3.14+: gc, gen_object, llist_node, debugger_support close the struct");
#else
#define V_dbg_set_size ABSENT
#define V_dbg_set_used ABSENT
#define V_dbg_set_table ABSENT
#define V_dbg_set_mask ABSENT
#define V_dbg_gen_size ABSENT
#define V_dbg_gen_name ABSENT
#define V_dbg_gen_iframe ABSENT
#define V_dbg_gen_frame_state ABSENT
#define V_dbg_llist_node_start ABSENT
#define V_dbg_debugger_support_start ABSENT
_Static_assert(offsetof(_Py_DebugOffsets, gc.collecting) + 8 == sizeof(_Py_DebugOffsets),
               "3.13: gc is the last group");
#endif
#if PY_VERSION_HEX >= 0x030F0000
/* 3.15 inserts err_stackitem (no size) after thread_state, heap_type_object
 * after type_object, and grows several groups (parsed by name here, never
 * by position: see src/py/debug_offsets.c). */
#define V_dbg_err_stackitem_start DBG(err_stackitem)
#define V_dbg_heaptype_size DBG(heap_type_object.size)
#define V_dbg_heaptype_cached_keys DBG(heap_type_object.ht_cached_keys)
#define V_dbg_type_basicsize DBG(type_object.tp_basicsize)
#define V_dbg_type_dictoffset DBG(type_object.tp_dictoffset)
/* A size, not an offset inside the gc struct (the stats moved out of it). */
#define V_dbg_gc_stats_size DBG(gc.generation_stats_size)
_Static_assert(DBG_NEXT(thread_state, err_stackitem) && DBG_NEXT(err_stackitem, interpreter_frame),
               "3.15: err_stackitem between thread_state and interpreter_frame");
#else
#define V_dbg_err_stackitem_start ABSENT
#define V_dbg_heaptype_size ABSENT
#define V_dbg_heaptype_cached_keys ABSENT
#define V_dbg_type_basicsize ABSENT
#define V_dbg_type_dictoffset ABSENT
#define V_dbg_gc_stats_size ABSENT
#endif
/* debug_offsets.c walks every group as an array of uint64_t that starts with
 * its `size` (the *_start groups excepted) and runs to the next group's
 * start: the groups follow each other with nothing between them. */
_Static_assert(offsetof(_Py_DebugOffsets, cookie) == 0, "cookie first");
_Static_assert(offsetof(_Py_DebugOffsets, runtime_state) == 24, "groups start after the header");
_Static_assert(sizeof(_Py_DebugOffsets) % sizeof(uint64_t) == 0, "only uint64 members");
_Static_assert(offsetof(_PyRuntimeState, debug_offsets) == 0, "_Py_DebugOffsets opens _PyRuntime");
#else
#define V_debug_offsets_present ABSENT
#define V_debug_offsets_size ABSENT
#define V_debug_offsets_version ABSENT
#define V_runtime_debug_offsets ABSENT
#define V_dbg_free_threaded ABSENT
#define V_dbg_runtime_size ABSENT
#define V_dbg_runtime_interpreters_head ABSENT
#define V_dbg_interp_size ABSENT
#define V_dbg_interp_id ABSENT
#define V_dbg_interp_next ABSENT
#define V_dbg_interp_threads_head ABSENT
#define V_dbg_interp_gc ABSENT
#define V_dbg_interp_modules ABSENT
#define V_dbg_interp_sysdict ABSENT
#define V_dbg_interp_builtins ABSENT
#define V_dbg_tstate_size ABSENT
#define V_dbg_tstate_prev ABSENT
#define V_dbg_tstate_next ABSENT
#define V_dbg_tstate_interp ABSENT
#define V_dbg_tstate_current_frame ABSENT
#define V_dbg_tstate_thread_id ABSENT
#define V_dbg_tstate_native_thread_id ABSENT
#define V_dbg_tstate_datastack_chunk ABSENT
#define V_dbg_iframe_size ABSENT
#define V_dbg_iframe_previous ABSENT
#define V_dbg_iframe_code ABSENT
#define V_dbg_iframe_instr ABSENT
#define V_dbg_iframe_localsplus ABSENT
#define V_dbg_iframe_owner ABSENT
#define V_dbg_code_size ABSENT
#define V_dbg_code_filename ABSENT
#define V_dbg_code_name ABSENT
#define V_dbg_code_qualname ABSENT
#define V_dbg_code_linetable ABSENT
#define V_dbg_code_firstlineno ABSENT
#define V_dbg_code_argcount ABSENT
#define V_dbg_code_localsplusnames ABSENT
#define V_dbg_code_localspluskinds ABSENT
#define V_dbg_code_code_adaptive ABSENT
#define V_dbg_object_size ABSENT
#define V_dbg_object_type ABSENT
#define V_dbg_type_size ABSENT
#define V_dbg_type_name ABSENT
#define V_dbg_type_flags ABSENT
#define V_dbg_tuple_size ABSENT
#define V_dbg_tuple_ob_item ABSENT
#define V_dbg_tuple_ob_size ABSENT
#define V_dbg_list_size ABSENT
#define V_dbg_list_ob_item ABSENT
#define V_dbg_list_ob_size ABSENT
#define V_dbg_dict_size ABSENT
#define V_dbg_dict_ma_keys ABSENT
#define V_dbg_dict_ma_values ABSENT
#define V_dbg_float_size ABSENT
#define V_dbg_float_fval ABSENT
#define V_dbg_long_size ABSENT
#define V_dbg_long_lv_tag ABSENT
#define V_dbg_long_digit ABSENT
#define V_dbg_bytes_size ABSENT
#define V_dbg_bytes_ob_size ABSENT
#define V_dbg_bytes_sval ABSENT
#define V_dbg_unicode_size ABSENT
#define V_dbg_unicode_state ABSENT
#define V_dbg_unicode_length ABSENT
#define V_dbg_unicode_ascii_size ABSENT
#define V_dbg_gc_size ABSENT
#define V_dbg_gc_collecting ABSENT
#define V_dbg_iframe_stackpointer ABSENT
#define V_dbg_set_size ABSENT
#define V_dbg_set_used ABSENT
#define V_dbg_set_table ABSENT
#define V_dbg_set_mask ABSENT
#define V_dbg_gen_size ABSENT
#define V_dbg_gen_name ABSENT
#define V_dbg_gen_iframe ABSENT
#define V_dbg_gen_frame_state ABSENT
#define V_dbg_err_stackitem_start ABSENT
#define V_dbg_heaptype_size ABSENT
#define V_dbg_heaptype_cached_keys ABSENT
#define V_dbg_type_basicsize ABSENT
#define V_dbg_type_dictoffset ABSENT
#define V_dbg_gc_stats_size ABSENT
#define V_dbg_llist_node_start ABSENT
#define V_dbg_debugger_support_start ABSENT
#endif

#define V_py_version_hex ((int64_t)PY_VERSION_HEX)

#include "gen_offsets_ft.h"

/* Free-threaded tables are named py3NNt (gs_py_layout_3NNt), debug builds'
 * py3NNd, both py3NNtd. */
#if defined(Py_GIL_DISABLED) && defined(Py_DEBUG)
#define GEN_SUFFIX "td"
#elif defined(Py_GIL_DISABLED)
#define GEN_SUFFIX "t"
#elif defined(Py_DEBUG)
#define GEN_SUFFIX "d"
#else
#define GEN_SUFFIX ""
#endif

/* ======================================================================
 * Output
 * ====================================================================== */

static int failures;

static void emit(const char *name, int64_t value)
{
    if (value == ABSENT) {
        printf("    .%s = GS_PY_ABSENT,\n", name);
        return;
    }
    /* -1 is GS_PY_ABSENT in the table: a real -1 would read as "missing". */
    if (value == -1) {
        fprintf(stderr, "gen_offsets: %s is -1, which the table cannot express\n", name);
        failures++;
    }
    printf("    .%s = %lld,\n", name, (long long)value);
}

int main(void)
{
    printf("/* py3%d" GEN_SUFFIX ".c: CPython %d.%d" GEN_SUFFIX " layout for gcscope.\n"
           " *\n"
           " * generated by tools/gen-offsets; do not edit.\n"
           " * Source: the CPython %s" GEN_SUFFIX " headers (offsetof/sizeof with -DPy_BUILD_CORE),\n"
           " * see tools/gen-offsets/README.md. GS_PY_ABSENT: this version has no such field.\n"
           " */\n"
           "#include \"config.h\"\n"
           "\n"
           "#include \"py/layout.h\"\n"
           "\n"
           "extern const struct gs_py_layout gs_py_layout_3%d" GEN_SUFFIX ";\n"
           "\n"
           "const struct gs_py_layout gs_py_layout_3%d" GEN_SUFFIX " = {\n"
           "    .major = %d,\n"
           "    .minor = %d,\n"
           "    .debug = %d,\n"
           "    .generated_from = \"%s" GEN_SUFFIX " headers\",\n",
           PY_MINOR_VERSION, PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_VERSION,
           PY_MINOR_VERSION, PY_MINOR_VERSION, PY_MAJOR_VERSION, PY_MINOR_VERSION, GEN_DEBUG, PY_VERSION);
#define GEN_EMIT(name) emit(#name, (int64_t)(V_##name));
    GS_PY_LAYOUT_FIELDS(GEN_EMIT)
#undef GEN_EMIT
    printf("};\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen_offsets: stdout");
        return 1;
    }
    return failures ? 1 : 0;
}
