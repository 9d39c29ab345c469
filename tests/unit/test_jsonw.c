/* test_jsonw: the streaming JSON writer formats numbers and addresses
 * itself (not through printf, for --dump-graph's speed): each against
 * printf's own formatting at the edges of its range, commas and nesting,
 * and strings that need escaping. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/jsonw.h"

static char *text;
static size_t text_len;

static FILE *open_text(void)
{
    free(text);
    text = NULL;
    return open_memstream(&text, &text_len);
}

static void emit_int(gs_json *w, uint64_t v) { gs_json_int(w, (int64_t)v); }
static void emit_uint(gs_json *w, uint64_t v) { gs_json_uint(w, v); }
static void emit_addr(gs_json *w, uint64_t v) { gs_json_addr(w, v); }

/* What one value comes out as, written alone. */
static const char *written(void (*emit)(gs_json *, uint64_t), uint64_t v)
{
    FILE *f = open_text();
    gs_json w;
    gs_json_init(&w, f);
    emit(&w, v);
    fclose(f);
    return text;
}

int main(void)
{
    const int64_t ints[] = {0, 1, -1, 9, 10, -10, 99, 100, 12345678901234LL, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    char want[64];
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        snprintf(want, sizeof want, "%" PRId64, ints[i]);
        UNIT_CHECK_STR(written(emit_int, (uint64_t)ints[i]), want);
    }
    const uint64_t uints[] = {0, 1, 9, 10, 4294967295u, 4294967296u, UINT64_MAX, UINT64_MAX - 1};
    for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) {
        snprintf(want, sizeof want, "%" PRIu64, uints[i]);
        UNIT_CHECK_STR(written(emit_uint, uints[i]), want);
        snprintf(want, sizeof want, "\"0x%" PRIx64 "\"", uints[i]);
        UNIT_CHECK_STR(written(emit_addr, uints[i]), want);
    }
    UNIT_CHECK_STR(written(emit_addr, 0x7f12abcdef00ULL), "\"0x7f12abcdef00\"");

    /* Commas, keys, nesting and escapes in one document. */
    FILE *f = open_text();
    gs_json w;
    gs_json_init(&w, f);
    gs_json_begin_object(&w);
    gs_json_key(&w, "a");
    gs_json_begin_array(&w);
    gs_json_int(&w, -5);
    gs_json_bool(&w, true);
    gs_json_null(&w);
    gs_json_string(&w, "q\"b\\n\nt\t\x01\xff" "caf\xc3\xa9");
    gs_json_end_array(&w);
    gs_json_key(&w, "b");
    gs_json_double(&w, 1.5, 2);
    gs_json_end_object(&w);
    gs_json_finish(&w);
    fclose(f);
    UNIT_CHECK_STR(text,
                   "{\"a\": [-5, true, null, \"q\\\"b\\\\n\\nt\\t\\u0001\\ufffd" "caf\xc3\xa9\"], \"b\": 1.50}\n");
    free(text);
    return unit_finish("test_jsonw");
}
