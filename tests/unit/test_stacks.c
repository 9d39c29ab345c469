/* test_stacks: the three line-table formats of gs_py_code_line() on tables
 * written by hand (the integration test checks them on real code of every
 * version), and the symbol table and symbolizer on this very program. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "elf/elf.h"
#include "elf/symbolize.h"
#include "proc/load_bias.h"
#include "proc/maps.h"
#include "proc/unwind.h"
#include "py/stacks.h"
#include "unit.h"

/* --- line tables -------------------------------------------------------- */

static void test_lnotab(void)
{
    /* 3.8/3.9 co_lnotab: (address increment, line increment) pairs. */
    static const uint8_t t[] = {0, 1, 6, 1, 8, 2, 4, 0xff};
    UNIT_CHECK_EQ_U64(gs_py_code_line(8, t, sizeof t, 10, -1), 10); /* not started */
    UNIT_CHECK_EQ_U64(gs_py_code_line(8, t, sizeof t, 10, 0), 11);
    UNIT_CHECK_EQ_U64(gs_py_code_line(8, t, sizeof t, 10, 5), 11);
    UNIT_CHECK_EQ_U64(gs_py_code_line(9, t, sizeof t, 10, 6), 12);
    UNIT_CHECK_EQ_U64(gs_py_code_line(9, t, sizeof t, 10, 13), 12);
    UNIT_CHECK_EQ_U64(gs_py_code_line(9, t, sizeof t, 10, 14), 14);
    UNIT_CHECK_EQ_U64(gs_py_code_line(9, t, sizeof t, 10, 18), 13); /* a negative increment */
}

static void test_linetable_310(void)
{
    /* 3.10 co_linetable: (bytecode length, line delta) pairs, -128 = none. */
    static const uint8_t t[] = {6, 1, 4, 0x80, 0, 5, 2, 2};
    UNIT_CHECK_EQ_U64(gs_py_code_line(10, t, sizeof t, 10, -1), 10);
    UNIT_CHECK_EQ_U64(gs_py_code_line(10, t, sizeof t, 10, 0), 11);
    UNIT_CHECK_EQ_U64(gs_py_code_line(10, t, sizeof t, 10, 5), 11);
    UNIT_CHECK(gs_py_code_line(10, t, sizeof t, 10, 6) == -1);  /* no line */
    UNIT_CHECK_EQ_U64(gs_py_code_line(10, t, sizeof t, 10, 10), 18); /* 11 + 5 (empty range) + 2 */
    UNIT_CHECK(gs_py_code_line(10, t, sizeof t, 10, 12) == -1); /* past the end */
}

static void test_locations_311(void)
{
    /* 3.11+ location table; entry lengths in code units of 2 bytes. */
    static const uint8_t t[] = {
        0xE9, 0x02,                   /* code 13, 2 units, line +1     [0, 4)   */
        0xD0, 0x05, 0x07,             /* code 10, 1 unit, line +0      [4, 6)   */
        0xF0, 0x05, 0x00, 0x01, 0x02, /* code 14, 1 unit, line -2      [6, 8)   */
        0xF8,                         /* code 15, 1 unit, no line      [8, 10)  */
        0x80, 0x11,                   /* code 0, 1 unit, same line     [10, 12) */
        0xDA, 0x01, 0x02,             /* code 11, 3 units, line +1     [12, 18) */
        0xE8, 0x48, 0x03,             /* code 13, 1 unit, line +100    [18, 20) */
    };
    UNIT_CHECK_EQ_U64(gs_py_code_line(11, t, sizeof t, 10, -2), 10);
    UNIT_CHECK_EQ_U64(gs_py_code_line(11, t, sizeof t, 10, 0), 11);
    UNIT_CHECK_EQ_U64(gs_py_code_line(12, t, sizeof t, 10, 2), 11);
    UNIT_CHECK_EQ_U64(gs_py_code_line(12, t, sizeof t, 10, 4), 11);
    UNIT_CHECK_EQ_U64(gs_py_code_line(13, t, sizeof t, 10, 6), 9);
    UNIT_CHECK(gs_py_code_line(13, t, sizeof t, 10, 8) == -1);
    UNIT_CHECK_EQ_U64(gs_py_code_line(13, t, sizeof t, 10, 10), 9);
    UNIT_CHECK_EQ_U64(gs_py_code_line(13, t, sizeof t, 10, 16), 10);
    UNIT_CHECK_EQ_U64(gs_py_code_line(13, t, sizeof t, 10, 18), 110);
    UNIT_CHECK(gs_py_code_line(13, t, sizeof t, 10, 20) == -1);
    /* A table cut inside a varint keeps the bits it has and reads no further. */
    UNIT_CHECK_EQ_U64(gs_py_code_line(13, t, sizeof t - 1, 10, 18), 14);
    UNIT_CHECK(gs_py_code_line(13, NULL, 0, 10, 0) == -1);
}

/* --- symbols ------------------------------------------------------------------ */

__attribute__((noinline)) int gs_test_marker_function(int x);
__attribute__((noinline)) int gs_test_marker_function(int x)
{
    return x * 3 + 1;
}

static void test_symbols(void)
{
    gs_maps maps = {0};
    gs_error err;
    gs_elf *e = NULL;
    gs_symtab *t = NULL;
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    UNIT_CHECK(n > 0);
    if (n <= 0)
        return;
    path[n] = '\0';
    UNIT_CHECK(gs_maps_read(getpid(), &maps, &err) == GS_OK);
    UNIT_CHECK(gs_elf_open("/proc/self/exe", &e, &err) == GS_OK);
    if (!e)
        goto out;
    uint64_t bias = 0;
    UNIT_CHECK(gs_load_bias(e, &maps, path, &bias));
    UNIT_CHECK(gs_symtab_build(e, &t, &err) == GS_OK);
    UNIT_CHECK(gs_symtab_count(t) > 10);
    uint64_t addr = (uint64_t)(uintptr_t)&gs_test_marker_function, offset = 99;
    const char *name = NULL;
    UNIT_CHECK(gs_symtab_lookup(t, addr - bias, &name, &offset));
    UNIT_CHECK_STR(name, "gs_test_marker_function");
    UNIT_CHECK_EQ_U64(offset, 0);
    UNIT_CHECK(gs_symtab_lookup(t, addr - bias + 3, &name, &offset));
    UNIT_CHECK_EQ_U64(offset, 3);
    UNIT_CHECK(!gs_symtab_lookup(t, 0, &name, &offset));

    /* The symbolizer: the same through the maps, with the module's name. */
    char func[256], module[256];
    gs_symbolizer *sym = gs_symbolizer_new(getpid(), &maps);
    gs_symbolize(sym, addr + 2, func, sizeof func, module, sizeof module);
    UNIT_CHECK_STR(func, "gs_test_marker_function+0x2");
    const char *base = strrchr(path, '/');
    UNIT_CHECK_STR(module, base ? base + 1 : path);
    gs_symbolize(sym, 8, func, sizeof func, module, sizeof module); /* unmapped */
    UNIT_CHECK_STR(func, "??");
    UNIT_CHECK_STR(module, "");
    gs_symbolize(sym, (uint64_t)(uintptr_t)&getpid, func, sizeof func, module, sizeof module);
    UNIT_CHECK(strncmp(module, "libc", 4) == 0);
    UNIT_CHECK(strchr(func, '@') == NULL); /* symbol versions are left out */
    gs_symbolizer_free(sym);
out:
    gs_symtab_free(t);
    gs_elf_close(e);
    gs_maps_free(&maps);
}

int main(void)
{
    test_lnotab();
    test_linetable_310();
    test_locations_311();
    test_symbols();
    return unit_finish("test_stacks");
}
