/* safefile.h: write a file so that it can never be turned against another
 * file, and is never seen half-written (--save, -o).
 *
 * gcscope often runs as root, so a path it writes must not be a way to
 * overwrite something else: a planted symbolic link, a predictable
 * temporary name, or a device that a rename would replace with a regular
 * file. The rules:
 *   - PATH must be absent or a regular file (lstat: a symbolic link, a
 *     device, a FIFO, a socket or a directory is refused with a message);
 *   - the data goes to a fresh temporary file in PATH's own directory,
 *     created with O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name,
 *     so nothing can be waiting there;
 *   - on success it is renamed over PATH (atomic: readers see the old file
 *     or the new one); on any error, or a stop signal before the rename,
 *     it is removed and PATH is untouched.
 * Calls: gs_safefile_open(), write to sf.f, then gs_safefile_commit() or
 * gs_safefile_abort() (exactly one of them).
 */
#ifndef GCSCOPE_UTIL_SAFEFILE_H
#define GCSCOPE_UTIL_SAFEFILE_H

#include <stdio.h>

#include "util/status.h"

struct gs_safefile {
    FILE *f;
    int dirfd;
    char tmpname[64];  /* inside the directory */
    char *base;        /* PATH's last component */
    const char *path;  /* as given, for messages */
};

/* GS_ERR_IO (cannot create, or PATH is not a regular file) with the reason. */
gs_status gs_safefile_open(struct gs_safefile *sf, const char *path, gs_error *err);
gs_status gs_safefile_commit(struct gs_safefile *sf, gs_error *err);
void gs_safefile_abort(struct gs_safefile *sf);

/* Open an input file without blocking (a FIFO would block open() forever)
 * and check that it is a regular file. *fd gets the descriptor (-1 on
 * error) and the status says why not: GS_ERR_IO when it cannot be opened, bad_kind when it is not a
 * regular file (what, e.g. "snapshot", names what was expected). */
gs_status gs_open_regular_input(const char *path, const char *what, gs_status bad_kind, int *fd, gs_error *err);

#endif
