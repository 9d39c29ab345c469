/* resource_kind.h: which kind of operating-system resource a Python object
 * owns, as resources.c decodes it and a snapshot stores it (struct
 * gs_resource in graph/snapshot.h). A header of its own so that the decoder
 * and the snapshot share the numbers without either including the other.
 * The values are stored in snapshot files: append, never renumber. */
#ifndef GCSCOPE_PY_RESOURCE_KIND_H
#define GCSCOPE_PY_RESOURCE_KIND_H

enum gs_resource_kind {
    GS_RES_FILE = 0,  /* _io.FileIO (and the buffered/text layers above it) */
    GS_RES_SOCKET,    /* _socket.socket */
    GS_RES_MMAP,      /* mmap.mmap */
    GS_RES_POPEN,     /* subprocess.Popen */
    GS_RES_SELECTOR,  /* select.epoll / poll / selectors.*Selector */
    GS_RES_KIND_COUNT
};

#endif
