/* symbolize.c: an address-sorted function table from an ELF file's symbols.
 *
 * Built on elf.h's section access: the symbol tables and their string
 * tables come from gs_elf_section_data(), which hands out only sections
 * that lie wholly inside the file, so every entry read below is in bounds
 * and the table's size is bounded by the file's.
 */
#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "elf/symbolize.h"
#include "util/alloc.h"
#include "util/sort.h"

struct sym {
    uint64_t addr, size;
    const char *name;
    uint8_t global; /* 1: STB_GLOBAL or STB_WEAK, preferred among aliases */
};

struct gs_symtab {
    struct sym *v;
    size_t n;
};

/* Append the function symbols of one table (.symtab with .strtab, or
 * .dynsym with .dynstr). Names are checked to end inside the string table. */
static void add_table(const gs_elf *e, const char *symsec, const char *strsec, struct sym *out, size_t *n,
                      size_t cap)
{
    size_t size = 0, strsize = 0;
    const uint8_t *data = gs_elf_section_data(e, symsec, &size);
    const char *strs = gs_elf_section_data(e, strsec, &strsize);
    if (!data || !strs)
        return;
    for (size_t off = 0; off + sizeof(Elf64_Sym) <= size && *n < cap; off += sizeof(Elf64_Sym)) {
        Elf64_Sym s;
        memcpy(&s, data + off, sizeof s);
        unsigned type = ELF64_ST_TYPE(s.st_info), bind = ELF64_ST_BIND(s.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || s.st_value == 0 ||
            s.st_name == 0 || s.st_name >= strsize)
            continue;
        const char *name = strs + s.st_name;
        if (!memchr(name, '\0', strsize - s.st_name) || !name[0])
            continue;
        out[(*n)++] = (struct sym){s.st_value, s.st_size, name, bind == STB_GLOBAL || bind == STB_WEAK};
    }
}

/* By address; among aliases at one address the best name first: one with
 * a size, then a global one, then the shorter (foo before foo.localalias). */
static int by_addr(const void *pa, const void *pb)
{
    const struct sym *a = pa, *b = pb;
    if (a->addr != b->addr)
        return a->addr < b->addr ? -1 : 1;
    if ((a->size != 0) != (b->size != 0))
        return a->size ? -1 : 1;
    if (a->global != b->global)
        return a->global ? -1 : 1;
    size_t la = strlen(a->name), lb = strlen(b->name);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a->name, b->name);
}

static size_t section_entries(const gs_elf *e, const char *name)
{
    size_t size = 0;
    return gs_elf_section_data(e, name, &size) ? size / sizeof(Elf64_Sym) : 0;
}

gs_status gs_symtab_build(const gs_elf *e, gs_symtab **out, gs_error *err)
{
    size_t cap = section_entries(e, ".symtab") + section_entries(e, ".dynsym");
    gs_symtab *t = gs_xcalloc(1, sizeof *t);
    if (cap) {
        t->v = gs_try_reallocarray(NULL, cap, sizeof *t->v);
        if (!t->v) {
            free(t);
            return gs_fail(err, GS_ERR_NOMEM, "out of memory reading %zu symbols", cap);
        }
        add_table(e, ".symtab", ".strtab", t->v, &t->n, cap);
        add_table(e, ".dynsym", ".dynstr", t->v, &t->n, cap);
    }
    gs_qsort(t->v, t->n, sizeof *t->v, by_addr);
    /* One entry per address: the first (best) of each run of aliases. */
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (k == 0 || t->v[k - 1].addr != t->v[i].addr)
            t->v[k++] = t->v[i];
    t->n = k;
    *out = t;
    return GS_OK;
}

void gs_symtab_free(gs_symtab *t)
{
    if (!t)
        return;
    free(t->v);
    free(t);
}

size_t gs_symtab_count(const gs_symtab *t) { return t ? t->n : 0; }

bool gs_symtab_lookup(const gs_symtab *t, uint64_t addr, const char **name, uint64_t *offset)
{
    if (!t || t->n == 0 || addr < t->v[0].addr)
        return false;
    /* The last symbol at or below addr. */
    size_t lo = 0, hi = t->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    const struct sym *s = &t->v[lo];
    if (s->size && addr - s->addr >= s->size)
        return false;
    *name = s->name;
    *offset = addr - s->addr;
    return true;
}
