/* fd_kind.h: what a file descriptor of the target points to, as fds.c
 * classifies it and a snapshot stores it (struct gs_fd in graph/snapshot.h).
 * A header of its own so that the snapshot and the reader share the numbers
 * without either including the other. The values are stored in snapshot
 * files: append, never renumber. */
#ifndef GCSCOPE_PROC_FD_KIND_H
#define GCSCOPE_PROC_FD_KIND_H

enum gs_fd_kind {
    GS_FD_FILE = 0, /* a path */
    GS_FD_SOCKET,
    GS_FD_PIPE,
    GS_FD_ANON,     /* anon_inode: eventfd, epoll, signalfd, timerfd... */
    GS_FD_DEVICE,   /* /dev/... */
    GS_FD_OTHER,
};

#endif
