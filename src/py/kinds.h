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
    /* frames and generators (refs_frames.c) */                              \
    X(PYK_FRAME, "frame")                                                    \
    X(PYK_GENERATOR, "generator")                                            \
    X(PYK_COROUTINE, "coroutine")                                            \
    X(PYK_ASYNC_GENERATOR, "async_generator")                                \
    X(PYK_TRACEBACK, "traceback")                                            \
    /* weakrefs, exceptions, io, sockets (refs_misc.c) */                    \
    X(PYK_WEAKREF, "weakref.ReferenceType")                                  \
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
