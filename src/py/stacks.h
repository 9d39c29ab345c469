/* stacks.h: the Python side of the threads, read from a captured image:
 * each thread state's frames (function, file, current line), the names
 * `threading` gave the threads, and who holds the GIL.
 *
 * Frames per version:
 *   <= 3.10  tstate->frame, PyFrameObjects chained by f_back; every frame
 *            is one call of the eval loop (_PyEval_EvalFrameDefault).
 *   3.11+    _PyInterpreterFrames chained by `previous` from the current
 *            frame (tstate->cframe->current_frame in 3.11/3.12,
 *            tstate->current_frame in 3.13). One eval-loop call runs
 *            several of them: 3.11 marks the first frame of each call
 *            is_entry; 3.12+ pushes a shim frame owned by the C stack
 *            (FRAME_OWNED_BY_CSTACK) under it, which is skipped here.
 * A running generator's frame is on the chain where it runs.
 *
 * Lines come from the code object's line table at the frame's last
 * instruction: co_lnotab (3.8, 3.9; f_lasti in bytes), the 3.10
 * co_linetable (f_lasti in code units) and the 3.11+ location table
 * (prev_instr in 3.11/3.12, instr_ptr in 3.13, against co_code_adaptive),
 * as PyFrame_GetLineNumber() computes them (without a trace function).
 */
#ifndef GCSCOPE_PY_STACKS_H
#define GCSCOPE_PY_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "py/object.h"
#include "py/runtime.h"

/* Deeper than any real stack (sys.setrecursionlimit allows more, but the
 * C stack would not): a longer chain is a loop in corrupt memory. */
#define GS_PY_STACK_MAX_FRAMES 100000

enum gs_py_frame_flags {
    /* The outermost Python frame of one call of the eval loop: a native
     * _PyEval_EvalFrameDefault frame runs this frame and the frames inside
     * it up to the previous ENTRY frame. Every frame <= 3.10; the outermost
     * frame of a thread is always one. */
    GS_PY_FRAME_ENTRY = 1 << 0,
    GS_PY_FRAME_GENERATOR = 1 << 1, /* a generator's, coroutine's or async generator's frame */
};

struct gs_py_frame_info {
    uint64_t addr;      /* the frame object (<= 3.10) or the interpreter frame (3.11+) */
    uint64_t frame_obj; /* its frame object, 0 when none was made (3.11+) */
    uint64_t holder;    /* the object whose references include the frame's locals: the
                         * frame object (<= 3.10), the generator (3.11+ generator frames);
                         * 0 for 3.11+ thread frames, whose locals are roots */
    uint64_t code;
    int32_t line;       /* -1 when unknown */
    uint32_t flags;     /* enum gs_py_frame_flags */
    const char *function; /* co_qualname (3.11+) or co_name; "?" if unreadable */
    const char *file;     /* co_filename; "?" if unreadable */
};

/* Called for each frame, innermost first; the strings are valid during the
 * call only. Return false to stop the walk. */
typedef bool (*gs_py_frame_visit_fn)(void *arg, const struct gs_py_frame_info *f);

/* The thread's innermost frame (frame object <= 3.10, interpreter frame
 * 3.11+, possibly a 3.12+ shim), 0 when it runs no Python code. */
uint64_t gs_py_stack_top(const struct gs_py_ctx *c, uint64_t tstate);

/* Walk the frames of the thread state at tstate (at most max_frames).
 * Returns how many were reported; a chain that cannot be read further ends
 * the walk there. */
size_t gs_py_stack_walk(const struct gs_py_ctx *c, uint64_t tstate, size_t max_frames, gs_py_frame_visit_fn fn, void *arg);

/* The line a frame runs, from its code object and the byte offset of its
 * instruction (negative: not started, the function's first line). Exposed
 * for the unit tests of the three line-table formats: minor is 8..13. */
int32_t gs_py_code_line(int minor, const uint8_t *table, size_t len, int32_t firstlineno, int64_t offset);

/* What `threading` calls a thread: ident (threading.get_ident(), the
 * pthread_t a thread state records as thread_id) -> Thread._name. */
struct gs_py_thread_name {
    uint64_t ident;
    char name[128];
};

/* The names threading keeps in sys.modules['threading']._active of
 * interpreter `in` (dummy threads included), and threading._main_thread's
 * should it be missing there. A malloc'd array of *n entries, or NULL when
 * threading is not imported or cannot be read. */
struct gs_py_thread_name *gs_py_thread_names(const struct gs_py_ctx *c, const struct gs_py_interp *in, size_t *n);

/* The thread state holding interpreter in's GIL (<= 3.11 the runtime's one
 * GIL; 3.12+ the one in->ceval.gil points at), 0 when it is free or cannot
 * be read: the GIL's `locked` flag, then its `last_holder`. */
uint64_t gs_py_gil_holder(const struct gs_py_ctx *c, uint64_t runtime_addr, const struct gs_py_interp *in);

#endif
