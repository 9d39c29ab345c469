/* fuzz_snapshot: libFuzzer target for the snapshot loader. Built by
 * ./configure --enable-fuzzing CC=clang; run: tests/fuzz/fuzz_snapshot
 * [-max_total_time=60] CORPUS_DIR (seed it with files from --save). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "graph/snapfile.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gs_snapshot *s = NULL;
    gs_error err;
    if (gs_snapfile_load_buffer(data, size, &s, &err) == GS_OK) {
        /* Whatever loads must be safe to report on. */
        FILE *null = fopen("/dev/null", "w");
        struct gs_report_opts o = {.json = true};
        gs_report_graph(null, s, &o);
        gs_report_types(null, s, &o);
        fclose(null);
        gs_snapshot_free(s);
    }
    return 0;
}
