/* progress.h: a progress line on stderr while a capture and a graph build
 * run, for a person at a terminal.
 *
 * Part of src/util/, which knows nothing of processes, Python or graphs.
 *
 * Nothing is shown for the first second (a quick run stays silent), then
 * one line, rewritten in place five times a second: "gcscope: building
 * the graph... 2.4 s". gs_progress_stop() erases it before anything else is
 * written, so it never mixes with a report, an error or the browser. Only
 * main.c starts it, and only when stderr is a terminal and the output is
 * not JSON: a pipe, a log or a script never sees it.
 *
 * The line is drawn by a thread that blocks every signal (the handlers run
 * in the main thread, which does the ptrace work) and touches nothing but
 * stderr and the stage name.
 */
#ifndef GCSCOPE_UTIL_PROGRESS_H
#define GCSCOPE_UTIL_PROGRESS_H

/* Starts the line's thread; a no-op if it cannot be started. */
void gs_progress_start(void);
/* What is being done now ("capturing process 1234"); the string must stay
 * valid until the next call or the stop. */
void gs_progress_stage(const char *what);
/* Stops the thread and erases the line if one was drawn. Idempotent. */
void gs_progress_stop(void);

#endif
