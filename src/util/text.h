/* text.h: the target's strings made safe to show.
 *
 * Part of src/util/, which knows nothing of processes, Python or graphs.
 *
 * Every string gcscope reads from the target (class and module names,
 * co_name and co_filename, thread names, open files' paths, the binary
 * path, the process name) is untrusted: it may hold terminal escape
 * sequences, bidi overrides that reorder what a reader sees, invalid
 * UTF-8, or megabytes. gs_text_escape() is the one function that decides
 * how such a string looks on a terminal; every presenter goes through it:
 * text reports (per string, and the whole text stream: gs_text_stream),
 * error messages on stderr, and the browser (ui/draw.c). JSON stays exact
 * (the JSON writer escapes per RFC 8259 and keeps every character).
 *
 * What is escaped, and how:
 *   C0 controls and DEL       \n \r \t, or \xNN (\x1b for ESC)
 *   invalid UTF-8             each byte as \xNN (overlong forms, surrogates
 *                             and code points above U+10FFFF included)
 *   C1 controls U+0080-009F   \uNNNN
 *   bidi and invisible        \uNNNN: U+061C, U+200B-200F, U+202A-202E,
 *   format characters         U+2028-2029, U+2060-2069, U+FEFF
 * Everything else, printable ASCII and valid UTF-8, is kept as is.
 */
#ifndef GCSCOPE_UTIL_TEXT_H
#define GCSCOPE_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Allow line ends: a whole text report's newlines and tabs are gcscope's
 * own layout (gs_text_stream); a single name keeps none. */
#define GS_TEXT_KEEP_LINES 1u

/* The cut marker: what ends a string shortened to fit. */
#define GS_TEXT_CUT "[...]"

/* Escapes in[0..len) into out (cap bytes, NUL-terminated, cap >= 1).
 * A result longer than cap - 1 is cut at a character or escape boundary
 * and ends with GS_TEXT_CUT. Returns out. */
char *gs_text_escape(char *out, size_t cap, const char *in, size_t len, unsigned flags);

/* gs_text_escape of a NUL-terminated string, no flags: for one name. */
char *gs_text(char *out, size_t cap, const char *in);

/* How many leading bytes of in[0..len) gs_text_escape can take without
 * cutting a UTF-8 sequence that may continue beyond len: a stream writes
 * the rest with its next chunk. */
size_t gs_text_complete(const char *in, size_t len);

/* A FILE that escapes what is written to it (GS_TEXT_KEEP_LINES) into
 * `to`, for the text reports: a presenter that forgot a name still cannot
 * put a raw control byte on the terminal. fclose() flushes it (a sequence
 * left unfinished is escaped) and leaves `to` open. NULL if it cannot be
 * made (then write to `to` directly). */
FILE *gs_text_stream(FILE *to);

/* The write-only stream under gs_text_stream and gs_colour_stream
 * (util/colour.h): writes go to write(cookie, ...), fclose() calls
 * close(cookie), which must free the cookie. NULL when it cannot be made,
 * the cookie then freed. Needs _GNU_SOURCE (config.h) for the types. */
FILE *gs_filter_stream(void *cookie, cookie_write_function_t *write, cookie_close_function_t *close);

#endif
