/* emulated.h: referents of compiled objects from their type's own
 * tp_traverse, run in the emulator (src/emu) over the captured image.
 *
 * The dispatcher (referents.c) asks for them for an object of no kind
 * gcscope decodes by hand (GS_PYK_OBJECT) whose type, or the first type in its
 * tp_base chain that is not a Python class, has a tp_traverse: C extension
 * types, Cython and mypyc classes, stdlib C types without a decoder. The
 * result is what gc.get_referents would list; each referent is labelled by
 * the word of the object it was read from (see py_emu_label in
 * emulated.c). Static types with no tp_traverse that gcscope has no member
 * table or decoder for get a conservative scan of their words instead:
 * those edges are "inferred".
 *
 * Order: gs_py_emu_new (after the capture), gs_py_emu_prepare once with every
 * tracked object (it runs them in batches: many objects per emulator
 * start), then gs_py_referents for each object (an object not prepared is run
 * on its own), gs_py_emu_last after each, gs_py_emu_free.
 */
#ifndef GCSCOPE_PY_EMULATED_H
#define GCSCOPE_PY_EMULATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"
#include "py/object.h"
#include "py/typeinfo.h"

struct gs_py_emu;

/* NULL (and *why set) when the emulator cannot start: then every compiled
 * object stays opaque, as without this module. */
struct gs_py_emu *gs_py_emu_new(gs_reader *image, const gs_maps *maps, const struct gs_emu_files *files, const char **why);
void gs_py_emu_free(struct gs_py_emu *pe);

/* Run the traverse of every object of addrs[i] (type table entry types[i])
 * that needs it, in batches. c->emu must be set. */
void gs_py_emu_prepare(const struct gs_py_ctx *c, struct gs_py_types *types, const uint64_t *addrs, const uint32_t *type_idx,
                    size_t n);

/* How the last object given to gs_py_referents was explained. */
/* True when decoding an object of type t runs nothing of the emulator
 * (no emulator, or a type whose traverse it neither runs nor replaces by a
 * scan): such objects decode the same with emu = NULL, on any thread.
 * Reads the type once (the emulator's per-type table): the emulator's own
 * thread only. */
bool gs_py_emu_type_inert(const struct gs_py_ctx *c, const struct gs_py_type_info *t);

struct gs_py_emu_last {
    bool emulated;   /* its referents came from the emulated traverse */
    bool inferred;   /* its referents came from a conservative scan */
    int unknown;     /* the gs_emu_outcome that left them unknown, or 0 */
};
struct gs_py_emu_last gs_py_emu_last(const struct gs_py_ctx *c);

const struct gs_emu_stats *gs_py_emu_stats(const struct gs_py_emu *pe);

/* With GCSCOPE_EMU_STATS=1 in the environment (benchmarks, measurements):
 * one line on stderr with the emulator's counts and CPU times (mapping,
 * getter probes), or why it did not start (why, when pe is NULL). With
 * GCSCOPE_EMU_STATS=2 gs_py_emu_prepare also runs every traverse a second
 * time, warm, and the line gives that steady state per object
 * (tests/bench/bench_emulation.py). */
void gs_py_emu_report_stats(const struct gs_py_emu *pe, const char *why);

#endif
