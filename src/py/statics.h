/* statics.h: addresses of the interpreter's static variables.
 *
 * Up to 3.11 pymalloc's arenas and tracemalloc's tables are `static`
 * variables of Objects/obmalloc.c and Modules/_tracemalloc.c: they are in no
 * struct reachable from _PyRuntime, only in the symbol table (.symtab) of
 * libpython or the executable. Distributions strip .symtab (Debian's
 * /usr/bin/python3.11) and ship it in a separate debug file, found by build
 * id under /usr/lib/debug/.build-id/ (package python3.X-dbg or -dbgsym).
 * This module looks a name up in the binary, then in that debug file, and
 * says which it used or why it found nothing.
 *
 * The ELF files are read from the file system after the capture: symbols
 * never change, so nothing here touches the target.
 */
#ifndef GCSCOPE_PY_STATICS_H
#define GCSCOPE_PY_STATICS_H

#include <stdbool.h>
#include <stdint.h>

#include "elf/elf.h"
#include "py/locate.h"

struct gs_py_statics {
    gs_elf *binary;      /* the file holding _PyRuntime (NULL if it cannot be opened) */
    gs_elf *debug;       /* its separate debug file, NULL if none */
    uint64_t bias;       /* load bias of both (the debug file has the same addresses) */
    bool has_symtab;     /* one of the two has a .symtab */
    char debug_path[4096];
};

/* Open what is there; never fails (a missing file is reported by
 * gs_py_statics_why()). Close with gs_py_statics_close(). */
void gs_py_statics_open(const struct gs_py_location *loc, struct gs_py_statics *out);
void gs_py_statics_close(struct gs_py_statics *s);

/* The absolute address of a static named `name` whose symbol has size
 * `size` (0: any size; a size check keeps a same-named static of another
 * file from being taken). Also found under the names link-time
 * optimisation gives statics ("arenas.lto_priv.0"). */
bool gs_py_statics_find(const struct gs_py_statics *s, const char *name, uint64_t size, uint64_t *addr);

/* Why symbols cannot be found, for messages: "... has no .symtab and no
 * debug file was found (/usr/lib/debug/.build-id/ab/cdef.debug)". */
void gs_py_statics_why(const struct gs_py_statics *s, const struct gs_py_location *loc, char *buf, size_t cap);

#endif
