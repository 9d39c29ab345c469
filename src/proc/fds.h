/* fds.h: the target's file descriptors, read from /proc while it is stopped.
 *
 * Each descriptor with what it points to (/proc/PID/fd/N), its position and
 * flags (/proc/PID/fdinfo/N), and for sockets their addresses and state,
 * resolved by inode through /proc/PID/net/{tcp,tcp6,udp,udp6,unix}.
 */
#ifndef GCSCOPE_PROC_FDS_H
#define GCSCOPE_PROC_FDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "graph/snapshot.h"
#include "util/status.h"

#define GS_FDS_MAX (1u << 20) /* more descriptors than this are not listed */

struct gs_fd_entry {
    int fd;
    enum gs_fd_kind kind;
    char target[512];  /* readlink: "/var/log/app.log", "socket:[12345]", "pipe:[678]" */
    char detail[256];  /* "tcp 127.0.0.1:8080 -> 127.0.0.1:40122 ESTABLISHED", "unix /run/x.sock" */
    uint64_t pos;
    unsigned flags;    /* fdinfo "flags:" (octal) */
    uint64_t inode;    /* sockets and pipes: the inode in brackets */
};

/* All descriptors of pid, sorted by number; *out is malloc'd (free it).
 * GS_ERR_NO_PROCESS / GS_ERR_PERMISSION when /proc/PID/fd cannot be read. */
gs_status gs_fds_read(pid_t pid, struct gs_fd_entry **out, size_t *n, gs_error *err);

#endif
