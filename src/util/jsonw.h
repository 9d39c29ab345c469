/* jsonw.h: a streaming JSON writer. It writes as it goes (no tree in
 * memory), so a graph of ten million objects costs no more than its output.
 *
 *   gs_json w; gs_json_init(&w, stdout);
 *   gs_json_begin_object(&w);
 *   gs_json_key(&w, "pid"); gs_json_int(&w, 123);
 *   gs_json_key(&w, "types"); gs_json_begin_array(&w); ... gs_json_end_array(&w);
 *   gs_json_end_object(&w);
 *   gs_json_finish(&w);   writes the final newline
 * Commas are placed automatically. Strings are escaped; invalid UTF-8 bytes
 * (target memory is arbitrary) are written as U+FFFD.
 */
#ifndef GCSCOPE_UTIL_JSONW_H
#define GCSCOPE_UTIL_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GS_JSON_MAX_DEPTH 64

typedef struct gs_json {
    FILE *out;
    int depth;
    bool need_comma[GS_JSON_MAX_DEPTH];
    bool after_key;
    bool pretty;
} gs_json;

void gs_json_init(gs_json *w, FILE *out);
void gs_json_begin_object(gs_json *w);
void gs_json_end_object(gs_json *w);
void gs_json_begin_array(gs_json *w);
void gs_json_end_array(gs_json *w);
void gs_json_key(gs_json *w, const char *key);
void gs_json_string(gs_json *w, const char *s);
void gs_json_string_n(gs_json *w, const char *s, size_t n);
void gs_json_int(gs_json *w, int64_t v);
void gs_json_uint(gs_json *w, uint64_t v);
void gs_json_double(gs_json *w, double v, int decimals);
void gs_json_bool(gs_json *w, bool v);
void gs_json_null(gs_json *w);
void gs_json_addr(gs_json *w, uint64_t addr); /* "0x7f..." as Python's hex(id(o)) */
void gs_json_finish(gs_json *w);

#endif
