/* statics.c: see statics.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "py/statics.h"
#include "util/status.h"

static gs_elf *open_quietly(const char *path)
{
    gs_elf *e = NULL;
    gs_error err;
    return gs_elf_open(path, &e, &err) == GS_OK ? e : NULL;
}

void gs_py_statics_open(const struct gs_py_location *loc, struct gs_py_statics *out)
{
    memset(out, 0, sizeof *out);
    out->bias = loc->bias;
    out->binary = open_quietly(loc->opened_path[0] ? loc->opened_path : loc->binary);
    if (out->binary && gs_elf_section(out->binary, ".symtab", NULL, NULL)) {
        out->has_symtab = true;
        return;
    }
    /* The debug file of a stripped binary: /usr/lib/debug/.build-id/xx/rest.debug */
    if (strlen(loc->build_id) > 2) {
        snprintf(out->debug_path, sizeof out->debug_path, "/usr/lib/debug/.build-id/%.2s/%s.debug", loc->build_id,
                 loc->build_id + 2);
        out->debug = open_quietly(out->debug_path);
        if (out->debug && gs_elf_section(out->debug, ".symtab", NULL, NULL))
            out->has_symtab = true;
    }
}

void gs_py_statics_close(struct gs_py_statics *s)
{
    gs_elf_close(s->binary);
    gs_elf_close(s->debug);
    s->binary = s->debug = NULL;
}

static bool lookup(const gs_elf *e, const char *name, uint64_t size, uint64_t *value)
{
    uint64_t v, sz;
    if (!e || !gs_elf_symbol(e, name, &v, &sz) || v == 0)
        return false;
    if (size && sz != size)
        return false;
    *value = v;
    return true;
}

/* Link-time optimisation renames a static "x" to "x.lto_priv.N" (Debian's
 * python3.11): the plain name first, then those. */
bool gs_py_statics_find(const struct gs_py_statics *s, const char *name, uint64_t size, uint64_t *addr)
{
    uint64_t v;
    char lto[256];
    for (int i = -1; i < 4; i++) {
        const char *n = name;
        if (i >= 0) {
            snprintf(lto, sizeof lto, "%s.lto_priv.%d", name, i);
            n = lto;
        }
        if (lookup(s->binary, n, size, &v) || lookup(s->debug, n, size, &v)) {
            *addr = v + s->bias;
            return true;
        }
    }
    return false;
}

void gs_py_statics_why(const struct gs_py_statics *s, const struct gs_py_location *loc, char *buf, size_t cap)
{
    if (!s->binary)
        snprintf(buf, cap, "%s cannot be read", loc->binary);
    else if (!s->has_symtab && s->debug_path[0])
        snprintf(buf, cap, "%s is stripped (no .symtab) and its debug file %s is not installed", loc->binary,
                 s->debug_path);
    else if (!s->has_symtab)
        snprintf(buf, cap, "%s is stripped (no .symtab) and has no build id to find a debug file by", loc->binary);
    else
        snprintf(buf, cap, "the symbols of %s do not name them", loc->binary);
}
