#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/elf.h"
#include "util/alloc.h"

/* The file is untrusted: every structure is copied out with memcpy (its
 * offset need not be aligned) after an overflow-safe bounds check, every
 * table's entry count is bounded by the file size, and no allocation is
 * sized by a field of the file (we allocate nothing but the gs_elf). */

typedef struct table {
    uint64_t off;   /* file offset of the first entry */
    uint64_t count; /* entries that fit in the file */
    uint64_t entsize;
} table;

typedef struct symtab {
    bool present;
    table syms;
    uint64_t str_off, str_size; /* its string table, clipped to the file */
    /* GNU hash (only for .dynsym), validated at open. */
    bool has_gnu_hash;
    uint32_t nbuckets, symoffset, bloom_size, bloom_shift;
    uint64_t bloom_off, buckets_off, chain_off;
    uint64_t chain_count;
} symtab;

struct gs_elf {
    const uint8_t *data;
    size_t size;
    void *map;      /* munmap on close, or NULL for a borrowed buffer */
    size_t map_len;
    uint16_t type;
    table ph, sh;
    bool has_shstr;
    uint64_t shstr_off, shstr_size;
    symtab dyn, sym;
};

/* [off, off + len) inside the file, without overflow. */
static bool in_file(const gs_elf *e, uint64_t off, uint64_t len)
{
    return off <= e->size && len <= e->size - off;
}

static bool read_at(const gs_elf *e, uint64_t off, void *dst, size_t len)
{
    if (!in_file(e, off, len))
        return false;
    memcpy(dst, e->data + off, len);
    return true;
}

static bool get_shdr(const gs_elf *e, uint64_t i, Elf64_Shdr *sh)
{
    if (i >= e->sh.count)
        return false;
    return read_at(e, e->sh.off + i * e->sh.entsize, sh, sizeof *sh);
}

static bool get_phdr(const gs_elf *e, uint64_t i, Elf64_Phdr *ph)
{
    if (i >= e->ph.count)
        return false;
    return read_at(e, e->ph.off + i * e->ph.entsize, ph, sizeof *ph);
}

/* A table of count entries of entsize bytes at off, clipped to what the
 * file holds (a truncated file keeps its leading entries). */
static table make_table(const gs_elf *e, uint64_t off, uint64_t count, uint64_t entsize)
{
    table t = {0, 0, entsize};
    if (entsize == 0 || off > e->size)
        return t;
    uint64_t fit = (e->size - off) / entsize;
    t.off = off;
    t.count = count < fit ? count : fit;
    return t;
}

/* A NUL-terminated string at off within [base, base + size) of the file. */
static const char *str_at(const gs_elf *e, uint64_t base, uint64_t size, uint64_t off)
{
    if (off >= size || !in_file(e, base, size))
        return NULL;
    const char *s = (const char *)e->data + base + off;
    if (!memchr(s, '\0', size - off))
        return NULL;
    return s;
}

static const char *section_name(const gs_elf *e, const Elf64_Shdr *sh)
{
    if (!e->has_shstr)
        return NULL;
    return str_at(e, e->shstr_off, e->shstr_size, sh->sh_name);
}

/* Clip a section's [offset, offset + size) to the file; false if it starts
 * outside or has no bytes in the file. */
static bool section_range(const gs_elf *e, const Elf64_Shdr *sh, uint64_t *off, uint64_t *size)
{
    if (sh->sh_type == SHT_NOBITS || sh->sh_offset >= e->size)
        return false;
    uint64_t avail = e->size - sh->sh_offset;
    *off = sh->sh_offset;
    *size = sh->sh_size < avail ? sh->sh_size : avail;
    return true;
}

static void setup_gnu_hash(gs_elf *e, symtab *st, const Elf64_Shdr *sh)
{
    uint64_t off, size;
    if (!section_range(e, sh, &off, &size) || size < 16)
        return;
    uint32_t hdr[4];
    if (!read_at(e, off, hdr, sizeof hdr))
        return;
    uint64_t nbuckets = hdr[0], symoffset = hdr[1], bloom_size = hdr[2];
    /* The bloom filter's size must be a power of two (the lookup masks with
     * it); an empty or absurd table means "do not trust it". */
    if (nbuckets == 0 || bloom_size == 0 || (bloom_size & (bloom_size - 1)) != 0 || hdr[3] >= 32)
        return;
    uint64_t bloom_off = off + 16;
    uint64_t need = 16 + bloom_size * 8 + nbuckets * 4; /* each term < 2^35 */
    if (need > size)
        return;
    st->bloom_off = bloom_off;
    st->buckets_off = bloom_off + bloom_size * 8;
    st->chain_off = st->buckets_off + nbuckets * 4;
    st->chain_count = (size - need) / 4;
    st->nbuckets = (uint32_t)nbuckets;
    st->symoffset = (uint32_t)symoffset;
    st->bloom_size = (uint32_t)bloom_size;
    st->bloom_shift = hdr[3]; /* < 32: it shifts a 32-bit hash */
    st->has_gnu_hash = true;
}

/* A symbol table section and its linked string table. */
static void setup_symtab(gs_elf *e, symtab *st, const Elf64_Shdr *sh)
{
    uint64_t off, size;
    if (!section_range(e, sh, &off, &size))
        return;
    uint64_t entsize = sh->sh_entsize ? sh->sh_entsize : sizeof(Elf64_Sym);
    if (entsize < sizeof(Elf64_Sym))
        return;
    Elf64_Shdr str;
    if (!get_shdr(e, sh->sh_link, &str) || str.sh_type != SHT_STRTAB)
        return;
    uint64_t soff, ssize;
    if (!section_range(e, &str, &soff, &ssize))
        return;
    st->syms = make_table(e, off, size / entsize, entsize);
    st->str_off = soff;
    st->str_size = ssize;
    st->present = true;
}

static gs_status parse(gs_elf *e, gs_error *err)
{
    Elf64_Ehdr eh;
    if (!read_at(e, 0, &eh, sizeof eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return gs_fail(err, GS_ERR_NOT_PYTHON, "not an ELF file");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != EM_X86_64)
        return gs_fail(err, GS_ERR_NOT_PYTHON, "not a 64-bit little-endian x86_64 ELF file");
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
        return gs_fail(err, GS_ERR_NOT_PYTHON, "ELF file is neither an executable nor a shared object");
    e->type = eh.e_type;

    /* Section headers. Numbers too large for the header live in section 0
     * (e_shnum == 0: sh_size; e_shstrndx == SHN_XINDEX: sh_link). */
    if (eh.e_shoff && eh.e_shentsize >= sizeof(Elf64_Shdr)) {
        uint64_t shnum = eh.e_shnum, shstrndx = eh.e_shstrndx;
        e->sh = make_table(e, eh.e_shoff, 1, eh.e_shentsize);
        Elf64_Shdr s0;
        if (get_shdr(e, 0, &s0)) {
            if (shnum == 0)
                shnum = s0.sh_size;
            if (shstrndx == SHN_XINDEX)
                shstrndx = s0.sh_link;
        }
        e->sh = make_table(e, eh.e_shoff, shnum, eh.e_shentsize);
        Elf64_Shdr ss;
        if (shstrndx != SHN_UNDEF && get_shdr(e, shstrndx, &ss) && ss.sh_type == SHT_STRTAB &&
            section_range(e, &ss, &e->shstr_off, &e->shstr_size))
            e->has_shstr = true;
    }

    /* Program headers. PN_XNUM: the real count is section 0's sh_info. */
    if (eh.e_phoff && eh.e_phentsize >= sizeof(Elf64_Phdr)) {
        uint64_t phnum = eh.e_phnum;
        Elf64_Shdr s0;
        if (phnum == PN_XNUM && get_shdr(e, 0, &s0))
            phnum = s0.sh_info;
        e->ph = make_table(e, eh.e_phoff, phnum, eh.e_phentsize);
    }

    /* The symbol tables: the first SHT_DYNSYM and SHT_SYMTAB. */
    uint64_t dynsym_index = UINT64_MAX;
    for (uint64_t i = 0; i < e->sh.count; i++) {
        Elf64_Shdr sh;
        if (!get_shdr(e, i, &sh))
            break;
        if (sh.sh_type == SHT_DYNSYM && !e->dyn.present) {
            setup_symtab(e, &e->dyn, &sh);
            if (e->dyn.present)
                dynsym_index = i;
        } else if (sh.sh_type == SHT_SYMTAB && !e->sym.present) {
            setup_symtab(e, &e->sym, &sh);
        }
    }
    if (e->dyn.present) {
        for (uint64_t i = 0; i < e->sh.count; i++) {
            Elf64_Shdr sh;
            if (!get_shdr(e, i, &sh))
                break;
            if (sh.sh_type == SHT_GNU_HASH && sh.sh_link == dynsym_index) {
                setup_gnu_hash(e, &e->dyn, &sh);
                break;
            }
        }
    }
    return GS_OK;
}

gs_status gs_elf_open_buffer(const void *data, size_t len, gs_elf **out, gs_error *err)
{
    *out = NULL;
    gs_elf *e = gs_xcalloc(1, sizeof *e);
    e->data = data;
    e->size = data ? len : 0;
    gs_status s = parse(e, err);
    if (s != GS_OK) {
        free(e);
        return s;
    }
    *out = e;
    return GS_OK;
}

gs_status gs_elf_open(const char *path, gs_elf **out, gs_error *err)
{
    *out = NULL;
    /* O_NONBLOCK: a FIFO or device named like a library must not hang us
     * in open(); fstat then refuses anything but a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int en = errno;
        return gs_fail(err, en == EACCES || en == EPERM ? GS_ERR_PERMISSION : GS_ERR_IO,
                       "cannot open %s: %s", path, strerror(en));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int en = errno;
        close(fd);
        return gs_fail(err, GS_ERR_IO, "cannot stat %s: %s", path, strerror(en));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return gs_fail(err, GS_ERR_NOT_PYTHON, "%s is not a regular file", path);
    }
    if (st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return gs_fail(err, GS_ERR_NOT_PYTHON, "%s is too small to be an ELF file", path);
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return gs_fail(err, GS_ERR_IO, "%s is too large to map", path);
    }
    /* A private read-only mapping: only the pages we touch are read. If the
     * file were truncated while mapped, touching the lost pages would raise
     * SIGBUS; binaries in use are replaced, not truncated, by installers. */
    size_t n = (size_t)st.st_size;
    void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    int en = errno;
    close(fd);
    if (map == MAP_FAILED)
        return gs_fail(err, GS_ERR_IO, "cannot map %s: %s", path, strerror(en));

    gs_elf *e;
    gs_status s = gs_elf_open_buffer(map, n, &e, err);
    if (s != GS_OK) {
        munmap(map, n);
        gs_error_prefix(err, "%s", path);
        return s;
    }
    e->map = map;
    e->map_len = n;
    *out = e;
    return GS_OK;
}

void gs_elf_close(gs_elf *e)
{
    if (!e)
        return;
    if (e->map)
        munmap(e->map, e->map_len);
    free(e);
}

bool gs_elf_is_exec(const gs_elf *e)
{
    return e->type == ET_EXEC;
}

/* --- symbols ------------------------------------------------------------- */

static bool get_sym(const gs_elf *e, const symtab *st, uint64_t i, Elf64_Sym *sym)
{
    if (i >= st->syms.count)
        return false;
    return read_at(e, st->syms.off + i * st->syms.entsize, sym, sizeof *sym);
}

/* A defined symbol (not an import) with exactly this name. */
static bool sym_matches(const gs_elf *e, const symtab *st, const Elf64_Sym *sym, const char *name)
{
    if (sym->st_shndx == SHN_UNDEF)
        return false;
    int type = ELF64_ST_TYPE(sym->st_info);
    if (type == STT_SECTION || type == STT_FILE)
        return false;
    const char *s = str_at(e, st->str_off, st->str_size, sym->st_name);
    return s && strcmp(s, name) == 0;
}

static bool linear_lookup(const gs_elf *e, const symtab *st, const char *name, Elf64_Sym *out)
{
    for (uint64_t i = 0; i < st->syms.count; i++) {
        Elf64_Sym sym;
        if (!get_sym(e, st, i, &sym))
            return false;
        if (sym_matches(e, st, &sym, name)) {
            *out = sym;
            return true;
        }
    }
    return false;
}

static uint32_t gnu_hash(const char *s)
{
    uint32_t h = 5381;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = h * 33 + *p;
    return h;
}

/* The GNU hash table as ld.so uses it: a bloom filter, then one bucket
 * whose chain of hashes ends with an entry whose low bit is set. The
 * table covers only the defined symbols from symoffset on. */
static bool gnu_lookup(const gs_elf *e, const symtab *st, const char *name, Elf64_Sym *out)
{
    uint32_t h = gnu_hash(name);
    uint64_t word;
    uint64_t wi = (h / 64) & (st->bloom_size - 1);
    if (!read_at(e, st->bloom_off + wi * 8, &word, sizeof word))
        return false;
    uint64_t mask = ((uint64_t)1 << (h % 64)) | ((uint64_t)1 << ((h >> st->bloom_shift) % 64));
    if ((word & mask) != mask)
        return false;

    uint32_t idx;
    if (!read_at(e, st->buckets_off + (uint64_t)(h % st->nbuckets) * 4, &idx, sizeof idx))
        return false;
    if (idx == 0 || idx < st->symoffset)
        return false;
    /* Each step moves to the next symbol, so the walk ends within both
     * the chain array and the symbol table whatever the file says. */
    for (uint64_t i = idx; i < st->syms.count; i++) {
        uint64_t ci = i - st->symoffset;
        if (ci >= st->chain_count)
            return false;
        uint32_t ch;
        if (!read_at(e, st->chain_off + ci * 4, &ch, sizeof ch))
            return false;
        if ((ch | 1) == (h | 1)) {
            Elf64_Sym sym;
            if (get_sym(e, st, i, &sym) && sym_matches(e, st, &sym, name)) {
                *out = sym;
                return true;
            }
        }
        if (ch & 1)
            break;
    }
    return false;
}

bool gs_elf_symbol(const gs_elf *e, const char *name, uint64_t *value, uint64_t *size)
{
    Elf64_Sym sym;
    bool found = false;
    if (e->dyn.present)
        found = e->dyn.has_gnu_hash ? gnu_lookup(e, &e->dyn, name, &sym)
                                    : linear_lookup(e, &e->dyn, name, &sym);
    if (!found && e->sym.present)
        found = linear_lookup(e, &e->sym, name, &sym);
    if (!found)
        return false;
    if (value)
        *value = sym.st_value;
    if (size)
        *size = sym.st_size;
    return true;
}

/* --- sections ------------------------------------------------------------ */

static bool find_section(const gs_elf *e, const char *name, Elf64_Shdr *out)
{
    for (uint64_t i = 0; i < e->sh.count; i++) {
        Elf64_Shdr sh;
        if (!get_shdr(e, i, &sh))
            return false;
        const char *n = section_name(e, &sh);
        if (n && strcmp(n, name) == 0) {
            *out = sh;
            return true;
        }
    }
    return false;
}

bool gs_elf_section(const gs_elf *e, const char *name, uint64_t *addr, uint64_t *size)
{
    Elf64_Shdr sh;
    if (!find_section(e, name, &sh))
        return false;
    if (addr)
        *addr = sh.sh_addr;
    if (size)
        *size = sh.sh_size;
    return true;
}

const void *gs_elf_section_data(const gs_elf *e, const char *name, size_t *size)
{
    Elf64_Shdr sh;
    if (!find_section(e, name, &sh) || sh.sh_type == SHT_NOBITS)
        return NULL;
    /* Unlike the symbol tables, a clipped section would hand the caller
     * less than it asked for without saying so: demand the whole of it. */
    if (!in_file(e, sh.sh_offset, sh.sh_size))
        return NULL;
    if (size)
        *size = (size_t)sh.sh_size;
    return e->data + sh.sh_offset;
}

/* --- build id ------------------------------------------------------------ */

static bool hex_id(const uint8_t *p, uint64_t n, char *buf, size_t cap)
{
    if (n == 0 || cap == 0 || n > (cap - 1) / 2)
        return false;
    static const char digits[] = "0123456789abcdef";
    for (uint64_t i = 0; i < n; i++) {
        buf[2 * i] = digits[p[i] >> 4];
        buf[2 * i + 1] = digits[p[i] & 15];
    }
    buf[2 * n] = '\0';
    return true;
}

/* Walk the notes in [off, off + size); align is 4 or 8 (the segment's). */
static bool build_id_in_notes(const gs_elf *e, uint64_t off, uint64_t size, uint64_t align,
                              char *buf, size_t cap)
{
    if (!in_file(e, off, size))
        return false;
    uint64_t pos = 0;
    /* Every note takes at least 12 bytes, so this ends within size / 12. */
    while (size - pos >= 12) {
        uint32_t hdr[3];
        memcpy(hdr, e->data + off + pos, sizeof hdr);
        uint64_t namesz = hdr[0], descsz = hdr[1], type = hdr[2];
        uint64_t name_pad = (namesz + align - 1) & ~(align - 1);
        uint64_t desc_pad = (descsz + align - 1) & ~(align - 1);
        uint64_t left = size - pos - 12;
        if (name_pad > left || desc_pad > left - name_pad)
            return false;
        const uint8_t *name = e->data + off + pos + 12;
        if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(name, "GNU", 4) == 0)
            return hex_id(name + name_pad, descsz, buf, cap);
        pos += 12 + name_pad + desc_pad;
    }
    return false;
}

bool gs_elf_build_id(const gs_elf *e, char *buf, size_t cap)
{
    for (uint64_t i = 0; i < e->ph.count; i++) {
        Elf64_Phdr ph;
        if (!get_phdr(e, i, &ph))
            break;
        if (ph.p_type != PT_NOTE)
            continue;
        uint64_t align = ph.p_align == 8 ? 8 : 4;
        if (build_id_in_notes(e, ph.p_offset, ph.p_filesz, align, buf, cap))
            return true;
    }
    Elf64_Shdr sh;
    if (find_section(e, ".note.gnu.build-id", &sh) && sh.sh_type == SHT_NOTE)
        return build_id_in_notes(e, sh.sh_offset, sh.sh_size, sh.sh_addralign == 8 ? 8 : 4,
                                 buf, cap);
    return false;
}

/* --- loadable segments ---------------------------------------------------- */

size_t gs_elf_phdr_count(const gs_elf *e)
{
    return (size_t)e->ph.count;
}

bool gs_elf_load_segment(const gs_elf *e, size_t i, struct gs_elf_load *seg)
{
    Elf64_Phdr ph;
    if (!get_phdr(e, i, &ph) || ph.p_type != PT_LOAD)
        return false;
    seg->vaddr = ph.p_vaddr;
    seg->offset = ph.p_offset;
    seg->filesz = ph.p_filesz;
    return true;
}
