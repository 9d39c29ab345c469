/* emu.h: run a compiled type's own tp_traverse in a CPU emulator, over the
 * captured image, to learn what an object references.
 *
 * Layer: below src/py (it knows machine code, memory and maps, not CPython's
 * layouts). The caller (src/py/refs_emulated.c) says which function to run
 * for which object; this module runs it and hands back the pointers the
 * function passed to `visit`, exactly what gc.get_referents would list.
 *
 * Memory the emulated code sees, all mapped lazily on first touch:
 *   - code: only from file-backed executable mappings of the target, read
 *     from the files themselves (gs_emu_files, kept open by the capture so
 *     that no live process is needed after it detached); anonymous or
 *     writable memory is never executable, so JIT output and injected code
 *     are never run;
 *   - data: the captured image (read-only to the emulator), else a
 *     read-only file mapping's own bytes (a page of such a mapping that was
 *     never copied was never written, so the file holds it);
 *   - scratch: the driver loop, its control block, a stack and a thread
 *     pointer page; the only writable memory. A write anywhere else is a
 *     fault.
 * Any fault, `syscall`, interrupt, invalid instruction, an object that runs
 * past its limit or the whole emulation past its budget makes that
 * object's referents unknown (an outcome below), never an error.
 *
 * Speed: one engine for a whole build; many objects per emulator start (a
 * driver loop in emulated memory calls each tp_traverse in turn, see
 * driver.S); translated code stays cached across objects of a type.
 *
 * Order of calls: gs_emu_files_open (capture, target alive) or
 * gs_emu_files_from_core (a core's capture), gs_emu_new,
 * gs_emu_run any number of times, gs_emu_result per object, gs_emu_free,
 * gs_emu_files_free. One thread at a time.
 */
#ifndef GCSCOPE_EMU_EMU_H
#define GCSCOPE_EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/core.h"
#include "proc/maps.h"
#include "proc/memreader.h"

/* --- the target's read-only file mappings, opened while it is alive ----- */

struct gs_emu_files;

/* Open every distinct file behind a non-writable file mapping of `maps`
 * (through /proc/PID/map_files, else /proc/PID/root/PATH with the same
 * device and inode). Never fails: a file that cannot be opened is simply
 * not available to the emulator. */
struct gs_emu_files *gs_emu_files_open(pid_t pid, const gs_maps *maps);
/* The same for a core file: the files gs_core_attach_files found (under
 * --sysroot when given) and checked by build id, borrowed from the core,
 * which must outlive the result. A mapping whose file is missing or is not
 * the one the process ran is simply not available. */
struct gs_emu_files *gs_emu_files_from_core(const gs_core *core, const gs_maps *maps);
void gs_emu_files_free(struct gs_emu_files *f);

/* --- outcomes ------------------------------------------------------------ */

#define GS_EMU_OUTCOMES(X)                                                                      \
    X(GS_EMU_OK, "ok")                                                                          \
    X(GS_EMU_NOT_FILE_CODE, "traverse not in a file-backed executable mapping")                \
    X(GS_EMU_FAULT_READ, "read of memory the capture does not hold")                           \
    X(GS_EMU_FAULT_WRITE, "write outside the scratch memory")                                  \
    X(GS_EMU_FAULT_FETCH, "jump into memory that is not file-backed code")                     \
    X(GS_EMU_SYSCALL, "system call")                                                            \
    X(GS_EMU_TRAP, "interrupt or invalid instruction")                                         \
    X(GS_EMU_LIMIT, "ran past its time limit")                                                  \
    X(GS_EMU_TOO_MANY, "more referents than the buffer holds")                                 \
    X(GS_EMU_RETURNED, "traverse returned an error")                                            \
    X(GS_EMU_BUDGET, "the emulation's total time or memory budget was spent")                  \
    X(GS_EMU_TYPE_DISABLED, "its type's traverse ran past its limit before")                   \
    X(GS_EMU_ENGINE, "the emulator failed")

enum gs_emu_outcome {
#define GS_EMU_OUTCOME_ENUM(k, text) k,
    GS_EMU_OUTCOMES(GS_EMU_OUTCOME_ENUM)
#undef GS_EMU_OUTCOME_ENUM
    GS_EMU_OUTCOME_COUNT
};

/* A short text for an outcome ("system call"); "?" when out of range. */
const char *gs_emu_outcome_text(unsigned outcome);
/* Its identifier for JSON ("syscall"). */
const char *gs_emu_outcome_key(unsigned outcome);

/* --- the engine ------------------------------------------------------------ */

struct gs_emu_opts {
    double object_seconds; /* one object's traverse at most (its instruction bound) */
    double total_seconds;  /* every emulation of a build together */
    uint64_t max_mapped;   /* bytes of image and file memory mapped into the emulator */
    size_t max_refs;       /* referents of one object at most */
};

void gs_emu_opts_default(struct gs_emu_opts *o);

typedef struct gs_emu gs_emu;

/* NULL when the engine cannot start (the reason in *why, a static string). */
gs_emu *gs_emu_new(gs_reader *image, const gs_maps *maps, const struct gs_emu_files *files,
                   const struct gs_emu_opts *opts, const char **why);
void gs_emu_free(gs_emu *e);

/* Is `fn` inside a file-backed executable mapping the emulator can read? */
bool gs_emu_is_file_code(const gs_emu *e, uint64_t fn);

/* Run fns[i](objs[i], visit, NULL) for every i and keep the results for
 * gs_emu_result. An object already run is not run again. */
void gs_emu_run(gs_emu *e, const uint64_t *objs, const uint64_t *fns, size_t n);

/* The outcome for obj (-1 if it was never run), and with GS_EMU_OK its
 * referents in visit order: *refs stays valid until the next gs_emu_run or
 * gs_emu_free. */
int gs_emu_result(const gs_emu *e, uint64_t obj, const uint64_t **refs, size_t *nrefs);

/* Run a getter fn(obj, arg2) to its return with a memory-read hook, and
 * return the object-relative offset of the 8-byte word in [obj + lo,
 * obj + hi) it loaded the value it returns from, else that value with its
 * low bit set (a mypyc tagged int) (-1 if none: it returned NULL, None, or
 * a new object). Used once per attribute of a type to learn
 * which word holds it (labels). The probe engine sees the image through
 * an overlay: the getter's writes (Py_INCREF) go to it, never to the
 * image. */
int64_t gs_emu_getter_word(gs_emu *e, uint64_t fn, uint64_t obj, uint64_t arg2, uint64_t lo, uint64_t hi);

struct gs_emu_stats {
    uint64_t objects;                          /* traverses run */
    uint64_t by_outcome[GS_EMU_OUTCOME_COUNT]; /* objects per outcome */
    uint64_t starts;                           /* emulator starts */
    uint64_t mapped_bytes;                     /* image and file bytes mapped */
    uint64_t mappings;                         /* lazy mapping events */
    uint64_t pieces;                           /* of which image stretches mapped in place or copied */
    double seconds;                            /* CPU time inside gs_emu_run (all times here: the emulating thread's CPU time) */
    double map_seconds;                        /* of which mapping memory lazily (both engines) */
    uint64_t file_bytes, copied_bytes;         /* bytes read from files, bytes copied from the image */
    uint64_t probes;                           /* getters run (gs_emu_getter_word) */
    double probe_seconds;                      /* time inside them */
    double steady_seconds;                     /* gs_emu_time_again: a second pass, everything warm */
    uint64_t steady_objects;
};

const struct gs_emu_stats *gs_emu_stats(const gs_emu *e);

/* Benchmarks only: run the traverses of objects already run once again,
 * with their code translated and their memory mapped, results thrown away,
 * and add the time to stats.steady_seconds: the per-object steady state,
 * apart from the one-time costs of a first run. */
void gs_emu_time_again(gs_emu *e, const uint64_t *objs, const uint64_t *fns, size_t n);

#endif
