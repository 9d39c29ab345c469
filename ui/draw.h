/* draw.h: putting text on the screen, cut cleanly.
 *
 * Everything the browser prints goes through gs_draw_text(): it escapes
 * what a terminal must not see (control characters, invalid UTF-8, bidi
 * overrides) with gs_text_escape (util/text.h), as every presenter does,
 * replaces any non-ASCII byte with '?' when the locale is not UTF-8, measures what is
 * left in terminal cells (wcwidth: a CJK character is two), and cuts it at
 * a character boundary with an ellipsis, so that a long type name or a
 * preview full of emoji never spills into the next column or line.
 *
 * Colour: each piece of text has a role; gs_draw_init() maps the roles to
 * colour pairs when the terminal has colours and NO_COLOR is unset, and to
 * plain attributes (bold, reverse, underline) otherwise, chosen so that a
 * monochrome screen reads the same.
 *
 * The caller owns the struct gs_draw (no global state); curses must be
 * started (initscr) before gs_draw_init().
 */
#ifndef GCSCOPE_UI_DRAW_H
#define GCSCOPE_UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

enum gs_role {
    GS_ROLE_NORMAL,
    GS_ROLE_TITLE,    /* the top line */
    GS_ROLE_HEADER,   /* column titles, section titles */
    GS_ROLE_SELECTED, /* the cursor's row */
    GS_ROLE_BAR,      /* the key bar */
    GS_ROLE_BAR_KEY,  /* a key on the key bar */
    GS_ROLE_DIM,      /* secondary text: addresses, labels */
    GS_ROLE_ALERT,    /* garbage, errors, a disabled collector */
    GS_ROLE_PATH,     /* the breadcrumbs */
    GS_ROLE_NUMBER,   /* sizes and counts */
    GS_ROLE_COUNT
};

struct gs_draw {
    bool utf8;                      /* the locale is UTF-8: draw it, and use "…" */
    bool color;                     /* colour pairs in use */
    unsigned long attr[GS_ROLE_COUNT];
};

/* Choose the attributes: colour unless no_color or the terminal lacks it. */
void gs_draw_init(struct gs_draw *d, bool no_color);

/* Draw s at (y, x) in at most width cells with the role's attributes,
 * cut with an ellipsis when longer; pad with spaces to width when pad.
 * Returns the cells used (width when padded). */
int gs_draw_text(const struct gs_draw *d, int y, int x, int width, enum gs_role role, const char *s, bool pad);

/* The same, right-aligned in width cells (numbers). */
int gs_draw_right(const struct gs_draw *d, int y, int x, int width, enum gs_role role, const char *s);

/* The same, cut in the middle when too long ("__main__.A…[3].next"): for
 * paths, whose start (the root) and end (the object) both matter. */
int gs_draw_middle(const struct gs_draw *d, int y, int x, int width, enum gs_role role, const char *s);

/* Fill width cells at (y, x) with spaces in the role's attributes. */
void gs_draw_fill(const struct gs_draw *d, int y, int x, int width, enum gs_role role);

/* The display width of s, as gs_draw_text() would draw it. */
int gs_text_width(const struct gs_draw *d, const char *s);

/* Copy s into buf (cap bytes) as gs_draw_text() would draw it in width
 * cells: cleaned, cut with an ellipsis, not padded. Returns the cells. */
int gs_text_fit(const struct gs_draw *d, const char *s, int width, char *buf, size_t cap);

#endif
