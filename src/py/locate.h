/* locate.h: find the CPython runtime (_PyRuntime) of a process from its
 * files alone (its memory maps and the ELF files they name), before the
 * process is stopped, so that the pause does not pay for ELF parsing.
 *
 * Candidates, in order:
 *   1. a mapped libpythonX.Y[flags].so* (versioned names first, so that
 *      the stable-ABI stub libpython3.so is tried last);
 *   2. the main executable (the maps entry matching /proc/PID/exe): static
 *      builds such as Debian's /usr/bin/python3.11;
 *   3. any other mapped executable ELF file that exports _PyRuntime
 *      (an application embedding CPython statically).
 * In each: the symbol _PyRuntime in .dynsym or .symtab, else the section
 * .PyRuntime (3.10+).
 *
 * Files are opened as /proc/PID/root/<path> (the target's view of the file
 * system: containers), then <path>, and for a deleted file through
 * /proc/PID/map_files/START-END or /proc/PID/exe.
 *
 * An old Python (2.x, or 3.0-3.7, whose libraries are named like
 * libpython3.7m.so) found without a runtime still returns GS_OK, with
 * runtime_addr 0 and name_major/name_minor set: the caller refuses it with
 * GS_ERR_UNSUPPORTED and a message naming the version.
 */
#ifndef GCSCOPE_PY_LOCATE_H
#define GCSCOPE_PY_LOCATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/maps.h"
#include "util/status.h"

struct gs_py_location {
    char binary[4096];        /* path of the ELF holding _PyRuntime as the target sees it (maps) */
    char opened_path[4096];   /* the path actually opened (/proc/PID/root/..., map_files, exe) */
    char build_id[80];        /* lowercase hex, "" if none */
    bool shared_lib;          /* a shared library (libpython3.X.so), not the main executable */
    uint64_t bias;            /* load bias */
    uint64_t runtime_addr;    /* absolute address of _PyRuntime in the target, 0 if not found */
    uint64_t runtime_size;    /* symbol or section size, 0 if unknown */
    const char *runtime_how;  /* "symbol _PyRuntime in .dynsym", ".PyRuntime section", "none" */
    uint64_t py_version_addr; /* absolute address of Py_Version (3.11+), 0 if none */
    int name_major, name_minor; /* version from the file name, -1 if none */
    char rodata_version[32];  /* a PY_VERSION literal ("3.10.13") in .rodata, "" if none */
};

/* maps: the target's maps (gs_maps_read). Fills *out on GS_OK.
 * Errors: GS_ERR_NOT_PYTHON (no candidate holds a runtime; the message
 * names the process), GS_ERR_NO_PROCESS (it exited), GS_ERR_PERMISSION or
 * GS_ERR_IO (a libpython or python executable could not be opened). */
gs_status gs_py_locate(pid_t pid, const gs_maps *maps, struct gs_py_location *out, gs_error *err);

/* Where the target's files are found. A live process (pid > 0): through
 * /proc/PID as above. A core (pid 0): <root><path>, exe_file instead of the
 * executable when given (--exe); check() refuses a file that is not the
 * one the process ran (the core's build ids), with its message. */
struct gs_py_files {
    pid_t pid;
    const char *root;       /* "" or NULL: this machine's files */
    const char *exe;        /* the executable's path as the maps name it */
    const char *exe_file;   /* open this for it instead, or NULL */
    const char *name;       /* the target in messages: "core.1234" */
    const char *comm;       /* its command name, for messages */
    gs_status (*check)(void *arg, const char *path, gs_error *err);
    void *arg;
};
gs_status gs_py_locate_files(const struct gs_py_files *files, const gs_maps *maps, struct gs_py_location *out,
                          gs_error *err);

/* Version from a file name: "libpython3.12.so.1.0", "libpython3.7m.so",
 * "python3.11", "python2.7" (a full path is fine). false if the base name
 * is not a libpython or python name; *minor is -1 when absent
 * ("libpython3.so", "python3"). */
bool gs_py_version_from_name(const char *path, int *major, int *minor);

/* Does the file name carry the free-threaded ABI flag ("libpython3.14t.so",
 * "python3.14t")? */
bool gs_py_name_is_free_threaded(const char *path);

/* The ABI flags in such a name: "d" for python3.14d or libpython3.14d.so
 * (a debug build; also python3.14-dbg), "t" for libpython3.14t.so
 * (free-threaded), "" for a plain name. False if not a Python name. */
bool gs_py_abiflags_from_name(const char *path, char *flags, size_t cap);

/* Scan bytes (such as .rodata) for a NUL-terminated PY_VERSION literal
 * ^3\.[0-9]{1,2}\.[0-9]{1,2}([abc]|rc)?[0-9]*\+?$ with this minor (any
 * minor if want_minor < 0). Literals merged into the tail of a longer
 * string ("/prefix/3.8.18") count. */
bool gs_py_find_version_literal(const void *data, size_t len, int want_minor, char *buf, size_t cap);

#endif
