/* kinds.h: the built-in types whose layout gcscope decodes, by tp_name.
 *
 * An object's kind is that of its nearest base, heap or static, whose
 * tp_name is listed here (a class deriving from dict is GS_PYK_DICT;
 * collections.defaultdict is GS_PYK_DICT too). Anything else is GS_PYK_OBJECT.
 * Subclasses of BaseException are GS_PYK_EXCEPTION through their base
 * "BaseException". The order of rows is free; add rows in the section of
 * the decoder file that handles them.
 */
#ifndef GCSCOPE_PY_KINDS_H
#define GCSCOPE_PY_KINDS_H

#define GS_PY_KINDS(X)                                                          \
    X(GS_PYK_OBJECT, "object")                                                  \
    /* containers (refs_containers.c) */                                     \
    X(GS_PYK_LIST, "list")                                                      \
    X(GS_PYK_TUPLE, "tuple")                                                    \
    X(GS_PYK_DICT, "dict")                                                      \
    X(GS_PYK_ODICT, "collections.OrderedDict")                                  \
    X(GS_PYK_SET, "set")                                                        \
    X(GS_PYK_FROZENSET, "frozenset")                                            \
    X(GS_PYK_DEQUE, "collections.deque")                                        \
    X(GS_PYK_MAPPINGPROXY, "mappingproxy")                                      \
    /* scalars: no references (sizes in sizeof.c) */                         \
    X(GS_PYK_STR, "str")                                                        \
    X(GS_PYK_BYTES, "bytes")                                                    \
    X(GS_PYK_BYTEARRAY, "bytearray")                                            \
    X(GS_PYK_INT, "int")                                                        \
    X(GS_PYK_BOOL, "bool")                                                      \
    X(GS_PYK_FLOAT, "float")                                                    \
    X(GS_PYK_COMPLEX, "complex")                                                \
    /* types (refs_types.c) */                                               \
    X(GS_PYK_TYPE, "type")                                                      \
    /* callables and code (refs_callables.c) */                              \
    X(GS_PYK_MODULE, "module")                                                  \
    X(GS_PYK_FUNCTION, "function")                                              \
    X(GS_PYK_CODE, "code")                                                      \
    X(GS_PYK_CELL, "cell")                                                      \
    X(GS_PYK_METHOD, "method")                                                  \
    X(GS_PYK_CLASSMETHOD, "classmethod")                                        \
    X(GS_PYK_STATICMETHOD, "staticmethod")                                      \
    X(GS_PYK_PROPERTY, "property")                                              \
    X(GS_PYK_PARTIAL, "functools.partial")                                      \
    X(GS_PYK_BUILTIN_FUNCTION, "builtin_function_or_method")                    \
    X(GS_PYK_METHOD_WRAPPER, "method-wrapper")                                  \
    X(GS_PYK_LRU_CACHE, "functools._lru_cache_wrapper")                         \
    X(GS_PYK_LRU_ELEM, "functools._lru_list_elem")                              \
    /* frames and generators (refs_frames.c) */                              \
    X(GS_PYK_FRAME, "frame")                                                    \
    X(GS_PYK_GENERATOR, "generator")                                            \
    X(GS_PYK_COROUTINE, "coroutine")                                            \
    X(GS_PYK_ASYNC_GENERATOR, "async_generator")                                \
    X(GS_PYK_TRACEBACK, "traceback")                                            \
    /* weakrefs, exceptions, io, sockets (refs_misc.c) */                    \
    X(GS_PYK_WEAKREF, "weakref.ReferenceType")                                  \
    /* the same struct, 3.8/3.9 names (3.10 renamed them) and proxies */     \
    X(GS_PYK_WEAKREF_OLD, "weakref")                                            \
    X(GS_PYK_WEAKPROXY, "weakref.ProxyType")                                    \
    X(GS_PYK_WEAKPROXY_OLD, "weakproxy")                                        \
    X(GS_PYK_WEAKCALLPROXY, "weakref.CallableProxyType")                        \
    X(GS_PYK_WEAKCALLPROXY_OLD, "weakcallableproxy")                            \
    X(GS_PYK_IO_FILEIO, "_io.FileIO")                                           \
    X(GS_PYK_IO_BUFFERED_READER, "_io.BufferedReader")                          \
    X(GS_PYK_IO_BUFFERED_WRITER, "_io.BufferedWriter")                          \
    X(GS_PYK_IO_BUFFERED_RANDOM, "_io.BufferedRandom")                          \
    X(GS_PYK_IO_BUFFERED_RWPAIR, "_io.BufferedRWPair")                          \
    X(GS_PYK_IO_BYTESIO, "_io.BytesIO")                                         \
    X(GS_PYK_IO_STRINGIO, "_io.StringIO")                                       \
    X(GS_PYK_IO_TEXTIOWRAPPER, "_io.TextIOWrapper")                             \
    X(GS_PYK_IO_NLDECODER, "_io.IncrementalNewlineDecoder")                     \
    X(GS_PYK_SOCKET, "_socket.socket")                                          \
    X(GS_PYK_EXCEPTION, "BaseException")

enum gs_py_kind {
#define GS_PY_KIND_ENUM(kind, name) kind,
    GS_PY_KINDS(GS_PY_KIND_ENUM)
#undef GS_PY_KIND_ENUM
    GS_PYK_COUNT
};

/* The tp_name of a kind ("list"), and the kind of a static tp_name. */
const char *gs_py_kind_name(enum gs_py_kind k);
enum gs_py_kind gs_py_kind_from_name(const char *tp_name);

#endif
