/* draw.c: text on the screen, cleaned, measured and cut (see draw.h). */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <string.h>
#include <wchar.h>

#include "ui/draw.h"
#include "util/text.h"

#define MAX_UNITS 2048 /* characters of one string looked at; the rest is cut */
#define MAX_BYTES 8192

/* One character as it will be drawn: where its bytes are in the cleaned
 * string, and its width in cells (0 for a combining mark). */
struct unit {
    unsigned short off;
    unsigned char len;
    unsigned char w;
};

struct cleaned {
    char text[MAX_BYTES];
    struct unit u[MAX_UNITS];
    size_t n;
    int width;
    bool more; /* the input went on beyond what was looked at */
};

static bool add_unit(struct cleaned *c, size_t *pos, const char *bytes, size_t len, int w)
{
    if (c->n == MAX_UNITS || *pos + len >= MAX_BYTES)
        return false;
    memcpy(c->text + *pos, bytes, len);
    c->u[c->n++] = (struct unit){(unsigned short)*pos, (unsigned char)len, (unsigned char)w};
    *pos += len;
    c->width += w;
    return true;
}

/* What a terminal may safely be sent: control characters, bytes that are
 * not UTF-8 and bidi overrides escaped as every presenter shows them
 * (gs_text_escape: "\x1b", "\u202e"), then '?' for characters the locale
 * cannot print. */
static void clean(const struct gs_draw *d, const char *raw, struct cleaned *c)
{
    char escaped[MAX_BYTES];
    gs_text_escape(escaped, sizeof escaped, raw, strnlen(raw, MAX_BYTES), 0);
    const char *s = escaped;
    size_t pos = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    c->n = 0;
    c->width = 0;
    c->more = false;
    while (*s) {
        unsigned char b = (unsigned char)*s;
        bool ok;
        if (b < 0x80 || !d->utf8) {
            ok = b >= 0x20 && b < 0x7f ? add_unit(c, &pos, s, 1, 1) : add_unit(c, &pos, "?", 1, 1);
            s++;
        } else {
            wchar_t wc;
            size_t len = mbrtowc(&wc, s, strlen(s) < 8 ? strlen(s) : 8, &st);
            int w = len == (size_t)-1 || len == (size_t)-2 || len == 0 ? -1 : wcwidth(wc);
            if (w < 0) {
                memset(&st, 0, sizeof st);
                ok = add_unit(c, &pos, "?", 1, 1);
                s++;
            } else {
                ok = add_unit(c, &pos, s, len, w);
                s += len;
            }
        }
        if (!ok) {
            c->more = true;
            break;
        }
    }
    c->text[pos] = '\0';
}

static const char *ellipsis(const struct gs_draw *d) { return d->utf8 ? "\xe2\x80\xa6" : "~"; }

/* Bytes of c's first units that fit in width cells (combining marks stay
 * with their character); *used gets the cells. */
static size_t head_fit(const struct cleaned *c, int width, int *used)
{
    int w = 0;
    size_t i = 0;
    while (i < c->n && w + c->u[i].w <= width) {
        w += c->u[i].w;
        i++;
    }
    *used = w;
    return i < c->n ? c->u[i].off : strlen(c->text);
}

static int fit(const struct gs_draw *d, const struct cleaned *c, int width, char *buf, size_t cap)
{
    int used = 0;
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    if (width <= 0)
        return 0;
    if (c->width <= width && !c->more) {
        snprintf(buf, cap, "%s", c->text);
        return c->width;
    }
    size_t len = head_fit(c, width - 1, &used);
    snprintf(buf, cap, "%.*s%s", (int)len, c->text, ellipsis(d));
    return used + 1;
}

int gs_text_fit(const struct gs_draw *d, const char *s, int width, char *buf, size_t cap)
{
    struct cleaned c;
    clean(d, s ? s : "", &c);
    return fit(d, &c, width, buf, cap);
}

int gs_text_width(const struct gs_draw *d, const char *s)
{
    struct cleaned c;
    clean(d, s ? s : "", &c);
    return c.width;
}

void gs_draw_fill(const struct gs_draw *d, int y, int x, int width, enum gs_role role)
{
    if (width <= 0 || y < 0 || y >= LINES)
        return;
    attrset((attr_t)d->attr[role]);
    mvhline(y, x, ' ', width);
    attrset(A_NORMAL);
}

static void put(const struct gs_draw *d, int y, int x, enum gs_role role, const char *text)
{
    attrset((attr_t)d->attr[role]);
    mvaddstr(y, x, text);
    attrset(A_NORMAL);
}

int gs_draw_text(const struct gs_draw *d, int y, int x, int width, enum gs_role role, const char *s, bool pad)
{
    char buf[MAX_BYTES + 8];
    if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + width > COLS)
        width = COLS - x;
    int used = gs_text_fit(d, s, width, buf, sizeof buf);
    if (pad && used < width)
        gs_draw_fill(d, y, x + used, width - used, role);
    put(d, y, x, role, buf);
    return pad ? width : used;
}

int gs_draw_right(const struct gs_draw *d, int y, int x, int width, enum gs_role role, const char *s)
{
    int w = gs_text_width(d, s);
    if (w >= width)
        return gs_draw_text(d, y, x, width, role, s, true);
    gs_draw_fill(d, y, x, width - w, role);
    gs_draw_text(d, y, x + width - w, w, role, s, false);
    return width;
}

int gs_draw_middle(const struct gs_draw *d, int y, int x, int width, enum gs_role role, const char *s)
{
    struct cleaned c;
    char buf[MAX_BYTES + 8];
    if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + width > COLS)
        width = COLS - x;
    clean(d, s ? s : "", &c);
    if ((c.width <= width && !c.more) || width < 8)
        return gs_draw_text(d, y, x, width, role, s, false);
    /* A third for the head, the rest for the tail (nearest the object). */
    int head_w = (width - 1) / 3, used;
    size_t head = head_fit(&c, head_w, &used);
    int tail_w = width - 1 - used, w = 0;
    size_t i = c.n;
    while (i > 0 && w + c.u[i - 1].w <= tail_w) {
        w += c.u[i - 1].w;
        i--;
    }
    while (i < c.n && c.u[i].w == 0) /* no orphan combining mark at the start */
        i++;
    const char *tail = i < c.n ? c.text + c.u[i].off : "";
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)head, c.text, ellipsis(d), tail);
    put(d, y, x, role, buf);
    return used + 1 + w;
}

/* --- colours ---------------------------------------------------------------- */

enum { CP_TITLE = 1, CP_HEADER, CP_SELECTED, CP_BAR, CP_BAR_KEY, CP_DIM, CP_ALERT, CP_PATH, CP_NUMBER };

void gs_draw_init(struct gs_draw *d, bool no_color)
{
    memset(d, 0, sizeof *d);
    d->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    /* Monochrome: reverse video marks the bars and the cursor, bold the
     * titles and keys; nothing depends on colour alone. */
    d->attr[GS_ROLE_NORMAL] = A_NORMAL;
    d->attr[GS_ROLE_TITLE] = A_REVERSE | A_BOLD;
    d->attr[GS_ROLE_HEADER] = A_BOLD | A_UNDERLINE;
    d->attr[GS_ROLE_SELECTED] = A_REVERSE;
    d->attr[GS_ROLE_BAR] = A_REVERSE;
    d->attr[GS_ROLE_BAR_KEY] = A_BOLD;
    d->attr[GS_ROLE_DIM] = A_NORMAL;
    d->attr[GS_ROLE_ALERT] = A_BOLD;
    d->attr[GS_ROLE_PATH] = A_BOLD;
    d->attr[GS_ROLE_NUMBER] = A_NORMAL;
    if (no_color || !has_colors() || start_color() == ERR || COLOR_PAIRS < 10)
        return;
    use_default_colors();
    init_pair(CP_TITLE, COLOR_WHITE, COLOR_BLUE);
    init_pair(CP_HEADER, COLOR_YELLOW, -1);
    init_pair(CP_SELECTED, COLOR_BLACK, COLOR_CYAN);
    init_pair(CP_BAR, COLOR_BLACK, COLOR_CYAN);
    init_pair(CP_BAR_KEY, COLOR_WHITE, COLOR_BLACK);
    init_pair(CP_DIM, COLOR_CYAN, -1);
    init_pair(CP_ALERT, COLOR_RED, -1);
    init_pair(CP_PATH, COLOR_GREEN, -1);
    init_pair(CP_NUMBER, COLOR_YELLOW, -1);
    d->color = true;
    d->attr[GS_ROLE_TITLE] = COLOR_PAIR(CP_TITLE) | A_BOLD;
    d->attr[GS_ROLE_HEADER] = COLOR_PAIR(CP_HEADER) | A_BOLD;
    d->attr[GS_ROLE_SELECTED] = COLOR_PAIR(CP_SELECTED);
    d->attr[GS_ROLE_BAR] = COLOR_PAIR(CP_BAR);
    d->attr[GS_ROLE_BAR_KEY] = COLOR_PAIR(CP_BAR_KEY) | A_BOLD;
    d->attr[GS_ROLE_DIM] = COLOR_PAIR(CP_DIM);
    d->attr[GS_ROLE_ALERT] = COLOR_PAIR(CP_ALERT) | A_BOLD;
    d->attr[GS_ROLE_PATH] = COLOR_PAIR(CP_PATH) | A_BOLD;
    d->attr[GS_ROLE_NUMBER] = COLOR_PAIR(CP_NUMBER);
}
