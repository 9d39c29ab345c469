/* elf.h: the little of ELF that gcscope needs: symbols, sections, program
 * headers and the build id of a 64-bit little-endian file.
 *
 * Layer: src/elf/ reads ELF files (this header, and symbolize.h for
 * function names). It knows files and bytes, never a process: where a file
 * is loaded in one is proc/load_bias.h's question. It includes only
 * src/util/.
 *
 * A gs_elf owns a read-only mapping (or copy) of the whole file; every offset
 * and size in it is bounds-checked, since the file may be truncated or hostile.
 */
#ifndef GCSCOPE_ELF_ELF_H
#define GCSCOPE_ELF_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef struct gs_elf gs_elf;

/* Open a file (mmap). GS_ERR_IO if it cannot be read, GS_ERR_NOT_PYTHON if it
 * is not a 64-bit x86_64 little-endian ELF file. */
gs_status gs_elf_open(const char *path, gs_elf **out, gs_error *err);

/* Parse a buffer (borrowed: must outlive the gs_elf). For tests and fuzzing. */
gs_status gs_elf_open_buffer(const void *data, size_t len, gs_elf **out, gs_error *err);

void gs_elf_close(gs_elf *e);

/* ET_EXEC (non-PIE executable: loaded at its link-time addresses) or ET_DYN. */
bool gs_elf_is_exec(const gs_elf *e);

/* Look a symbol up by exact name in .dynsym, then .symtab. value is the
 * link-time address (add the load bias). */
bool gs_elf_symbol(const gs_elf *e, const char *name, uint64_t *value, uint64_t *size);

/* A section by name: its link-time address and size. */
bool gs_elf_section(const gs_elf *e, const char *name, uint64_t *addr, uint64_t *size);

/* The bytes of a section within the file (NULL for SHT_NOBITS or bad bounds). */
const void *gs_elf_section_data(const gs_elf *e, const char *name, size_t *size);

/* The build id note (hex, lowercase) into buf; false if none. */
bool gs_elf_build_id(const gs_elf *e, char *buf, size_t cap);

/* The program headers the file holds: gs_elf_phdr_count() entries. Entry i
 * that is a loadable segment (PT_LOAD) gives true and its link-time address,
 * file offset and size in the file; any other entry gives false. Where the
 * segments sit in a process is proc/load_bias.h's business. */
struct gs_elf_load {
    uint64_t vaddr;  /* p_vaddr */
    uint64_t offset; /* p_offset */
    uint64_t filesz; /* p_filesz: 0 for a segment with no bytes in the file */
};
size_t gs_elf_phdr_count(const gs_elf *e);
bool gs_elf_load_segment(const gs_elf *e, size_t i, struct gs_elf_load *seg);

#endif
