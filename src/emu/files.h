/* files.h: inside src/emu only. The target's read-only file mappings and
 * the descriptors of their files (see gs_emu_files_open in emu.h). */
#ifndef GCSCOPE_EMU_FILES_H
#define GCSCOPE_EMU_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"

struct gs_emu_fmap {
    uint64_t start, end, offset; /* as in the maps */
    unsigned perms;              /* GS_MAP_* */
    int fd;                      /* the file's descriptor (shared by its mappings), or -1 with data */
    const unsigned char *data;   /* a core's file, mapped whole by the core reader (borrowed), or NULL */
    uint64_t file_size;          /* bytes past it read as zeros */
    uint64_t inode;
    unsigned dev_major, dev_minor;
};

struct gs_emu_files {
    struct gs_emu_fmap *v; /* sorted by start */
    size_t n;
    int *fds; /* distinct descriptors, closed by gs_emu_files_free */
    size_t nfds;
};

/* The file mapping containing addr, or NULL. */
const struct gs_emu_fmap *gs_emu_files_find(const struct gs_emu_files *f, uint64_t addr);

/* Copy [addr, addr+len) of a file mapping into buf (zeros past the end of
 * the file). False if the file cannot be read. */
bool gs_emu_files_read(const struct gs_emu_fmap *m, uint64_t addr, void *buf, size_t len);

#endif
