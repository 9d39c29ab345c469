/* fuzz_core: libFuzzer target for the core-file reader (proc/core.c), the
 * parser of a file gcscope is handed: headers, program headers, notes
 * (NT_FILE, NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV), the maps made
 * from them, the memory reader and the image assembled from it. Files the
 * core names are looked up under a root that does not exist, so that a run
 * depends on its input alone. Built by ./configure --enable-fuzzing
 * CC=clang; run: tests/fuzz/fuzz_core [-max_total_time=60] CORPUS_DIR
 * (seed it with small cores: tests/fuzz/make_core_corpus.sh). */
#include "config.h"

#include <stdint.h>

#include "proc/core.h"
#include "proc/mem_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_core *c = NULL;
    gs_error err;
    if (gs_core_open_buffer(data, size, &c, &err) != GS_OK)
        return 0;
    gs_core_attach_files(c, "/nonexistent-fuzz-root", NULL, &err);
    const gs_maps *maps = gs_core_maps(c);
    gs_reader *r = gs_core_reader(c);
    unsigned char buf[4096];
    char id[80];
    /* Every mapping read at both ends and across its end (into the next). */
    for (size_t i = 0; i < maps->n && i < 4096; i++) {
        gs_read(r, maps->v[i].start, buf, sizeof buf);
        gs_read(r, maps->v[i].end - 16, buf, 64);
        gs_view(r, maps->v[i].start, 64);
        gs_core_build_id_at(c, maps->v[i].start, id, sizeof id);
        gs_core_file_check(c, maps->v[i].path, &err);
    }
    size_t n;
    const struct gs_core_thread *t = gs_core_threads(c, &n);
    for (size_t i = 0; i < n; i++)
        gs_read(r, t[i].regs[GS_CORE_REG_RSP], buf, 256);
    gs_image *img = NULL;
    if (gs_image_from_reader(maps, r, 64u << 20, &img, &err) == GS_OK) {
        gs_reader *ir = gs_image_reader(img);
        for (size_t i = 0; i < maps->n && i < 4096; i++)
            gs_read(ir, maps->v[i].start, buf, 128);
        gs_image_free(img);
    }
    gs_core_close(c);
    return 0;
}
