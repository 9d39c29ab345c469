/* snapfile.h: snapshots in files (--save FILE, `gcscope FILE`).
 *
 * The format (docs/snapshot-format.md) is a header, a table of sections,
 * and the snapshot's arrays verbatim, each 64-byte aligned and checksummed,
 * so that a load is one mmap plus validation: arrays are used in place.
 * Nothing in a file is trusted: every count, offset, index and string id is
 * checked before use, and a file that fails any check is refused whole.
 */
#ifndef GCSCOPE_GRAPH_SNAPFILE_H
#define GCSCOPE_GRAPH_SNAPFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/snapshot.h"
#include "util/status.h"

#define GS_SNAPFILE_MAGIC "GCSCOPE\x1a"
#define GS_SNAPFILE_VERSION 3 /* 2: meta.build; 3: may carry the analyses (sections 35-49) */
/* A file without the analyses is written as version 2, which a gcscope
 * older than them reads too; both are read. */
#define GS_SNAPFILE_VERSION_PLAIN 2

/* Write s to path (through a temporary file renamed into place), with the
 * analyses in stored (GS_STORED_COUNT entries, graph/analyses.h's
 * gs_analyses_export; the entries whose data is NULL are left out) when
 * stored is not NULL. GS_ERR_IO with the reason on failure. */
gs_status gs_snapfile_save(const struct gs_snapshot *s, const struct gs_stored_section *stored, const char *path,
                          gs_error *err);

/* Load a snapshot file. GS_ERR_SNAPSHOT (with what is wrong: not a
 * snapshot, another version, truncated, corrupt section, bad index) or
 * GS_ERR_IO (cannot open). */
gs_status gs_snapfile_load(const char *path, struct gs_snapshot **out, gs_error *err);

/* The same over a buffer (for fuzzing and tests). The buffer is copied. */
gs_status gs_snapfile_load_buffer(const void *data, size_t len, struct gs_snapshot **out, gs_error *err);

/* The format as the code writes it, for the test that keeps
 * docs/snapshot-format.md true: each section's id, name, element size and
 * whether a file may lack it; the header and table-entry sizes. */
struct gs_snapfile_section_info {
    unsigned id;
    const char *name;
    size_t elem_size;
    bool optional;
};
size_t gs_snapfile_layout(struct gs_snapfile_section_info *out, size_t max, size_t *header_size,
                          size_t *entry_size);

/* Does the file start with the snapshot magic? (choosing FILE vs PID) */
int gs_snapfile_sniff(const char *path);

#endif
