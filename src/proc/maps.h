/* maps.h: a process's memory mappings, parsed from /proc/PID/maps.
 *
 * gs_maps owns its array and the path strings; free with gs_maps_free().
 * Entries are sorted by start address (as the kernel writes them).
 */
#ifndef GCSCOPE_PROC_MAPS_H
#define GCSCOPE_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/status.h"

enum {
    GS_MAP_READ = 1,
    GS_MAP_WRITE = 2,
    GS_MAP_EXEC = 4,
    GS_MAP_PRIVATE = 8, /* 'p' (copy on write); otherwise 's' shared */
};

typedef struct gs_map {
    uint64_t start, end; /* [start, end) */
    uint64_t offset;     /* file offset of start */
    uint64_t inode;
    unsigned dev_major, dev_minor;
    unsigned perms;      /* GS_MAP_* */
    char *path;          /* "" for anonymous; "[heap]", "[stack]", a file ... */
    bool deleted;        /* the path ended in " (deleted)" (stripped from path) */
} gs_map;

typedef struct gs_maps {
    gs_map *v;
    size_t n;
} gs_maps;

/* Parse maps text (need not be NUL-terminated). Malformed lines are skipped;
 * at most GS_MAPS_MAX entries are kept. Never fails except for memory. */
#define GS_MAPS_MAX 1000000
gs_status gs_maps_parse(const char *text, size_t len, gs_maps *out, gs_error *err);

/* Read and parse /proc/PID/maps. GS_ERR_NO_PROCESS if the process is gone,
 * GS_ERR_PERMISSION if it may not be read. */
gs_status gs_maps_read(pid_t pid, gs_maps *out, gs_error *err);

void gs_maps_free(gs_maps *m);

/* A copy of from in one block, freed with gs_maps_free(). */
void gs_maps_copy(const gs_maps *from, gs_maps *to);

/* The mapping containing addr, or NULL (binary search). */
const gs_map *gs_maps_find(const gs_maps *m, uint64_t addr);

/* Anonymous mapping: no path, or a pseudo path like [heap], [stack], [anon:...]. */
bool gs_map_is_anonymous(const gs_map *m);

#endif
