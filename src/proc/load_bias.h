/* load_bias.h: where an ELF file is loaded in a process, from its mappings.
 *
 * The ELF side (elf/elf.h) knows the file's segments and nothing of any
 * process; the maps (proc/maps.h) know where files are mapped. The load
 * bias joins the two: run-time address = link-time address + bias. */
#ifndef GCSCOPE_PROC_LOAD_BIAS_H
#define GCSCOPE_PROC_LOAD_BIAS_H

#include <stdbool.h>
#include <stdint.h>

#include "elf/elf.h"
#include "proc/maps.h"

/* The load bias of e in the process whose mappings are `maps`: map start
 * minus the link-time address, found by matching the first PT_LOAD
 * segment's file offset with a mapping of `path` (pass the path as it
 * appears in maps). 0 for ET_EXEC. False when no mapping of `path` puts a
 * segment where the file says it goes (not loaded, or the file on disk is
 * not the one mapped). */
bool gs_load_bias(const gs_elf *e, const gs_maps *maps, const char *path, uint64_t *bias);

#endif
