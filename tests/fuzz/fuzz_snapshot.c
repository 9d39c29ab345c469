/* fuzz_snapshot: libFuzzer target for the snapshot loader. Built by
 * ./configure --enable-fuzzing CC=clang; run: tests/fuzz/fuzz_snapshot
 * [-max_total_time=60] CORPUS_DIR (seed it with files from --save). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "graph/snapfile.h"
#include "report/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gs_snapshot *s = NULL;
    gs_error err;
    if (gs_snapfile_load_buffer(data, size, &s, &err) == GS_OK) {
        /* Whatever loads must be safe to report on. */
        FILE *null = fopen("/dev/null", "w");
        struct gs_report_opts o = {.format = GS_FORMAT_JSON};
        /* Every report that needs nothing more than the snapshot, in both formats. */
        for (size_t i = 0; i < gs_nreports; i++) {
            if (gs_reports[i].needs & (GS_REPORT_NEEDS_ADDR | GS_REPORT_NEEDS_OLD))
                continue;
            for (int json = 0; json < 2; json++) {
                o.format = json ? GS_FORMAT_JSON : GS_FORMAT_TEXT;
                gs_report_write(&gs_reports[i], null, s, &o, &err);
            }
        }
        fclose(null);
        gs_snapshot_free(s);
    }
    return 0;
}
