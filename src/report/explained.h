/* explained.h: how many objects of a snapshot had their referents
 * explained, and how: by a hand decoder, by their type's tp_traverse run in
 * the emulator, by a conservative scan of their words, or not at all (and
 * why). The per-node facts are the ones --dump-graph's JSON gives
 * (referents_from, opaque, unknown_because); --dump-types and the browser's
 * overview show these totals. */
#ifndef GCSCOPE_REPORT_EXPLAINED_H
#define GCSCOPE_REPORT_EXPLAINED_H

#include <stdint.h>
#include <stdio.h>

#include "emu/emu.h"
#include "graph/snapshot.h"
#include "util/jsonw.h"

struct gs_explained {
    uint64_t emulated; /* referents_from "emulated" */
    uint64_t inferred; /* referents_from "inferred" */
    uint64_t opaque;   /* referents unknown: "opaque" */
    uint64_t because[GS_EMU_OUTCOME_COUNT]; /* opaque ones by unknown_because; [0]: no emulation was tried */
};

/* Over every node of the snapshot (tracked or not), as --dump-graph lists them. */
void gs_explained_count(const struct gs_snapshot *s, struct gs_explained *x);

/* One line for a person ("referents: ... explained by ...; ... unknown: ..."),
 * without newline; empty when no object was emulated, inferred or opaque. */
void gs_explained_text(const struct gs_explained *x, char *buf, size_t size);

/* The "referents" object of --dump-types' JSON (docs/json.md). */
void gs_explained_json(gs_json *w, const struct gs_explained *x);

#endif
