/*
 * dash-vacuum.h - the Dashboard's vacuum and wraparound view (v): what
 * `mcpdb vacuum status` shows (pgvac.c), read on a job when opened and
 * again every few seconds while it stays open (never on the UI thread; four
 * statements a read), drawn full-pane and scrollable. UI thread only,
 * except the job it starts.
 */
#ifndef MCPDB_DASH_VACUUM_H
#define MCPDB_DASH_VACUUM_H

#include <stdbool.h>

#include <curses.h>

#include "ui.h"

struct dash_vacuum;

/* A closed view. */
struct dash_vacuum *dash_vacuum_new(struct ui *);
void	dash_vacuum_free(struct dash_vacuum *);
/* Open the view and start its first read. */
void	dash_vacuum_open(struct dash_vacuum *);
/* Is the view open (it then owns the pane's window and keys)? */
bool	dash_vacuum_active(const struct dash_vacuum *);
/* On each poller snapshot: read again when open and the data is old. */
void	dash_vacuum_tick(struct dash_vacuum *);
/* Draw the view over the whole window. */
void	dash_vacuum_draw(struct dash_vacuum *, WINDOW *, bool focused);
/* A key while open: Esc/q/v close, s reads now, others scroll. */
int	dash_vacuum_key(struct dash_vacuum *, int ch);

#endif
