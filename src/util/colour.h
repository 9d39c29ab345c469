/* colour.h: colour in the text reports, where it helps and never required.
 *
 * Part of src/util/, which knows nothing of processes, Python or graphs.
 *
 * gs_colour_stream() wraps a FILE so that, line by line, the words that
 * say something is wrong stand out in red ("garbage", "DISABLED",
 * "uncollectable", "check failed") and warnings in yellow. It sits
 * *after* the escaping stream (util/text.h): by the time a line reaches it,
 * every control byte the target planted is already shown as \xNN text, so
 * the only escape sequences on the terminal are its own. The colour adds
 * nothing a reader needs: the same words are there without it.
 *
 * When: --color=always, never or auto (the default): auto colours only a
 * terminal, and NO_COLOR (any non-empty value, https://no-color.org) or
 * TERM=dumb turn it off; --color=always wins over NO_COLOR.
 */
#ifndef GCSCOPE_UTIL_COLOUR_H
#define GCSCOPE_UTIL_COLOUR_H

#include <stdbool.h>
#include <stdio.h>

enum gs_colour_when {
    GS_COLOUR_AUTO = 0,
    GS_COLOUR_ALWAYS,
    GS_COLOUR_NEVER,
};

/* "auto", "always", "never" (and "yes"/"no"); false if none of them. */
bool gs_colour_parse(const char *word, enum gs_colour_when *out);

/* Whether text written to `out` is to be coloured. */
bool gs_colour_wanted(enum gs_colour_when when, FILE *out);

/* A FILE that writes each line to `to` with the words above coloured.
 * fclose() flushes it and leaves `to` open. NULL if it cannot be made
 * (then write to `to` directly). */
FILE *gs_colour_stream(FILE *to);

#endif
