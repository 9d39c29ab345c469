/* resources.h: Python objects that own an operating-system resource, read
 * from memory: files (_io.FileIO, and the Buffered and TextIOWrapper layers
 * above one), sockets, mmap objects, subprocess.Popen objects, and
 * select/selectors objects with their descriptors. */
#ifndef GCSCOPE_PY_RESOURCES_H
#define GCSCOPE_PY_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "py/object.h"
#include "py/resource_kind.h"
#include "py/typeinfo.h"

struct gs_py_resource_info {
    enum gs_resource_kind kind;
    int64_t fd;        /* -1 when closed or none */
    int64_t pid;       /* Popen: the child's pid */
    uint64_t size;     /* mmap: its length */
    char name[512];    /* file name; "AF_INET SOCK_STREAM"; Popen's args */
    char mode[16];     /* "rb", "w+", ... */
    bool closed;
    char detail[256];  /* anything else worth showing */
};

/* Is obj (whose type entry is t) a resource object? Fills *out if so.
 * Only the lowest layer that holds the descriptor counts for files
 * (FileIO); BufferedReader/TextIOWrapper are reached through it. */
bool gs_py_resource_decode(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                        struct gs_py_resource_info *out);
/* Whether objects of type t may be resources at all (false: decode is
 * false for every one of them), so that a caller asks once per type. */
bool gs_py_resource_type(const struct gs_py_type_info *t);

#endif
