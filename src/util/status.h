/* status.h: every way a gcscope operation can fail, with its exit code.
 *
 * Layer: src/util/ is the bottom layer: allocation, status codes, strings
 * and their escaping, hashing, sorting, the JSON writer, the clock and the
 * cancel flags. It knows nothing of processes, ELF files, Python or graphs,
 * and includes nothing from the other folders.
 *
 * Functions return gs_status and, on failure, fill a caller-owned gs_error
 * with one line saying what failed first and then how to fix it (lowercase,
 * no full stop, git style). Only main.c and ui/ turn a status into an exit.
 *
 * Exit codes are documented in docs/exit-codes.md and in --help; 1 is kept
 * for "a --check assertion failed", so errors start at 2.
 */
#ifndef GCSCOPE_UTIL_STATUS_H
#define GCSCOPE_UTIL_STATUS_H

#include <stdarg.h>

#define GS_STATUS_LIST(X)                                                          \
    X(GS_OK,              0,  "ok")                                                \
    X(GS_ERR_USAGE,       2,  "bad arguments")                                     \
    X(GS_ERR_NO_PROCESS,  3,  "no such process")                                   \
    X(GS_ERR_PERMISSION,  4,  "permission denied")                                 \
    X(GS_ERR_NOT_PYTHON,  5,  "not a Python process")                              \
    X(GS_ERR_UNSUPPORTED, 6,  "unsupported Python version")                        \
    X(GS_ERR_EXITED,      7,  "target exited during capture")                      \
    X(GS_ERR_DEADLINE,    8,  "deadline passed")                                   \
    X(GS_ERR_INTERRUPTED, 9,  "interrupted by a signal")                           \
    X(GS_ERR_CORRUPT,     10, "inconsistent interpreter memory")                   \
    X(GS_ERR_BUSY,        11, "garbage collection kept running")                   \
    X(GS_ERR_IO,          12, "input/output error")                                \
    X(GS_ERR_NOMEM,       13, "out of memory")                                     \
    X(GS_ERR_SNAPSHOT,    14, "bad snapshot file")                                 \
    X(GS_ERR_SPAWN,       15, "could not start the program")                       \
    X(GS_ERR_DISAGREE,    16, "decoders disagree with the emulated traverse")      \
    X(GS_ERR_INTERNAL,    70, "internal error")

typedef enum {
#define GS_STATUS_ENUM(name, code, text) name,
    GS_STATUS_LIST(GS_STATUS_ENUM)
#undef GS_STATUS_ENUM
    GS_STATUS_COUNT
} gs_status;

typedef struct gs_error {
    gs_status code;
    char msg[512];
} gs_error;

/* Set err (if not NULL) and return code. The message is printf-style. */
gs_status gs_fail(gs_error *err, gs_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
gs_status gs_vfail(gs_error *err, gs_status code, const char *fmt, va_list ap);

/* Prepend context: "CONTEXT: previous message". */
void gs_error_prefix(gs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int gs_status_exit_code(gs_status s);
const char *gs_status_name(gs_status s);  /* "GS_ERR_USAGE" */
const char *gs_status_text(gs_status s);  /* "bad arguments" */

#endif
