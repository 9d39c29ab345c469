/* fds.h: the target's file descriptors, read from /proc while it is stopped.
 *
 * Each descriptor with what it points to (/proc/PID/fd/N), its position and
 * flags (/proc/PID/fdinfo/N), and for sockets their addresses and state,
 * resolved by inode through the target's /proc/PID/net/{udp,unix,tcp,tcp6,
 * udp6}; for pipes which end it is and the descriptor of the other end; for
 * an epoll the descriptors it watches.
 *
 * In two calls, so that the pause stays short: gs_fds_read_table() (a
 * readlink per descriptor: what must match the memory copied in the same
 * stop) and gs_fds_read_details() (fdinfo and the net tables: may run after
 * the target resumed; a descriptor closed or reused in between then shows
 * the details of its new occupant, or none).
 */
#ifndef GCSCOPE_PROC_FDS_H
#define GCSCOPE_PROC_FDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/fd_kind.h"
#include "util/status.h"

#define GS_FDS_MAX (1u << 20) /* more descriptors than this are not listed */

struct gs_fd_entry {
    int fd;
    enum gs_fd_kind kind;
    char target[512];  /* readlink: "/var/log/app.log", "socket:[12345]", "pipe:[678]" */
    char detail[256];  /* "tcp 127.0.0.1:8080 -> 127.0.0.1:40122 ESTABLISHED", "unix /run/x.sock",
                        * "pipe, read end (other end: fd 7)", "epoll watching fds 3, 4", "eventfd" */
    uint64_t pos;
    unsigned flags;    /* fdinfo "flags:" (octal) */
    uint64_t inode;    /* sockets and pipes: the inode in brackets */
};

/* The first half: all descriptors of pid, sorted by number, with their
 * numbers, targets, kinds and inodes only; *out is malloc'd (free it).
 * GS_ERR_NO_PROCESS / GS_ERR_PERMISSION when /proc/PID/fd cannot be read;
 * one descriptor that cannot be read is listed as "(unreadable: ...)", one
 * that vanished is left out. */
gs_status gs_fds_read_table(pid_t pid, struct gs_fd_entry **out, size_t *n, gs_error *err);

/* The second half, on a table from gs_fds_read_table(): pos, flags (not
 * for sockets: always 0 there) and every detail. Fails only for memory. */
gs_status gs_fds_read_details(pid_t pid, struct gs_fd_entry *v, size_t n, gs_error *err);

#endif
