/* verify_harness PID TYPE MODE: --verify-referents with a decoder broken on
 * purpose, for tests/integration/verify_referents.py.
 *
 * It does what gcscope --verify-referents --json does (capture, build
 * keeping the image, gs_verify_referents, the JSON writer), except that
 * between the build and the check it breaks what "the decoder" of TYPE
 * (a type's name, "module.name" or "name") reported, as a buggy decoder
 * would:
 *   forget   each object of TYPE loses its first reference (a decoder that
 *            forgot a field);
 *   misread  each object's first reference points at the object itself (a
 *            decoder that read the wrong word);
 *   none     nothing is broken.
 * The check must then say that TYPE disagrees. This breaks the snapshot in
 * a test program, not a decoder in the product: gcscope ships no switch
 * that makes a decoder wrong. Exit code: 0 when everything agrees, 16 when
 * something differs, a gs_status exit code on error. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "graph/build.h"
#include "graph/verify.h"
#include "report/verify.h"
#include "util/alloc.h"

static bool is_type(const struct gs_snapshot *s, uint32_t node, const char *want)
{
    const struct gs_snap_type *t = &s->types[s->type[node]];
    const char *name = gs_snapshot_string(s, t->name), *module = gs_snapshot_string(s, t->module);
    char full[512];
    snprintf(full, sizeof full, "%s.%s", module, name);
    return strcmp(want, name) == 0 || strcmp(want, full) == 0;
}

/* Returns how many objects were broken. */
static uint64_t break_decoder(struct gs_snapshot *s, const char *type, const char *mode)
{
    uint64_t broken = 0, w = 0;
    bool forget = strcmp(mode, "forget") == 0;
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint64_t first = s->out_off[i], end = s->out_off[i + 1];
        s->out_off[i] = w;
        bool hit = end > first && is_type(s, (uint32_t)i, type);
        broken += hit;
        for (uint64_t e = first; e < end; e++) {
            if (hit && e == first && forget)
                continue;
            s->out_dst[w] = hit && e == first ? (uint32_t)i : s->out_dst[e];
            s->out_label[w] = s->out_label[e];
            w++;
        }
    }
    s->out_off[s->nobjects] = w;
    s->nedges = w;
    return broken;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "forget") && strcmp(argv[3], "misread") && strcmp(argv[3], "none"))) {
        fprintf(stderr, "usage: verify_harness PID TYPE forget|misread|none\n");
        return 2;
    }
    gs_alloc_init();
    gs_error err = {0};
    struct gs_capture_opts opts;
    gs_capture_opts_default(&opts);
    struct gs_capture *cap = NULL;
    struct gs_snapshot *s = NULL;
    struct gs_verify *v = NULL;
    struct gs_build_opts bo = {.keep_image = true};
    gs_status st = gs_capture_process((pid_t)atoi(argv[1]), &opts, &cap, &err);
    if (st == GS_OK)
        st = gs_graph_build_opts(cap, &bo, &s, &err);
    if (st == GS_OK && strcmp(argv[3], "none") != 0 && break_decoder(s, argv[2], argv[3]) == 0)
        st = gs_fail(&err, GS_ERR_USAGE, "no object of type %s with a reference to break", argv[2]);
    if (st == GS_OK)
        st = gs_verify_referents(cap, s, &v, &err);
    if (st == GS_OK)
        st = gs_verify_write_json(stdout, s, v, &err);
    int rc = st != GS_OK ? gs_status_exit_code(st) : v->types_differing ? gs_status_exit_code(GS_ERR_DISAGREE) : 0;
    if (st != GS_OK)
        fprintf(stderr, "verify_harness: %s\n", err.msg);
    gs_verify_free(v);
    gs_snapshot_free(s);
    gs_capture_free(cap);
    return rc;
}
