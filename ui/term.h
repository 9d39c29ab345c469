/* term.h: taking the terminal for the browser, and giving it back.
 *
 * gs_term_start() sets up curses (newterm: a bad TERM is an error, not an
 * exit; a terminal that cannot move the cursor is refused) in cbreak mode
 * with keypad keys, no echo, no cursor, and getch() returning ERR every
 * fraction of a second so that the caller can poll signal flags. From then
 * on the terminal is restored whatever happens (term.c says how), and
 * gs_term_stop() restores it at once. Call them once each, in that order.
 */
#ifndef GCSCOPE_UI_TERM_H
#define GCSCOPE_UI_TERM_H

#include "util/status.h"

gs_status gs_term_start(gs_error *err);
void gs_term_stop(void);

#endif
