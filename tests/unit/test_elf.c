/* test_elf: the ELF reader against real files (this program, libc), checked
 * against what the dynamic linker says; truncated and corrupted copies
 * (run it under -fsanitize=address,undefined to catch any stray read); and
 * gs_py_locate against live interpreters, checked against the address each
 * interpreter reports for its own _PyRuntime. */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "elf/elf.h"
#include "proc/load_bias.h"
#include "proc/maps.h"
#include "py/locate.h"
#include "unit.h"

/* --- helpers ----------------------------------------------------------- */

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    /* Exact size, so that ASan flags a read one byte past the end. */
    uint8_t *exact = malloc(n ? n : 1);
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

static bool self_exe(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return true;
}

/* The maps path of the object containing addr. */
static bool path_of(const gs_maps *m, const void *addr, char *buf, size_t cap)
{
    const gs_map *x = gs_maps_find(m, (uint64_t)(uintptr_t)addr);
    if (!x || x->path[0] != '/')
        return false;
    snprintf(buf, cap, "%s", x->path);
    return true;
}

/* What the dynamic linker says about the object containing addr. */
struct dl_query {
    uintptr_t addr;
    bool found;
    uintptr_t bias;
    char build_id[80];
};

static void note_build_id(const uint8_t *p, size_t size, char *out, size_t cap)
{
    size_t pos = 0;
    while (size - pos >= 12) {
        uint32_t nsz, dsz, type;
        memcpy(&nsz, p + pos, 4);
        memcpy(&dsz, p + pos + 4, 4);
        memcpy(&type, p + pos + 8, 4);
        size_t npad = (nsz + 3) & ~(size_t)3, dpad = (dsz + 3) & ~(size_t)3;
        if (npad + dpad > size - pos - 12)
            return;
        if (type == NT_GNU_BUILD_ID && nsz == 4 && memcmp(p + pos + 12, "GNU", 4) == 0 &&
            2 * dsz < cap) {
            for (uint32_t i = 0; i < dsz; i++)
                snprintf(out + 2 * i, 3, "%02x", p[pos + 12 + npad + i]);
            return;
        }
        pos += 12 + npad + dpad;
    }
}

static int dl_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    struct dl_query *q = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (q->addr >= lo && q->addr < lo + ph->p_memsz) {
            q->found = true;
            q->bias = info->dlpi_addr;
            for (int j = 0; j < info->dlpi_phnum; j++) {
                const ElfW(Phdr) *n = &info->dlpi_phdr[j];
                if (n->p_type == PT_NOTE && !q->build_id[0] && n->p_align <= 4)
                    note_build_id((const uint8_t *)(info->dlpi_addr + n->p_vaddr), n->p_filesz,
                                  q->build_id, sizeof q->build_id);
            }
            return 1;
        }
    }
    return 0;
}

static struct dl_query dl_lookup(const void *addr)
{
    struct dl_query q;
    memset(&q, 0, sizeof q);
    q.addr = (uintptr_t)addr;
    dl_iterate_phdr(dl_cb, &q);
    return q;
}

/* A small real ELF for exhaustive truncation and mutation: one of glibc's
 * stub libraries next to libc, else this program. */
static bool small_elf(const char *libc_path, char *out, size_t cap)
{
    static const char *stubs[] = {"libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1"};
    const char *slash = strrchr(libc_path, '/');
    size_t dl = slash ? (size_t)(slash - libc_path) : 0;
    for (size_t i = 0; slash && dl + 32 < cap && i < sizeof stubs / sizeof stubs[0]; i++) {
        struct stat st;
        memcpy(out, libc_path, dl + 1);
        memcpy(out + dl + 1, stubs[i], strlen(stubs[i]) + 1);
        if (stat(out, &st) == 0 && st.st_size < 256 * 1024)
            return true;
    }
    return self_exe(out, cap);
}

/* Deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* --- real files ---------------------------------------------------------- */

static void test_self(const gs_maps *maps)
{
    char exe[4096], mpath[4096];
    UNIT_CHECK(self_exe(exe, sizeof exe));
    UNIT_CHECK(path_of(maps, (const void *)&test_self, mpath, sizeof mpath));
    UNIT_CHECK_STR(mpath, exe);

    gs_elf *e;
    gs_error err;
    UNIT_CHECK(gs_elf_open("/proc/self/exe", &e, &err) == GS_OK);
    if (!e)
        return;
    struct dl_query q = dl_lookup((const void *)&test_self);
    UNIT_CHECK(q.found);
    UNIT_CHECK(gs_elf_is_exec(e) == (q.bias == 0));

    uint64_t bias = 12345;
    UNIT_CHECK(gs_load_bias(e, maps, mpath, &bias));
    UNIT_CHECK_EQ_U64(bias, q.bias);
    UNIT_CHECK(!gs_load_bias(e, maps, "/no/such/file", &bias) || gs_elf_is_exec(e));

    /* main is in .symtab (the test is not stripped). */
    uint64_t value, size;
    if (gs_elf_symbol(e, "main", &value, &size)) {
        extern int main(void);
        UNIT_CHECK_EQ_U64(value + bias, (uintptr_t)&main);
        UNIT_CHECK(size > 0);
    }
    UNIT_CHECK(!gs_elf_symbol(e, "no_such_symbol_anywhere", &value, &size));
    UNIT_CHECK(!gs_elf_symbol(e, "", &value, &size));

    char id[80] = "";
    if (q.build_id[0]) {
        UNIT_CHECK(gs_elf_build_id(e, id, sizeof id));
        UNIT_CHECK_STR(id, q.build_id);
        /* Too small a buffer: refused, not truncated. */
        UNIT_CHECK(!gs_elf_build_id(e, id, strlen(q.build_id)));
        UNIT_CHECK(gs_elf_build_id(e, id, strlen(q.build_id) + 1));
    }

    uint64_t addr, ssize;
    UNIT_CHECK(gs_elf_section(e, ".text", &addr, &ssize));
    UNIT_CHECK((uintptr_t)&test_self >= addr + bias && (uintptr_t)&test_self < addr + bias + ssize);
    size_t dsize;
    UNIT_CHECK(gs_elf_section_data(e, ".bss", &dsize) == NULL);
    UNIT_CHECK(gs_elf_section(e, ".bss", NULL, NULL));
    UNIT_CHECK(gs_elf_section_data(e, ".text", &dsize) != NULL && dsize == ssize);
    UNIT_CHECK(!gs_elf_section(e, ".no_such_section", &addr, &ssize));
    gs_elf_close(e);
    gs_elf_close(NULL);
}

static void test_libc(const gs_maps *maps, char *libc, size_t cap)
{
    UNIT_CHECK(path_of(maps, (const void *)&gnu_get_libc_version, libc, cap));
    gs_elf *e;
    gs_error err;
    UNIT_CHECK(gs_elf_open(libc, &e, &err) == GS_OK);
    if (!e)
        return;
    UNIT_CHECK(!gs_elf_is_exec(e));
    struct dl_query q = dl_lookup((const void *)&gnu_get_libc_version);
    UNIT_CHECK(q.found);

    uint64_t bias = 0;
    UNIT_CHECK(gs_load_bias(e, maps, libc, &bias));
    UNIT_CHECK_EQ_U64(bias, q.bias);

    /* Functions the sanitizers do not intercept: their address as this
     * program sees it is libc's own. */
    uint64_t value = 0, size = 0;
    UNIT_CHECK(gs_elf_symbol(e, "gnu_get_libc_version", &value, &size));
    UNIT_CHECK_EQ_U64(value + bias, (uintptr_t)&gnu_get_libc_version);
    UNIT_CHECK(gs_elf_symbol(e, "getpid", &value, &size));
    UNIT_CHECK_EQ_U64(value + bias, (uintptr_t)&getpid);

    /* malloc: under ASan &malloc is the interceptor, so compare only when
     * it lies in libc. */
    void *(*volatile pm)(size_t) = malloc;
    UNIT_CHECK(gs_elf_symbol(e, "malloc", &value, &size));
    const gs_map *mm = gs_maps_find(maps, value + bias);
    UNIT_CHECK(mm && strcmp(mm->path, libc) == 0 && (mm->perms & GS_MAP_EXEC));
    const gs_map *pmm = gs_maps_find(maps, (uintptr_t)pm);
    if (pmm && strcmp(pmm->path, libc) == 0)
        UNIT_CHECK_EQ_U64(value + bias, (uintptr_t)pm);

    /* A data symbol. (Not compared with &environ: the executable holds a
     * copy of it, through a copy relocation.) */
    UNIT_CHECK(gs_elf_symbol(e, "environ", &value, &size));
    mm = gs_maps_find(maps, value + bias);
    UNIT_CHECK(mm && (mm->perms & GS_MAP_WRITE) && size == 8); /* in .bss: anonymous */

    if (q.build_id[0]) {
        char id[80];
        UNIT_CHECK(gs_elf_build_id(e, id, sizeof id));
        UNIT_CHECK_STR(id, q.build_id);
    }
    UNIT_CHECK(!gs_elf_symbol(e, "no_such_symbol_anywhere", &value, &size));
    gs_elf_close(e);
}

/* Look every defined .dynsym name up through the GNU hash table, then again
 * in a copy whose .gnu.hash section was retyped so that lookups go linear:
 * both must agree, and every name must be found. */
static void test_hash_vs_linear(const char *path)
{
    size_t len;
    uint8_t *buf = read_whole(path, &len);
    UNIT_CHECK(buf != NULL);
    if (!buf)
        return;
    uint8_t *copy = malloc(len);
    memcpy(copy, buf, len);

    Elf64_Ehdr eh;
    memcpy(&eh, buf, sizeof eh);
    bool retyped = false;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, buf + eh.e_shoff + (uint64_t)i * eh.e_shentsize, sizeof sh);
        if (sh.sh_type == SHT_GNU_HASH) {
            sh.sh_type = SHT_PROGBITS;
            memcpy(copy + eh.e_shoff + (uint64_t)i * eh.e_shentsize, &sh, sizeof sh);
            retyped = true;
        }
    }
    UNIT_CHECK(retyped);

    gs_elf *a = NULL, *b = NULL;
    UNIT_CHECK(gs_elf_open_buffer(buf, len, &a, NULL) == GS_OK);
    UNIT_CHECK(gs_elf_open_buffer(copy, len, &b, NULL) == GS_OK);
    size_t nsym = 0, nstr = 0;
    const uint8_t *syms = a ? gs_elf_section_data(a, ".dynsym", &nsym) : NULL;
    const char *strs = a ? gs_elf_section_data(a, ".dynstr", &nstr) : NULL;
    UNIT_CHECK(syms && strs);
    int names = 0, mismatches = 0, missing = 0;
    for (size_t off = 0; syms && strs && off + sizeof(Elf64_Sym) <= nsym; off += sizeof(Elf64_Sym)) {
        Elf64_Sym s;
        memcpy(&s, syms + off, sizeof s);
        if (s.st_shndx == SHN_UNDEF || s.st_name == 0 || s.st_name >= nstr)
            continue;
        const char *name = strs + s.st_name;
        uint64_t va = 0, sa = 0, vb = 1, sb = 1;
        bool fa = gs_elf_symbol(a, name, &va, &sa);
        bool fb = gs_elf_symbol(b, name, &vb, &sb);
        names++;
        if (!fa)
            missing++;
        if (fa != fb || va != vb || sa != sb) {
            mismatches++;
            if (mismatches < 5)
                fprintf(stderr, "%s: hash and linear disagree on %s\n", path, name);
        }
    }
    UNIT_CHECK(names > 10);
    UNIT_CHECK(mismatches == 0);
    UNIT_CHECK(missing == 0);
    gs_elf_close(a);
    gs_elf_close(b);
    free(copy);
    free(buf);
}

/* A file's PT_LOADs placed at base in maps text, as ld.so would map them. */
static size_t fake_maps_text(const uint8_t *buf, size_t len, uint64_t base, const char *path,
                             int only_first, char *out, size_t cap)
{
    Elf64_Ehdr eh;
    size_t n = 0;
    if (len < sizeof eh)
        return 0;
    memcpy(&eh, buf, sizeof eh);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, buf + eh.e_phoff + (uint64_t)i * eh.e_phentsize, sizeof ph);
        if (ph.p_type != PT_LOAD)
            continue;
        uint64_t lo = ph.p_vaddr & ~(uint64_t)4095, hi = (ph.p_vaddr + ph.p_filesz + 4095) & ~(uint64_t)4095;
        n += (size_t)snprintf(out + n, cap - n, "%" PRIx64 "-%" PRIx64 " r--p %" PRIx64 " 08:01 77 %s\n",
                              base + lo, base + hi, (uint64_t)(ph.p_offset & ~(uint64_t)4095), path);
        if (only_first)
            break;
    }
    return n;
}

static void test_bias_mapped_twice(const char *path)
{
    size_t len;
    uint8_t *buf = read_whole(path, &len);
    if (!buf)
        return;
    gs_elf *e = NULL;
    UNIT_CHECK(gs_elf_open_buffer(buf, len, &e, NULL) == GS_OK);
    if (!e) {
        free(buf);
        return;
    }
    /* The program mmap'ed the file's first page as data at a low address,
     * and ld.so loaded it higher up: the loaded copy wins, although the
     * data mapping comes first and has the right file offset. */
    char text[4096];
    size_t n = fake_maps_text(buf, len, 0x10000000, "/lib/x.so", 1, text, sizeof text);
    n += fake_maps_text(buf, len, 0x7f0000000000, "/lib/x.so", 0, text + n, sizeof text - n);
    gs_maps m;
    UNIT_CHECK(gs_maps_parse(text, n, &m, NULL) == GS_OK);
    uint64_t bias = 0;
    UNIT_CHECK(gs_load_bias(e, &m, "/lib/x.so", &bias));
    UNIT_CHECK_EQ_U64(bias, 0x7f0000000000);
    UNIT_CHECK(!gs_load_bias(e, &m, "/lib/y.so", &bias));
    gs_maps_free(&m);

    /* Loaded twice in full (two namespaces): either is right; the first. */
    n = fake_maps_text(buf, len, 0x7e0000000000, "/lib/x.so", 0, text, sizeof text);
    n += fake_maps_text(buf, len, 0x7f0000000000, "/lib/x.so", 0, text + n, sizeof text - n);
    UNIT_CHECK(gs_maps_parse(text, n, &m, NULL) == GS_OK);
    UNIT_CHECK(gs_load_bias(e, &m, "/lib/x.so", &bias));
    UNIT_CHECK_EQ_U64(bias, 0x7e0000000000);
    gs_maps_free(&m);

    /* Only the first page mapped: a partial match is still the answer. */
    n = fake_maps_text(buf, len, 0x7d0000000000, "/lib/x.so", 1, text, sizeof text);
    UNIT_CHECK(gs_maps_parse(text, n, &m, NULL) == GS_OK);
    UNIT_CHECK(gs_load_bias(e, &m, "/lib/x.so", &bias));
    UNIT_CHECK_EQ_U64(bias, 0x7d0000000000);
    gs_maps_free(&m);
    gs_elf_close(e);
    free(buf);
}

/* --- hostile files ----------------------------------------------------- */

/* Call everything; the results do not matter, only that nothing reads out
 * of bounds, crashes or hangs. Returns a checksum so nothing is optimised
 * away. */
static uint64_t exercise(const void *data, size_t len, const gs_maps *maps)
{
    gs_elf *e;
    uint64_t sum = 0;
    if (gs_elf_open_buffer(data, len, &e, NULL) != GS_OK)
        return 1;
    static const char *names[] = {"malloc", "dlopen", "_PyRuntime", "main", "", "x",
                                  "gnu_get_libc_version", "__libc_start_main"};
    static const char *sections[] = {".text", ".dynsym", ".dynstr", ".rodata", ".gnu.hash",
                                     ".note.gnu.build-id", ".PyRuntime", ".bss", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint64_t v = 0, s = 0;
        sum += gs_elf_symbol(e, names[i], &v, &s) + v + s;
    }
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        uint64_t a = 0, s = 0;
        size_t ds = 0;
        sum += gs_elf_section(e, sections[i], &a, &s) + a + s;
        const uint8_t *d = gs_elf_section_data(e, sections[i], &ds);
        if (d && ds) /* touch both ends: ASan checks them */
            sum += d[0] + d[ds - 1];
    }
    char id[80];
    static const size_t caps[] = {1, 2, 7, 41, sizeof id};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        sum += gs_elf_build_id(e, id, caps[i]) ? strlen(id) : 0;
    uint64_t bias = 0;
    sum += gs_load_bias(e, maps, "/lib/x.so", &bias) + bias;
    sum += gs_elf_is_exec(e);
    gs_elf_close(e);
    return sum;
}

static void test_truncated(const char *path, const char *big)
{
    size_t len;
    uint8_t *buf = read_whole(path, &len);
    UNIT_CHECK(buf != NULL);
    if (!buf)
        return;
    char text[4096];
    size_t tn = fake_maps_text(buf, len, 0x7f0000000000, "/lib/x.so", 0, text, sizeof text);
    gs_maps maps;
    UNIT_CHECK(gs_maps_parse(text, tn, &maps, NULL) == GS_OK);

    /* Every length of the small file, in an exact-size buffer. */
    int opened = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        memcpy(b, buf, cut);
        uint64_t r = exercise(cut ? b : NULL, cut, &maps);
        opened += r != 1;
        free(b);
    }
    UNIT_CHECK(opened > 0);
    UNIT_CHECK(exercise(buf, len, &maps) != 1);
    printf("truncated %s at all %zu lengths: %d opened\n", path, len + 1, opened);
    gs_maps_free(&maps);
    free(buf);

    /* The big file at a few hundred lengths, including around its end,
     * where the section headers are. */
    buf = read_whole(big, &len);
    if (!buf)
        return;
    for (int i = 0; i < 300; i++) {
        size_t cut = i < 100 ? len - (size_t)i : (size_t)(rnd() % len);
        uint8_t *b = malloc(cut);
        memcpy(b, buf, cut);
        exercise(b, cut, NULL);
        free(b);
    }
    free(buf);
    UNIT_CHECK(1);
}

/* Interesting values for 2, 4 and 8 byte fields. */
static uint64_t interesting(size_t len)
{
    static const uint64_t v[] = {0, 1, 2, 7, 8, 0x18, 0x40, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff,
                                 0xffffffff, 0x80000000, 0xfffffff0, 0x7fffffffffffffffull,
                                 0xffffffffffffffffull, 0x8000000000000000ull};
    uint64_t r = rnd() % (sizeof v / sizeof v[0] + 4);
    if (r < sizeof v / sizeof v[0])
        return v[r];
    if (r == sizeof v / sizeof v[0])
        return len;
    if (r == sizeof v / sizeof v[0] + 1)
        return len - 1;
    return rnd() % (len + 64);
}

/* Regions where a mutation hurts most: the headers and the tables that
 * the lookups walk. */
struct region {
    uint64_t off, len;
};

static size_t hot_regions(const uint8_t *buf, size_t len, struct region *r, size_t cap)
{
    size_t n = 0;
    Elf64_Ehdr eh;
    memcpy(&eh, buf, sizeof eh);
    r[n++] = (struct region){0, sizeof eh};
    r[n++] = (struct region){eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize};
    r[n++] = (struct region){eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize};
    for (unsigned i = 0; i < eh.e_shnum && n < cap; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, buf + eh.e_shoff + (uint64_t)i * eh.e_shentsize, sizeof sh);
        if (sh.sh_type == SHT_GNU_HASH || sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_NOTE ||
            sh.sh_type == SHT_STRTAB || sh.sh_type == SHT_SYMTAB)
            if (sh.sh_offset < len && sh.sh_size && sh.sh_size <= len - sh.sh_offset)
                r[n++] = (struct region){sh.sh_offset, sh.sh_size};
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].len && r[i].off < len && r[i].len <= len - r[i].off)
            r[k++] = r[i];
    return k;
}

static void mutate_file(const char *path, int rounds)
{
    size_t len;
    uint8_t *orig = read_whole(path, &len);
    UNIT_CHECK(orig != NULL);
    if (!orig || len < 64)
        return;
    char text[4096];
    size_t tn = fake_maps_text(orig, len, 0x7f0000000000, "/lib/x.so", 0, text, sizeof text);
    gs_maps maps;
    gs_maps_parse(text, tn, &maps, NULL);
    struct region hot[64];
    size_t nhot = hot_regions(orig, len, hot, 64);

    uint8_t *buf = malloc(len);
    int opened = 0;
    for (int round = 0; round < rounds; round++) {
        memcpy(buf, orig, len);
        int muts = 1 + (int)(rnd() % 8);
        for (int k = 0; k < muts; k++) {
            uint64_t at;
            if (rnd() % 4 != 0) {
                const struct region *h = &hot[rnd() % nhot];
                at = h->off + rnd() % h->len;
            } else {
                at = rnd() % len;
            }
            size_t width = (size_t)1 << (rnd() % 4); /* 1, 2, 4, 8 */
            if (at + width > len)
                width = 1;
            if (rnd() % 2) {
                uint64_t v = interesting(len);
                memcpy(buf + at, &v, width);
            } else {
                buf[at] ^= (uint8_t)(1u << (rnd() % 8));
            }
        }
        opened += exercise(buf, len, &maps) != 1;
    }
    printf("mutated %s %d times: %d opened\n", path, rounds, opened);
    UNIT_CHECK(opened > 0);
    free(buf);
    free(orig);
    gs_maps_free(&maps);
}

/* Hand-made hostile headers that mutation would rarely hit. */
static void test_crafted(void)
{
    uint8_t buf[4096];
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);

    gs_elf *e;
    gs_error err;
    /* Not ELF, wrong class, wrong machine, wrong type. */
    memset(buf, 0, sizeof buf);
    UNIT_CHECK(gs_elf_open_buffer(buf, sizeof buf, &e, &err) == GS_ERR_NOT_PYTHON);
    Elf64_Ehdr bad = eh;
    bad.e_ident[EI_CLASS] = ELFCLASS32;
    memcpy(buf, &bad, sizeof bad);
    UNIT_CHECK(gs_elf_open_buffer(buf, sizeof buf, &e, &err) == GS_ERR_NOT_PYTHON);
    bad = eh;
    bad.e_machine = EM_AARCH64;
    memcpy(buf, &bad, sizeof bad);
    UNIT_CHECK(gs_elf_open_buffer(buf, sizeof buf, &e, &err) == GS_ERR_NOT_PYTHON);
    bad = eh;
    bad.e_type = ET_CORE;
    memcpy(buf, &bad, sizeof bad);
    UNIT_CHECK(gs_elf_open_buffer(buf, sizeof buf, &e, &err) == GS_ERR_NOT_PYTHON);
    UNIT_CHECK(gs_elf_open_buffer(buf, 10, &e, &err) == GS_ERR_NOT_PYTHON);

    /* Huge counts and offsets that wrap around. */
    uint64_t offs[] = {64, 4000, 4095, 4096, UINT64_MAX, UINT64_MAX - 63, 0x8000000000000000ull};
    uint16_t nums[] = {0, 1, 0xffff, PN_XNUM};
    int ok = 0;
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        for (size_t j = 0; j < sizeof nums / sizeof nums[0]; j++) {
            Elf64_Ehdr h = eh;
            h.e_phoff = offs[i];
            h.e_shoff = offs[(i + 3) % (sizeof offs / sizeof offs[0])];
            h.e_phnum = nums[j];
            h.e_shnum = nums[(j + 1) % 4];
            h.e_shstrndx = (uint16_t)(j == 3 ? SHN_XINDEX : j * 1000);
            memset(buf, 0xff, sizeof buf);
            memcpy(buf, &h, sizeof h);
            exercise(buf, sizeof buf, NULL);
            ok++; /* survived */
        }
    UNIT_CHECK(ok == (int)(sizeof offs / sizeof offs[0] * sizeof nums / sizeof nums[0]));

    /* A GNU hash whose chain never ends (no low bit set anywhere) and whose
     * every bucket points at the first symbol: lookups must stop. */
    memset(buf, 0, sizeof buf);
    Elf64_Ehdr h = eh;
    h.e_shoff = 1024;
    h.e_shnum = 4;
    h.e_shstrndx = 3;
    memcpy(buf, &h, sizeof h);
    Elf64_Shdr sh[4];
    memset(sh, 0, sizeof sh);
    sh[1] = (Elf64_Shdr){.sh_type = SHT_DYNSYM, .sh_offset = 2048, .sh_size = 24 * 40,
                         .sh_link = 3, .sh_entsize = 24};
    sh[2] = (Elf64_Shdr){.sh_type = SHT_GNU_HASH, .sh_offset = 3200, .sh_size = 800, .sh_link = 1};
    sh[3] = (Elf64_Shdr){.sh_type = SHT_STRTAB, .sh_offset = 300, .sh_size = 100};
    memcpy(buf + 1024, sh, sizeof sh);
    memcpy(buf + 300, "\0.dynsym\0.gnu.hash\0.shstrtab\0malloc", 36);
    for (int i = 1; i < 40; i++) {
        Elf64_Sym s = {.st_name = 29, .st_shndx = 5, .st_value = (uint64_t)i};
        memcpy(buf + 2048 + 24 * i, &s, sizeof s);
    }
    uint32_t gh[4] = {8, 1, 1, 0};
    memcpy(buf + 3200, gh, sizeof gh);
    uint64_t bloom = UINT64_MAX;
    memcpy(buf + 3216, &bloom, 8);
    for (int i = 0; i < 8; i++) {
        uint32_t one = 1;
        memcpy(buf + 3224 + 4 * i, &one, 4);
    }
    for (int i = 0; i < 100; i++) {
        uint32_t even = 0x12345670; /* low bit clear: "not the last" */
        memcpy(buf + 3256 + 4 * i, &even, 4);
    }
    UNIT_CHECK(gs_elf_open_buffer(buf, sizeof buf, &e, &err) == GS_OK);
    if (e) {
        uint64_t v;
        UNIT_CHECK(!gs_elf_symbol(e, "nothing", &v, NULL)); /* walks the endless chain */
        UNIT_CHECK(!gs_elf_symbol(e, "malloc", &v, NULL));  /* hash does not match */
        gs_elf_close(e);
    }
    /* The same with a symbol count past the file's end. */
    sh[1].sh_size = UINT64_MAX - 2047;
    memcpy(buf + 1024, sh, sizeof sh);
    exercise(buf, sizeof buf, NULL);
    UNIT_CHECK(1);

    /* A file that is not ELF, a directory, a missing file. */
    UNIT_CHECK(gs_elf_open("/proc/self/status", &e, &err) == GS_ERR_NOT_PYTHON);
    UNIT_CHECK(gs_elf_open("/", &e, &err) == GS_ERR_NOT_PYTHON);
    UNIT_CHECK(gs_elf_open("/no/such/file", &e, &err) == GS_ERR_IO);
    UNIT_CHECK(strstr(err.msg, "/no/such/file") != NULL);
}

/* --- gs_py_locate ----------------------------------------------------------- */

static void test_names(void)
{
    static const struct {
        const char *name;
        bool ok;
        int major, minor;
    } cases[] = {
        {"~pyenv/versions/3.12.1/lib/libpython3.12.so.1.0", true, 3, 12},
        {"libpython3.12.so", true, 3, 12},
        {"libpython3.7m.so.1.0", true, 3, 7},
        {"libpython3.6m.so", true, 3, 6},
        {"libpython2.7.so.1.0", true, 2, 7},
        {"libpython3.13t.so.1.0", true, 3, 13},
        {"libpython3.12d.so", true, 3, 12},
        {"libpython3.so", true, 3, -1},
        {"/usr/bin/python3.11", true, 3, 11},
        {"python3.7m", true, 3, 7},
        {"python2.7", true, 2, 7},
        {"python3", true, 3, -1},
        {"python3.11-dbg", true, 3, 11},
        {"python", true, -1, -1},
        {"libpython3.12.a", false, -1, -1},
        {"libpython3.12.sox", false, -1, -1},
        {"pythonista", false, -1, -1},
        {"python3.11.py", false, -1, -1},
        {"python3.123", false, -1, -1},
        {"/usr/lib/libc.so.6", false, -1, -1},
        {"", false, -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int maj = 99, min = 99;
        bool ok = gs_py_version_from_name(cases[i].name, &maj, &min);
        if (ok != cases[i].ok || (ok && (maj != cases[i].major || min != cases[i].minor))) {
            fprintf(stderr, "gs_py_version_from_name(%s) = %d %d.%d\n", cases[i].name, ok, maj, min);
            UNIT_CHECK(0);
        } else {
            UNIT_CHECK(1);
        }
    }
}

static void test_version_literal(void)
{
    char out[32];
    const char data[] = "junk\0" "3.2.0\0" "/root/.pyenv/versions/3.8.18\0" "3.10.13\0"
                        "13.9.1\0" "3.9\0" "3.11.0rc1\0" "3.12.0a7+\0" "3.9.18x\0" "v3.14.2";
    UNIT_CHECK(gs_py_find_version_literal(data, sizeof data, 10, out, sizeof out));
    UNIT_CHECK_STR(out, "3.10.13");
    UNIT_CHECK(gs_py_find_version_literal(data, sizeof data, -1, out, sizeof out));
    UNIT_CHECK_STR(out, "3.2.0");
    /* Tail-merged into a longer string. */
    UNIT_CHECK(gs_py_find_version_literal(data, sizeof data, 8, out, sizeof out));
    UNIT_CHECK_STR(out, "3.8.18");
    UNIT_CHECK(gs_py_find_version_literal(data, sizeof data, 11, out, sizeof out));
    UNIT_CHECK_STR(out, "3.11.0rc1");
    UNIT_CHECK(gs_py_find_version_literal(data, sizeof data, 12, out, sizeof out));
    UNIT_CHECK_STR(out, "3.12.0a7+");
    /* "13.9.1" must not give 3.9.1; "3.9.18x" and "3.9" are not versions. */
    UNIT_CHECK(!gs_py_find_version_literal(data, sizeof data, 9, out, sizeof out));
    UNIT_CHECK_STR(out, "");
    /* Not NUL-terminated at the end: ignored. */
    UNIT_CHECK(!gs_py_find_version_literal(data, sizeof data - 1, 14, out, sizeof out));
    UNIT_CHECK(!gs_py_find_version_literal("3.10.13", 7, 10, out, sizeof out));
    UNIT_CHECK(gs_py_find_version_literal("3.10.13", 8, 10, out, sizeof out));
    UNIT_CHECK(!gs_py_find_version_literal("3.10.13", 8, 10, out, 7)); /* does not fit */
    UNIT_CHECK(!gs_py_find_version_literal(NULL, 0, 10, out, sizeof out));
    /* Random bytes: no crash, bounded. */
    size_t n = 1 << 16;
    char *r = malloc(n);
    for (size_t i = 0; i < n; i++)
        r[i] = "3.0123456789\0abcr+"[rnd() % 18];
    gs_py_find_version_literal(r, n, -1, out, sizeof out);
    gs_py_find_version_literal(r, n, 99, out, sizeof out);
    free(r);
}

struct child {
    pid_t pid;
    int fd;
};

/* Start argv[0] with stdout on a pipe. */
static struct child spawn(char *const argv[])
{
    struct child c = {-1, -1};
    int p[2];
    if (pipe(p) < 0)
        return c;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    c.pid = pid;
    c.fd = p[0];
    return c;
}

static void reap(struct child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    if (c->fd >= 0)
        close(c->fd);
    c->pid = c->fd = -1;
}

/* One line from the child, waiting at most timeout_ms. */
static bool read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (n + 1 < cap) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = timeout_ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd pf = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pf, 1, left) <= 0)
            return false;
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            return false;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return true;
        }
        n++;
    }
    return false;
}

/* Read the child's maps until a file named like needle is mapped. */
static bool wait_mapped(pid_t pid, const char *needle, gs_maps *maps)
{
    for (int i = 0; i < 200; i++) {
        if (gs_maps_read(pid, maps, NULL) != GS_OK)
            return false;
        for (size_t k = 0; k < maps->n; k++)
            if (strstr(maps->v[k].path, needle))
                return true;
        gs_maps_free(maps);
        usleep(25000);
    }
    return false;
}

static const char child_code[] =
    "import sys, time\n"
    "try:\n"
    "    import ctypes\n"
    "    a = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, '_PyRuntime'))\n"
    "except Exception:\n"
    "    a = 0\n"
    "sys.stdout.write('%d\\n' % a)\n"
    "sys.stdout.flush()\n"
    "time.sleep(30)\n";

struct py_case {
    const char *path;
    int major, minor;
    bool shared;
    bool runtime;     /* _PyRuntime expected */
    const char *how;  /* expected runtime_how, NULL: any */
    const char *rodata; /* expected rodata_version, NULL: any */
};

static void check_python(const struct py_case *pc, const char *run_path)
{
    struct stat st;
    if (stat(run_path, &st) != 0) {
        printf("gs_py_locate %s: missing, skipped\n", pc->path);
        return;
    }
    char *argv[] = {(char *)run_path, "-c", (char *)child_code, NULL};
    struct child c = spawn(argv);
    UNIT_CHECK(c.pid > 0);
    if (c.pid <= 0)
        return;
    char line[64];
    bool got = read_line(c.fd, line, sizeof line, 20000);
    UNIT_CHECK(got);
    gs_maps maps = {NULL, 0};
    bool mapped = got && wait_mapped(c.pid, "python", &maps);
    UNIT_CHECK(mapped);
    if (!got || !mapped) {
        reap(&c);
        return;
    }
    uint64_t said = strtoull(line, NULL, 10);

    struct gs_py_location loc;
    gs_error err = {GS_OK, ""};
    gs_status s = gs_py_locate(c.pid, &maps, &loc, &err);
    UNIT_CHECK(s == GS_OK);
    if (s != GS_OK) {
        fprintf(stderr, "gs_py_locate %s: %s\n", run_path, err.msg);
    } else {
        printf("gs_py_locate %s: %s binary=%s opened=%s how=%s addr=0x%" PRIx64 " size=0x%" PRIx64
               " name=%d.%d rodata=\"%s\" Py_Version=0x%" PRIx64 " build_id=%s\n",
               run_path, loc.shared_lib ? "shared" : "exe", loc.binary, loc.opened_path,
               loc.runtime_how, loc.runtime_addr, loc.runtime_size, loc.name_major, loc.name_minor,
               loc.rodata_version, loc.py_version_addr, loc.build_id);
        UNIT_CHECK_EQ_U64(loc.name_major, pc->major);
        UNIT_CHECK_EQ_U64(loc.name_minor, pc->minor);
        UNIT_CHECK(loc.shared_lib == pc->shared);
        UNIT_CHECK(loc.build_id[0] != '\0');
        UNIT_CHECK(loc.binary[0] == '/' && loc.opened_path[0] == '/');
        if (pc->runtime) {
            UNIT_CHECK(said != 0);
            UNIT_CHECK_EQ_U64(loc.runtime_addr, said);
            UNIT_CHECK(loc.runtime_size > 0);
            const gs_map *m = gs_maps_find(&maps, loc.runtime_addr);
            UNIT_CHECK(m && (m->perms & GS_MAP_WRITE));
        } else {
            UNIT_CHECK_EQ_U64(loc.runtime_addr, 0);
            UNIT_CHECK_STR(loc.runtime_how, "none");
        }
        if (pc->how)
            UNIT_CHECK_STR(loc.runtime_how, pc->how);
        if (pc->rodata)
            UNIT_CHECK_STR(loc.rodata_version, pc->rodata);
        /* 3.10+: the symbol-free route, the .PyRuntime section, agrees. */
        gs_elf *e = NULL;
        uint64_t sec = 0;
        if (pc->runtime && pc->minor >= 10 && gs_elf_open(loc.opened_path, &e, NULL) == GS_OK) {
            UNIT_CHECK(gs_elf_section(e, ".PyRuntime", &sec, NULL));
            UNIT_CHECK_EQ_U64(sec + loc.bias, loc.runtime_addr);
            gs_elf_close(e);
        }
        if (pc->major == 3 && pc->minor >= 11)
            UNIT_CHECK(loc.py_version_addr != 0 && gs_maps_find(&maps, loc.py_version_addr));
        else
            UNIT_CHECK_EQ_U64(loc.py_version_addr, 0);
    }
    gs_maps_free(&maps);
    reap(&c);
}

static void test_locate_pythons(void)
{
#define dyn "symbol _PyRuntime in .dynsym"
    static const struct py_case cases[] = {
        {"~pyenv/versions/3.12.1/bin/python3.12", 3, 12, true, true, dyn, "3.12.1"},
        {"/usr/bin/python3.11", 3, 11, false, true, dyn, "3.11.2"},
        {"~pyenv/versions/3.8.18/bin/python3.8", 3, 8, true, true, dyn, "3.8.18"},
        {"~pyenv/versions/3.9.18/bin/python3.9", 3, 9, true, true, dyn, "3.9.18"},
        {"~pyenv/versions/3.10.13/bin/python3.10", 3, 10, true, true, dyn, "3.10.13"},
        {"~pyenv/versions/3.11.7/bin/python3.11", 3, 11, true, true, dyn, "3.11.7"},
        {"~pyenv/versions/3.13.0/bin/python3.13", 3, 13, true, true, dyn, "3.13.0"},
        /* Too old for gcscope: found by name for the caller to refuse. */
        {"~pyenv/versions/3.7.16/bin/python3.7", 3, 7, true, true, dyn, NULL},
        {"~pyenv/versions/3.6.15/bin/python3.6", 3, 6, true, false, NULL, NULL},
        {"~pyenv/versions/2.7.18/bin/python2.7", 2, 7, true, false, NULL, NULL},
    };
#undef dyn
    /* "~pyenv/" is pyenv's root: $PYENV_ROOT, else ~/.pyenv. */
    const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");
    char pyenv[1024];
    if (root && *root)
        snprintf(pyenv, sizeof pyenv, "%s", root);
    else
        snprintf(pyenv, sizeof pyenv, "%s/.pyenv", home ? home : "");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char run_path[1200];
        const char *path = cases[i].path;
        if (strncmp(path, "~pyenv/", 7) == 0) {
            snprintf(run_path, sizeof run_path, "%s/%s", pyenv, path + 7);
            path = run_path;
        }
        check_python(&cases[i], path);
    }
}

/* A static python whose executable was deleted after it started: found
 * through /proc/PID/map_files or /proc/PID/exe. */
static void test_locate_deleted(void)
{
    const char *src = "/usr/bin/python3.11";
    size_t len;
    uint8_t *buf = read_whole(src, &len);
    if (!buf) {
        printf("gs_py_locate deleted executable: %s missing, skipped\n", src);
        return;
    }
    char dir[] = "/tmp/gs_test_elf_XXXXXX";
    if (!mkdtemp(dir)) {
        free(buf);
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/python3.11", dir);
    FILE *f = fopen(path, "wb");
    UNIT_CHECK(f && fwrite(buf, 1, len, f) == len);
    if (f)
        fclose(f);
    free(buf);
    chmod(path, 0755);

    char *argv[] = {path, "-c", (char *)child_code, NULL};
    struct child c = spawn(argv);
    char line[64];
    bool got = c.pid > 0 && read_line(c.fd, line, sizeof line, 20000);
    UNIT_CHECK(got);
    unlink(path);
    rmdir(dir);
    gs_maps maps = {NULL, 0};
    if (got && wait_mapped(c.pid, "python3.11", &maps)) {
        struct gs_py_location loc;
        gs_error err;
        gs_status s = gs_py_locate(c.pid, &maps, &loc, &err);
        UNIT_CHECK(s == GS_OK);
        if (s == GS_OK) {
            printf("gs_py_locate deleted %s: opened=%s how=%s\n", path, loc.opened_path, loc.runtime_how);
            UNIT_CHECK_EQ_U64(loc.runtime_addr, strtoull(line, NULL, 10));
            UNIT_CHECK_STR(loc.binary, path);
            UNIT_CHECK(strstr(loc.opened_path, "/map_files/") || strstr(loc.opened_path, "/exe"));
            UNIT_CHECK(!loc.shared_lib);
        } else {
            fprintf(stderr, "gs_py_locate deleted: %s\n", err.msg);
        }
        gs_maps_free(&maps);
    }
    reap(&c);
}

static void test_locate_not_python(void)
{
    /* This test program. */
    gs_maps maps;
    gs_error err;
    struct gs_py_location loc;
    UNIT_CHECK(gs_maps_read(getpid(), &maps, &err) == GS_OK);
    UNIT_CHECK(gs_py_locate(getpid(), &maps, &loc, &err) == GS_ERR_NOT_PYTHON);
    UNIT_CHECK(strstr(err.msg, "is not a Python process") != NULL);
    gs_maps_free(&maps);

    /* sleep(1), named in the message by its comm. */
    char *argv[] = {"/bin/sleep", "30", NULL};
    struct child c = spawn(argv);
    if (c.pid > 0 && wait_mapped(c.pid, "sleep", &maps)) {
        gs_status s = gs_py_locate(c.pid, &maps, &loc, &err);
        UNIT_CHECK(s == GS_ERR_NOT_PYTHON);
        char want[64];
        snprintf(want, sizeof want, "process %d (sleep) is not a Python process", (int)c.pid);
        UNIT_CHECK(strstr(err.msg, want) != NULL);
        if (!strstr(err.msg, want))
            fprintf(stderr, "got: %s\n", err.msg);
        gs_maps_free(&maps);
    }
    reap(&c);

    /* Gone: empty maps and no process. */
    gs_maps none = {NULL, 0};
    UNIT_CHECK(gs_py_locate(99999999, &none, &loc, &err) == GS_ERR_NO_PROCESS);
}

int main(void)
{
    gs_maps maps;
    gs_error err;
    if (gs_maps_read(getpid(), &maps, &err) != GS_OK)
        return unit_skip("cannot read /proc/self/maps");

    char libc[4096] = "", small[4096];
    test_self(&maps);
    test_libc(&maps, libc, sizeof libc);
    if (libc[0])
        test_hash_vs_linear(libc);
    UNIT_CHECK(small_elf(libc, small, sizeof small));
    test_bias_mapped_twice(small);
    test_crafted();
    test_truncated(small, libc[0] ? libc : "/proc/self/exe");
    mutate_file(small, 4000);
    if (libc[0])
        mutate_file(libc, 500);
    mutate_file("/proc/self/exe", 500);
    gs_maps_free(&maps);

    test_names();
    test_version_literal();
    test_locate_not_python();
    test_locate_pythons();
    test_locate_deleted();
    return unit_finish("test_elf");
}
