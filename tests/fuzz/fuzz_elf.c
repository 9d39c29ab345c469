/* fuzz_elf: libFuzzer target for the ELF reader and the maps parser, the
 * two parsers that read files a target controls. */
#include "config.h"

#include <stdint.h>

#include "elf/elf.h"
#include "proc/maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_error err;
    gs_elf *e = NULL;
    if (gs_elf_open_buffer(data, size, &e, &err) == GS_OK) {
        uint64_t v, n;
        char id[80];
        gs_elf_symbol(e, "_PyRuntime", &v, &n);
        gs_elf_section(e, ".PyRuntime", &v, &n);
        gs_elf_build_id(e, id, sizeof id);
        struct gs_elf_load seg;
        for (size_t i = 0; i < gs_elf_phdr_count(e); i++)
            gs_elf_load_segment(e, i, &seg);
        gs_elf_close(e);
    }
    gs_maps m = {0};
    if (gs_maps_parse((const char *)data, size, &m, &err) == GS_OK) {
        if (m.n)
            gs_maps_find(&m, m.v[0].start);
        gs_maps_free(&m);
    }
    return 0;
}
