/*
 * rl.h - the console line: GNU readline in callback mode inside the curses
 * screen. Keys come from the frame's key loop (rl_getc_function reads a
 * queue the frame fills), readline never touches the terminal (no-op
 * prep/deprep, output to /dev/null), and the frame draws the line from
 * rl_line_buffer/rl_point. A typed line is split into words and run as an
 * mcpdb command from the shared command table on the job thread, its output
 * going to the console panel. History lives in $XDG_STATE_HOME/mcpdb/history;
 * Tab completes commands, subcommands, flags and names (cmd_complete +
 * ui_names).
 *
 * Functions are named rlc_ ("readline console") because readline owns the
 * rl_ prefix. Readline is one global state, so there is one console per
 * process. UI thread only.
 */
#ifndef MCPDB_RL_H
#define MCPDB_RL_H

#include <stdbool.h>

#include <curses.h>

#include "err.h"

struct ui;

/* Set readline up for ui's console and load history from path (NULL: none). */
void	rlc_setup(struct ui *, const char *history_path);
/* Undo rlc_setup (safe when it never ran). */
void	rlc_teardown(void);
/* Open / close the console line (the prompt shows while open). */
void	rlc_open(void);
void	rlc_close(void);
bool	rlc_is_open(void);
/* Queue one key from curses (a byte, or a KEY_* code). */
void	rlc_push(int ch);
/* Let readline consume the queued keys (may run a command). */
void	rlc_feed(void);
/* Empty the line being typed. */
void	rlc_clear(void);
/* Is the line being typed empty? */
bool	rlc_empty(void);
/* Draw the prompt and line in row y of win (w columns) and place the cursor. */
void	rlc_draw(WINDOW *, int y, int w);
/* Run a console line as if typed and entered (history untouched). */
void	rlc_run(struct ui *, const char *line);

/*
 * Split a console line into words, shell-like: blanks separate, '...' is
 * literal, "..." allows \" and \\, a backslash outside quotes escapes the
 * next character. NULL-terminated array; *argc gets the count. With lenient
 * an unterminated quote just ends the last word (for completion); otherwise
 * it is an error (NULL with err). Caller frees each word and the array.
 */
char	**rlc_split(const char *line, int *argc, bool lenient, struct mc_err *);

#endif
