/* fuzz_core_graph: libFuzzer target for everything after a core is read:
 * the interpreter located in the files a (mutated) core names, the runtime,
 * the collector's lists, every object decoder, the graph, and every report
 * on the result. Seeded with tiny cores of real Python processes
 * (tests/fuzz/make_core_corpus.sh), so that the mutations land in real
 * interpreter memory: each decoder meets corrupted objects, lists, frames
 * and types, as it would in a core of a process that was corrupting its
 * heap. The files the cores name must exist on the machine (the corpus is
 * made here). Native stacks are not walked (libunwind is not under test).
 * Built by ./configure --enable-fuzzing CC=clang; run:
 * tests/fuzz/fuzz_core_graph -max_len=8000000 -max_total_time=600 CORPUS_DIR */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture_core.h"
#include "graph/build.h"
#include "report/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The core reader maps a file: hand it the input as one. */
    int fd = memfd_create("fuzz-core", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct gs_core_opts o = {.path = path, .native_stacks = false, .max_capture = 256u << 20};
    struct gs_capture *cap = NULL;
    gs_error err;
    if (gs_capture_core(&o, &cap, &err) == GS_OK) {
        struct gs_snapshot *s = NULL;
        if (gs_graph_build(cap, &s, &err) == GS_OK) {
            FILE *null = fopen("/dev/null", "w");
            struct gs_report_opts ro = {.format = GS_FORMAT_JSON};
            for (size_t i = 0; i < gs_nreports; i++) {
                if (gs_reports[i].needs & (GS_REPORT_NEEDS_ADDR | GS_REPORT_NEEDS_OLD))
                    continue;
                for (int json = 0; json < 2; json++) {
                    ro.format = json ? GS_FORMAT_JSON : GS_FORMAT_TEXT;
                    gs_report_write(&gs_reports[i], null, s, &ro, &err);
                }
            }
            fclose(null);
            gs_snapshot_free(s);
        }
        gs_capture_free(cap);
    }
    close(fd);
    return 0;
}
