/* symbolize.h: function names for addresses in one ELF file.
 *
 * A gs_symtab is built once per file: every function symbol of .symtab and
 * .dynsym, sorted by address, so that a lookup is a binary search. Names
 * point into the file's mapping: the table borrows the gs_elf, which must
 * stay open until gs_symtab_free().
 */
#ifndef GCSCOPE_ELF_SYMBOLIZE_H
#define GCSCOPE_ELF_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf/elf.h"
#include "util/status.h"

typedef struct gs_symtab gs_symtab;

/* Every defined function symbol (STT_FUNC, STT_GNU_IFUNC) of both tables,
 * one per address. A file with no symbols gives an empty table; only a
 * failed allocation is an error (GS_ERR_NOMEM). */
gs_status gs_symtab_build(const gs_elf *e, gs_symtab **out, gs_error *err);
void gs_symtab_free(gs_symtab *t);

size_t gs_symtab_count(const gs_symtab *t);

/* The function that contains the link-time address addr (subtract the load
 * bias from a run-time address first): its name and addr's offset from its
 * start. False before the first symbol, and past the end of the nearest
 * preceding one when that one records its size: the address is then in a
 * function the file does not name (a static function of a stripped file),
 * and naming its neighbour would mislead. */
bool gs_symtab_lookup(const gs_symtab *t, uint64_t addr, const char **name, uint64_t *offset);

#endif
