/*
 * dash-locks.h - the Dashboard's lock tree (L): the blocking chains the
 * poller reads while the view is open (pg-locks.c), drawn as a tree with a
 * cursor; c / K cancel / terminate the selected session behind the
 * Dashboard's confirmation (dash-signal.c). UI thread only.
 */
#ifndef MCPDB_DASH_LOCKS_H
#define MCPDB_DASH_LOCKS_H

#include <stdbool.h>

#include <curses.h>

#include "snapshot.h"
#include "ui.h"

struct dash_locks;

/* A closed view. Caller frees. */
struct dash_locks *dash_locks_new(struct ui *);
void	dash_locks_free(struct dash_locks *);
/* Open the view: the poller starts reading the tree (and is woken). */
void	dash_locks_open(struct dash_locks *);
/* Is the view open (it then owns the pane's window and keys)? */
bool	dash_locks_active(const struct dash_locks *);
/* A new PostgreSQL part (borrowed, may be NULL): rebuild the rows. */
void	dash_locks_update(struct dash_locks *, const struct snap_pg *);
/* Draw over the whole window. */
void	dash_locks_draw(struct dash_locks *, WINDOW *, bool focused);
/* A key while open: Esc/q/L close, c/K act on the selection, others move. */
int	dash_locks_key(struct dash_locks *, int ch);

#endif
