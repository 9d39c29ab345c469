/* explained.c: see explained.h. */
#include "config.h"

#include <string.h>

#include "report/explained.h"
#include "report/report.h"

void gs_explained_count(const struct gs_snapshot *s, struct gs_explained *x)
{
    memset(x, 0, sizeof *x);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint16_t f = s->flags[i];
        if (f & GS_NODE_EMULATED)
            x->emulated++;
        else if (f & GS_NODE_INFERRED)
            x->inferred++;
        if (f & GS_NODE_OPAQUE) {
            unsigned why = gs_node_unknown_reason(f);
            x->opaque++;
            x->because[why < GS_EMU_OUTCOME_COUNT ? why : GS_EMU_ENGINE]++;
        }
    }
}

/* Append to buf at *len, never past size. */
static void put(char *buf, size_t size, size_t *len, const char *text)
{
    size_t n = strlen(text);
    if (*len + 1 >= size)
        return;
    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(buf + *len, text, n);
    *len += n;
    buf[*len] = '\0';
}

void gs_explained_text(const struct gs_explained *x, char *buf, size_t size)
{
    char c[32], part[160];
    size_t len = 0;
    /* "objects" after the first count only: "1 object" when it is 1 */
    uint64_t first = x->emulated ? x->emulated : x->inferred ? x->inferred : x->opaque;
    const char *noun = first == 1 ? " object" : " objects";
    if (size)
        buf[0] = '\0';
    if (!x->emulated && !x->inferred && !x->opaque)
        return;
    put(buf, size, &len, "referents:");
    if (x->emulated) {
        snprintf(part, sizeof part, " %s%s from their type's emulated tp_traverse",
                 gs_fmt_count(x->emulated, c, sizeof c), noun);
        put(buf, size, &len, part);
        noun = "";
    }
    if (x->inferred) {
        snprintf(part, sizeof part, "%s %s%s inferred from a scan of their words", noun[0] ? "" : ";",
                 gs_fmt_count(x->inferred, c, sizeof c), noun);
        put(buf, size, &len, part);
        noun = "";
    }
    if (!x->opaque)
        return;
    snprintf(part, sizeof part, "%s %s%s unknown", noun[0] ? "" : ";", gs_fmt_count(x->opaque, c, sizeof c), noun);
    put(buf, size, &len, part);
    const char *sep = " (";
    for (unsigned o = 0; o < GS_EMU_OUTCOME_COUNT; o++) {
        if (!x->because[o])
            continue;
        snprintf(part, sizeof part, "%s%s %s", sep, gs_fmt_count(x->because[o], c, sizeof c),
                 o == 0 ? "not emulated" : gs_emu_outcome_text(o));
        put(buf, size, &len, part);
        sep = ", ";
    }
    put(buf, size, &len, ")");
}

void gs_explained_json(gs_json *w, const struct gs_explained *x)
{
    gs_json_begin_object(w);
    gs_json_key(w, "emulated");
    gs_json_uint(w, x->emulated);
    gs_json_key(w, "inferred");
    gs_json_uint(w, x->inferred);
    gs_json_key(w, "opaque");
    gs_json_uint(w, x->opaque);
    gs_json_key(w, "unknown_because");
    gs_json_begin_object(w);
    for (unsigned o = 1; o < GS_EMU_OUTCOME_COUNT; o++) {
        if (!x->because[o])
            continue;
        gs_json_key(w, gs_emu_outcome_key(o));
        gs_json_uint(w, x->because[o]);
    }
    gs_json_end_object(w);
    gs_json_key(w, "not_emulated");
    gs_json_uint(w, x->because[0]);
    gs_json_end_object(w);
}
