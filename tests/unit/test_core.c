/* test_core: the core-file reader (proc/core.c) over cores built here
 * byte by byte: the notes it reads, the maps it makes, what its reader
 * returns and where it stops (a truncated core, a segment gdb left out),
 * and what it refuses (compressed cores, other ELF files, bad headers). */
#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "proc/core.h"
#include "unit.h"

struct builder {
    unsigned char buf[65536];
    size_t len;
};

static size_t put(struct builder *b, const void *p, size_t n)
{
    size_t at = b->len;
    memcpy(b->buf + at, p, n);
    b->len += n;
    while (b->len % 4)
        b->buf[b->len++] = 0;
    return at;
}

static void note(struct builder *b, uint32_t type, const void *desc, uint32_t len)
{
    uint32_t h[3] = {5, len, type};
    put(b, h, sizeof h);
    put(b, "CORE\0\0\0", 8);
    put(b, desc, len);
}

#define HEAP 0x10000
#define LIB 0x20000
#define GONE 0x30000

/* Two PT_LOAD segments (HEAP with 8 KiB of data, LIB with none: left out)
 * and one mapping only NT_FILE names (GONE: what gdb's gcore omits). */
static void build(struct builder *b, size_t *heap_off)
{
    memset(b, 0, sizeof *b);
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 3;
    put(b, &eh, sizeof eh);
    Elf64_Phdr ph[3] = {{0}};
    size_t phoff = put(b, ph, sizeof ph);

    size_t notes = b->len;
    unsigned char prstatus[336] = {0};
    int32_t tid = 4242;
    uint64_t fs = 0x7f0000001000, orig_rax = (uint64_t)-1;
    memcpy(prstatus + 32, &tid, 4);
    memcpy(prstatus + 112 + 21 * 8, &fs, 8);
    memcpy(prstatus + 112 + 15 * 8, &orig_rax, 8);
    note(b, NT_PRSTATUS, prstatus, sizeof prstatus);
    unsigned char psinfo[136] = {0};
    psinfo[1] = 'R';
    int32_t pid = 4242;
    memcpy(psinfo + 24, &pid, 4);
    memcpy(psinfo + 40, "python3", 7);
    memcpy(psinfo + 56, "python3 app.py", 14);
    note(b, NT_PRPSINFO, psinfo, sizeof psinfo);
    unsigned char si[128] = {0};
    int32_t signo = 11;
    uint64_t addr = 0xdead;
    memcpy(si, &signo, 4);
    memcpy(si + 16, &addr, 8);
    note(b, NT_SIGINFO, si, sizeof si);
    /* NT_FILE: LIB and GONE. */
    unsigned char nf[16 + 2 * 24 + 64] = {0};
    uint64_t hdr[2 + 6] = {2, 4096, LIB, LIB + 0x2000, 0, GONE, GONE + 0x1000, 3};
    memcpy(nf, hdr, sizeof hdr);
    memcpy(nf + sizeof hdr, "/no/such/libx.so\0/no/such/gone (deleted)", 41);
    note(b, NT_FILE, nf, (uint32_t)(sizeof hdr + 41));
    size_t notes_len = b->len - notes;

    *heap_off = b->len;
    for (unsigned i = 0; i < 8192; i++)
        b->buf[b->len++] = (unsigned char)(i * 7);
    ph[0] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = notes, .p_filesz = notes_len};
    ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = *heap_off, .p_vaddr = HEAP,
                         .p_filesz = 8192, .p_memsz = 8192};
    ph[2] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = b->len, .p_vaddr = LIB,
                         .p_filesz = 0, .p_memsz = 0x2000};
    memcpy(b->buf + phoff, ph, sizeof ph);
}

static struct builder B;

static void test_notes_and_maps(void)
{
    size_t heap_off;
    build(&B, &heap_off);
    gs_core *c = NULL;
    gs_error err;
    UNIT_CHECK(gs_core_open_buffer(B.buf, B.len, &c, &err) == GS_OK);
    if (!c)
        return;
    const struct gs_core_info *info = gs_core_info(c);
    UNIT_CHECK(info->pid == 4242);
    UNIT_CHECK(strcmp(info->fname, "python3") == 0);
    UNIT_CHECK(strcmp(info->psargs, "python3 app.py") == 0);
    UNIT_CHECK(info->signo == 11 && info->fault_addr == 0xdead);
    UNIT_CHECK(info->state == 'R');
    UNIT_CHECK(info->bytes_missing == 0 && info->segments_truncated == 0);
    size_t n;
    const struct gs_core_thread *t = gs_core_threads(c, &n);
    UNIT_CHECK(n == 1 && t[0].tid == 4242 && t[0].regs[GS_CORE_REG_FS_BASE] == 0x7f0000001000);
    UNIT_CHECK(gs_core_attach_files(c, "/nonexistent-root", NULL, &err) == GS_OK);
    /* Three mappings: HEAP, LIB, and GONE, which only NT_FILE names. */
    const gs_maps *m = gs_core_maps(c);
    UNIT_CHECK(m->n == 3);
    if (m->n == 3) {
        UNIT_CHECK(m->v[0].start == HEAP && m->v[0].path[0] == '\0' && (m->v[0].perms & GS_MAP_WRITE));
        UNIT_CHECK(m->v[1].start == LIB && strcmp(m->v[1].path, "/no/such/libx.so") == 0 &&
                   (m->v[1].perms & GS_MAP_EXEC));
        UNIT_CHECK(m->v[2].start == GONE && strcmp(m->v[2].path, "/no/such/gone") == 0 && m->v[2].deleted &&
                   m->v[2].offset == 3 * 4096);
    }
    UNIT_CHECK(info->bytes_unavailable == 0x2000 + 0x1000);
    UNIT_CHECK(gs_core_file_check(c, "/no/such/libx.so", &err) == GS_ERR_IO);
    /* The reader: the heap's bytes, up to its end and not one past. */
    gs_reader *r = gs_core_reader(c);
    unsigned char got[64];
    UNIT_CHECK(gs_read(r, HEAP + 100, got, 16) == 16 && memcmp(got, B.buf + heap_off + 100, 16) == 0);
    UNIT_CHECK(gs_read(r, HEAP + 8192 - 8, got, 64) == 8);
    UNIT_CHECK(gs_view(r, HEAP, 8192) == B.buf + heap_off);
    UNIT_CHECK(gs_view(r, HEAP, 8193) == NULL);
    UNIT_CHECK(gs_read(r, LIB, got, 8) == 0); /* left out, and no file found */
    UNIT_CHECK(gs_read(r, 0, got, 8) == 0);
    gs_core_close(c);
}

static void test_truncated(void)
{
    size_t heap_off;
    build(&B, &heap_off);
    gs_core *c = NULL;
    gs_error err;
    /* Cut 1000 bytes into the heap: the rest is missing, never read. */
    size_t cut = heap_off + 1000;
    UNIT_CHECK(gs_core_open_buffer(B.buf, cut, &c, &err) == GS_OK);
    if (!c)
        return;
    UNIT_CHECK(gs_core_info(c)->bytes_missing == 8192 - 1000);
    UNIT_CHECK(gs_core_info(c)->segments_truncated == 1);
    unsigned char got[64];
    UNIT_CHECK(gs_read(gs_core_reader(c), HEAP + 990, got, 64) == 10);
    gs_core_close(c);
    /* Cut inside the program headers: refused, not read past the end. */
    UNIT_CHECK(gs_core_open_buffer(B.buf, sizeof(Elf64_Ehdr) + 10, &c, &err) == GS_ERR_CORRUPT);
    /* Cut inside the notes: the notes before the cut are read. */
    UNIT_CHECK(gs_core_open_buffer(B.buf, sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + 400, &c, &err) == GS_OK);
    if (c) {
        size_t n;
        gs_core_threads(c, &n);
        UNIT_CHECK(n == 1);
        UNIT_CHECK(gs_core_info(c)->fname[0] == '\0');
        gs_core_close(c);
    }
}

static void test_refused(void)
{
    gs_core *c = NULL;
    gs_error err;
    static const unsigned char zstd[] = {0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0};
    UNIT_CHECK(gs_core_open_buffer(zstd, sizeof zstd, &c, &err) == GS_ERR_USAGE);
    UNIT_CHECK(strstr(err.msg, "zstd -d") != NULL);
    static const unsigned char gz[] = {0x1f, 0x8b, 8, 0};
    UNIT_CHECK(gs_core_open_buffer(gz, sizeof gz, &c, &err) == GS_ERR_USAGE && strstr(err.msg, "gzip -dk"));
    static const unsigned char xz[] = {0xfd, '7', 'z', 'X', 'Z', 0};
    UNIT_CHECK(gs_core_open_buffer(xz, sizeof xz, &c, &err) == GS_ERR_USAGE && strstr(err.msg, "xz -dk"));
    static const unsigned char lz4[] = {0x04, 0x22, 0x4d, 0x18};
    UNIT_CHECK(gs_core_open_buffer(lz4, sizeof lz4, &c, &err) == GS_ERR_USAGE && strstr(err.msg, "lz4 -d"));
    UNIT_CHECK(gs_core_open_buffer("hello", 5, &c, &err) == GS_ERR_CORRUPT);
    size_t heap_off;
    build(&B, &heap_off);
    B.buf[16] = ET_DYN; /* an ELF file, not a core */
    UNIT_CHECK(gs_core_open_buffer(B.buf, B.len, &c, &err) == GS_ERR_CORRUPT && strstr(err.msg, "not a core"));
    build(&B, &heap_off);
    uint16_t many = 60000; /* more program headers than the file holds */
    memcpy(B.buf + 56, &many, 2);
    UNIT_CHECK(gs_core_open_buffer(B.buf, B.len, &c, &err) == GS_ERR_CORRUPT);
    UNIT_CHECK(gs_core_sniff("\x7f" "ELF", 4) == GS_SNIFF_ELF);
}

int main(void)
{
    test_notes_and_maps();
    test_truncated();
    test_refused();
    return unit_finish("test_core");
}
