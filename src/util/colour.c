/* colour.c: see colour.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/colour.h"
#include "util/text.h"

#define RED "\033[1;31m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

/* The words that stand out, longest first where one contains another. */
static const struct {
    const char *word;
    const char *colour;
} marked[] = {
    {"check failed", RED}, {"uncollectable", RED}, {"DISABLED", RED},  {"GARBAGE", RED},
    {"garbage", RED},      {"warning:", YELLOW},   {"WARNING", YELLOW},
};

bool gs_colour_parse(const char *word, enum gs_colour_when *out)
{
    if (strcmp(word, "auto") == 0)
        *out = GS_COLOUR_AUTO;
    else if (strcmp(word, "always") == 0 || strcmp(word, "yes") == 0)
        *out = GS_COLOUR_ALWAYS;
    else if (strcmp(word, "never") == 0 || strcmp(word, "no") == 0)
        *out = GS_COLOUR_NEVER;
    else
        return false;
    return true;
}

bool gs_colour_wanted(enum gs_colour_when when, FILE *out)
{
    if (when != GS_COLOUR_AUTO)
        return when == GS_COLOUR_ALWAYS;
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if ((no && no[0]) || !term || !term[0] || strcmp(term, "dumb") == 0)
        return false;
    return isatty(fileno(out));
}

struct colourer {
    FILE *to;
    char *line;
    size_t len, cap;
};

/* Is the match at line[at..at+n) a whole word (not inside a longer one)? */
static bool whole_word(const char *line, size_t len, size_t at, size_t n)
{
    bool left = at == 0 || !(line[at - 1] == '_' || (line[at - 1] >= 'a' && line[at - 1] <= 'z') ||
                             (line[at - 1] >= 'A' && line[at - 1] <= 'Z'));
    size_t end = at + n;
    bool right = end >= len || !(line[end] == '_' || (line[end] >= 'a' && line[end] <= 'z') ||
                                 (line[end] >= 'A' && line[end] <= 'Z'));
    return left && right;
}

static void put_line(struct colourer *c)
{
    for (size_t at = 0; at < c->len;) {
        size_t hit_n = 0;
        const char *hit_colour = NULL;
        for (size_t m = 0; m < sizeof marked / sizeof marked[0]; m++) {
            size_t n = strlen(marked[m].word);
            if (at + n <= c->len && memcmp(c->line + at, marked[m].word, n) == 0 &&
                whole_word(c->line, c->len, at, n)) {
                hit_n = n;
                hit_colour = marked[m].colour;
                break;
            }
        }
        if (hit_n) {
            fputs(hit_colour, c->to);
            fwrite(c->line + at, 1, hit_n, c->to);
            fputs(RESET, c->to);
            at += hit_n;
        } else {
            fputc(c->line[at++], c->to);
        }
    }
    c->len = 0;
}

static ssize_t colour_write(void *cookie, const char *buf, size_t n)
{
    struct colourer *c = cookie;
    for (size_t i = 0; i < n; i++) {
        if (c->len == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 256;
            char *line = realloc(c->line, cap);
            if (!line) { /* no room to look at the line: write it as it is */
                fwrite(c->line, 1, c->len, c->to);
                c->len = 0;
                fputc(buf[i], c->to);
                continue;
            }
            c->line = line;
            c->cap = cap;
        }
        c->line[c->len++] = buf[i];
        if (buf[i] == '\n')
            put_line(c);
    }
    return (ssize_t)n;
}

static int colour_close(void *cookie)
{
    struct colourer *c = cookie;
    put_line(c);
    int rc = fflush(c->to) == 0 && !ferror(c->to) ? 0 : -1;
    free(c->line);
    free(c);
    return rc;
}

FILE *gs_colour_stream(FILE *to)
{
    struct colourer *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->to = to;
    return gs_filter_stream(c, colour_write, colour_close);
}
