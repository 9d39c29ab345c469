/* kinds.h: the built-in types whose layout gcscope decodes, by tp_name.
 *
 * An object's kind is that of its nearest base, heap or static, whose
 * tp_name is listed here (a class deriving from dict is PYK_DICT;
 * collections.defaultdict is PYK_DICT too). Anything else is PYK_OBJECT.
 * Subclasses of BaseException are PYK_EXCEPTION through their base
 * "BaseException". The order of rows is free; add rows in the section of
 * the decoder file that handles them.
 */
#ifndef GCSCOPE_PY_KINDS_H
#define GCSCOPE_PY_KINDS_H

#define PY_KINDS(X)                                                          \
    X(PYK_OBJECT, "object")                                                  \
    /* containers (refs_containers.c) */                                     \
    X(PYK_LIST, "list")                                                      \
    X(PYK_TUPLE, "tuple")                                                    \
    X(PYK_DICT, "dict")                                                      \
    X(PYK_ODICT, "collections.OrderedDict")                                  \
    X(PYK_SET, "set")                                                        \
    X(PYK_FROZENSET, "frozenset")                                            \
    X(PYK_DEQUE, "collections.deque")                                        \
    X(PYK_MAPPINGPROXY, "mappingproxy")                                      \
    /* scalars: no references (sizes in sizeof.c) */                         \
    X(PYK_STR, "str")                                                        \
    X(PYK_BYTES, "bytes")                                                    \
    X(PYK_BYTEARRAY, "bytearray")                                            \
    X(PYK_INT, "int")                                                        \
    X(PYK_BOOL, "bool")                                                      \
    X(PYK_FLOAT, "float")                                                    \
    X(PYK_COMPLEX, "complex")                                                \
    /* types (refs_types.c) */                                               \
    X(PYK_TYPE, "type")                                                      \
    /* callables and code (refs_callables.c) */                              \
    X(PYK_MODULE, "module")                                                  \
    X(PYK_FUNCTION, "function")                                              \
    X(PYK_CODE, "code")                                                      \
    X(PYK_CELL, "cell")                                                      \
    X(PYK_METHOD, "method")                                                  \
    X(PYK_CLASSMETHOD, "classmethod")                                        \
    X(PYK_STATICMETHOD, "staticmethod")                                      \
    X(PYK_PROPERTY, "property")                                              \
    X(PYK_PARTIAL, "functools.partial")                                      \
    X(PYK_BUILTIN_FUNCTION, "builtin_function_or_method")                    \
    X(PYK_METHOD_WRAPPER, "method-wrapper")                                  \
    X(PYK_LRU_CACHE, "functools._lru_cache_wrapper")                         \
    X(PYK_LRU_ELEM, "functools._lru_list_elem")                              \
    /* frames and generators (refs_frames.c) */                              \
    X(PYK_FRAME, "frame")                                                    \
    X(PYK_GENERATOR, "generator")                                            \
    X(PYK_COROUTINE, "coroutine")                                            \
    X(PYK_ASYNC_GENERATOR, "async_generator")                                \
    X(PYK_TRACEBACK, "traceback")                                            \
    /* weakrefs, exceptions, io, sockets (refs_misc.c) */                    \
    X(PYK_WEAKREF, "weakref.ReferenceType")                                  \
    /* the same struct, 3.8/3.9 names (3.10 renamed them) and proxies */     \
    X(PYK_WEAKREF_OLD, "weakref")                                            \
    X(PYK_WEAKPROXY, "weakref.ProxyType")                                    \
    X(PYK_WEAKPROXY_OLD, "weakproxy")                                        \
    X(PYK_WEAKCALLPROXY, "weakref.CallableProxyType")                        \
    X(PYK_WEAKCALLPROXY_OLD, "weakcallableproxy")                            \
    X(PYK_IO_FILEIO, "_io.FileIO")                                           \
    X(PYK_IO_BUFFERED_READER, "_io.BufferedReader")                          \
    X(PYK_IO_BUFFERED_WRITER, "_io.BufferedWriter")                          \
    X(PYK_IO_BUFFERED_RANDOM, "_io.BufferedRandom")                          \
    X(PYK_IO_BUFFERED_RWPAIR, "_io.BufferedRWPair")                          \
    X(PYK_IO_BYTESIO, "_io.BytesIO")                                         \
    X(PYK_IO_STRINGIO, "_io.StringIO")                                       \
    X(PYK_IO_TEXTIOWRAPPER, "_io.TextIOWrapper")                             \
    X(PYK_IO_NLDECODER, "_io.IncrementalNewlineDecoder")                     \
    X(PYK_SOCKET, "_socket.socket")                                          \
    X(PYK_EXCEPTION, "BaseException")

enum py_kind {
#define PY_KIND_ENUM(kind, name) kind,
    PY_KINDS(PY_KIND_ENUM)
#undef PY_KIND_ENUM
    PYK_COUNT
};

/* The tp_name of a kind ("list"), and the kind of a static tp_name. */
const char *py_kind_name(enum py_kind k);
enum py_kind py_kind_from_name(const char *tp_name);

#endif
