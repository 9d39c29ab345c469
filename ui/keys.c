/* keys.c: the key table (see keys.h). Edit keys here only: the dispatch,
 * the help screen and the key bar are all read from this table, and
 * docs/browser.md's key list is checked against the help screen by
 * tests/ui/browser.py. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui/keys.h"

#define CTRL(c) ((c) & 0x1f)
#define MAX_KEYS 4

struct keydef {
    const char *section; /* starts a section of the help screen, else NULL */
    enum gs_request req;
    int keys[MAX_KEYS];  /* curses key codes, 0-terminated */
    const char *help;
    /* on the key bar: its place (0: not there), labels, and how long it
     * stays when the terminal is narrow (lower stays longer) */
    int bar_pos;
    const char *bar, *bar_short;
    int priority;
};

static const struct keydef table[] = {
    {"Moving", GS_REQ_UP, {'k', KEY_UP}, "move up", 0, NULL, NULL, 0},
    {NULL, GS_REQ_DOWN, {'j', KEY_DOWN}, "move down", 0, NULL, NULL, 0},
    {NULL, GS_REQ_PAGE_UP, {KEY_PPAGE, CTRL('b')}, "page up", 0, NULL, NULL, 0},
    {NULL, GS_REQ_PAGE_DOWN, {KEY_NPAGE, CTRL('f')}, "page down", 0, NULL, NULL, 0},
    {NULL, GS_REQ_FIRST, {'g', KEY_HOME}, "first row", 0, NULL, NULL, 0},
    {NULL, GS_REQ_LAST, {'G', KEY_END}, "last row", 0, NULL, NULL, 0},
    {"Going in and out", GS_REQ_OPEN, {'\n', '\r', KEY_ENTER}, "open the row: a type, an object, a cycle, a frame",
     0, NULL, NULL, 0},
    {NULL, GS_REQ_RIGHT, {'l', KEY_RIGHT}, "go in (dominator tree: expand)", 0, NULL, NULL, 0},
    {NULL, GS_REQ_LEFT, {'h', KEY_LEFT}, "go back (dominator tree: collapse, then up)", 0, NULL, NULL, 0},
    {NULL, GS_REQ_TOGGLE, {' '}, "expand or collapse (dominator tree)", 0, NULL, NULL, 0},
    {NULL, GS_REQ_BACK, {KEY_BACKSPACE, 127, CTRL('h'), '['}, "history back", 0, NULL, NULL, 0},
    {NULL, GS_REQ_FORWARD, {']'}, "history forward", 0, NULL, NULL, 0},
    {NULL, GS_REQ_PARENT, {'u'}, "object: one step up its path from a root", 0, NULL, NULL, 0},
    {NULL, GS_REQ_INSTANCES, {'i'}, "object: all instances of its type", 0, NULL, NULL, 0},
    {"Finding and sorting", GS_REQ_SEARCH, {'/'}, "search: type names, previews, 0x addresses", 8, "Search", "Find", 5},
    {NULL, GS_REQ_NEXT, {'n'}, "next match", 0, NULL, NULL, 0},
    {NULL, GS_REQ_PREV, {'N'}, "previous match", 0, NULL, NULL, 0},
    {NULL, GS_REQ_FILTER, {'f'}, "filter the list by typing (empty: all)", 0, NULL, NULL, 0},
    {NULL, GS_REQ_SORT, {'s'}, "sort by the next column", 9, "Sort", "Sort", 6},
    {NULL, GS_REQ_REVERSE, {'r'}, "reverse the order", 0, NULL, NULL, 0},
    {"Views", GS_REQ_VIEW_OVERVIEW, {'1'}, "overview of the capture", 1, "Overview", "Over", 3},
    {NULL, GS_REQ_VIEW_TYPES, {'2'}, "types: count, shallow and retained bytes", 2, "Types", "Types", 2},
    {NULL, GS_REQ_VIEW_CYCLES, {'3'}, "reference cycles, garbage first", 3, "Cycles", "Cycles", 2},
    {NULL, GS_REQ_VIEW_SUSPECTS, {'4'}, "leak suspects", 4, "Suspects", "Susp", 2},
    {NULL, GS_REQ_VIEW_DOMTREE, {'5'}, "dominator tree: what keeps what alive", 5, "Dominators", "Domtree", 3},
    {NULL, GS_REQ_VIEW_RESOURCES, {'6'}, "open files, sockets and descriptors", 6, "Resources", "Res", 4},
    {NULL, GS_REQ_VIEW_THREADS, {'7'}, "threads and their stacks", 7, "Threads", "Threads", 4},
    {NULL, GS_REQ_VIEW_CHANGES, {'8'}, "changes since the previous capture (after R)", 0, NULL, NULL, 0},
    {NULL, GS_REQ_VIEW_MEMORY, {'9'}, "memory: resident memory split, pymalloc arenas, allocation lines", 0, NULL,
     NULL, 0},
    {"Other", GS_REQ_RECAPTURE, {'R'}, "capture the live process again, show what changed", 10, "Recapture", "Recap",
     7},
    {NULL, GS_REQ_HELP, {'?'}, "this help", 11, "Help", "Help", 1},
    {NULL, GS_REQ_REDRAW, {CTRL('l')}, "redraw the screen", 0, NULL, NULL, 0},
    {NULL, GS_REQ_QUIT, {'q'}, "quit (Ctrl-C too)", 12, "Quit", "Quit", 1},
};

#define NTABLE (sizeof table / sizeof table[0])

enum gs_request gs_key_request(int key)
{
    for (size_t i = 0; i < NTABLE; i++)
        for (int k = 0; k < MAX_KEYS && table[i].keys[k]; k++)
            if (table[i].keys[k] == key)
                return table[i].req;
    return GS_REQ_NONE;
}

/* A key as the help screen writes it; NULL for codes that only repeat
 * another key's name (KEY_ENTER beside Enter, DEL beside Backspace). */
static const char *key_text(int key, char *buf, size_t cap)
{
    switch (key) {
    case KEY_UP: return "Up";
    case KEY_DOWN: return "Down";
    case KEY_LEFT: return "Left";
    case KEY_RIGHT: return "Right";
    case KEY_PPAGE: return "PgUp";
    case KEY_NPAGE: return "PgDn";
    case KEY_HOME: return "Home";
    case KEY_END: return "End";
    case KEY_BACKSPACE: return "Backspace";
    case '\n': return "Enter";
    case ' ': return "Space";
    case '\r':
    case KEY_ENTER:
    case 127:
    case CTRL('h'):
        return NULL;
    default:
        break;
    }
    if (key > 0 && key < 32)
        snprintf(buf, cap, "Ctrl-%c", key + '@');
    else
        snprintf(buf, cap, "%c", key);
    return buf;
}

size_t gs_keys_help_lines(void)
{
    size_t n = 0;
    for (size_t i = 0; i < NTABLE; i++)
        n += table[i].section ? 3 : 1; /* a blank line, the title, the key */
    return n - 1;                      /* no blank line before the first title */
}

void gs_keys_help_line(size_t line, char *buf, size_t cap, int *is_title)
{
    size_t n = 0;
    *is_title = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NTABLE; i++) {
        const struct keydef *k = &table[i];
        if (k->section) {
            if (i > 0 && n++ == line)
                return; /* the blank line */
            if (n++ == line) {
                *is_title = 1;
                snprintf(buf, cap, "%s", k->section);
                return;
            }
        }
        if (n++ != line)
            continue;
        char keys[64] = "", name[16];
        for (int j = 0; j < MAX_KEYS && k->keys[j]; j++) {
            const char *s = key_text(k->keys[j], name, sizeof name);
            if (!s)
                continue;
            size_t len = strlen(keys);
            snprintf(keys + len, sizeof keys - len, "%s%s", len ? " " : "", s);
        }
        snprintf(buf, cap, "  %-22s %s", keys, k->help);
        return;
    }
}

size_t gs_keys_bar(struct gs_bar_entry *out, size_t cap)
{
    size_t n = 0;
    for (int pos = 1; n < cap; pos++) {
        const struct keydef *k = NULL;
        for (size_t i = 0; i < NTABLE && !k; i++)
            if (table[i].bar_pos == pos)
                k = &table[i];
        if (!k)
            break;
        out[n].req = k->req;
        out[n].label = k->bar;
        out[n].short_label = k->bar_short;
        out[n].priority = k->priority;
        char name[16];
        const char *kn = key_text(k->keys[0], name, sizeof name);
        snprintf(out[n].key, sizeof out[n].key, "%s", kn ? kn : "?");
        n++;
    }
    return n;
}
