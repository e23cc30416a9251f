/*
 * dash-view.h - a full-pane view of the Dashboard fed by its own reading:
 * opened by a key, read on a job when opened and again every refresh_ms
 * while it stays open (never on the UI thread), the last reading kept on
 * screen with its age while the next one is read, drawn as a scrollable
 * text. What is read and how it is shown come from the ops: the vacuum
 * view (v) and the I/O and WAL view (w) of the Dashboard, the keyspace view
 * (k) of the Redis pane. UI thread only, except the job.
 */
#ifndef MCPDB_DASH_VIEW_H
#define MCPDB_DASH_VIEW_H

#include <signal.h>
#include <stdbool.h>

#include <curses.h>
#include <libpq-fe.h>

#include "conn.h"
#include "err.h"
#include "ui.h"
#include "textview.h"

/* What a view reads and shows. */
struct dash_view_ops {
	const char	*title;
	const char	*prefs_key;	/* its sort in the saved choices (prefs.h) */
	int		 refresh_ms;
	/* Job thread: one reading from a borrowed idle PGconn (NULL: read_conn), or NULL with err. */
	void		*(*read)(PGconn *, struct mc_err *);
	/* Job thread: one reading through the connection manager (Redis views). */
	void		*(*read_conn)(struct conn *, volatile sig_atomic_t *stop, struct mc_err *);
	/*
	 * UI thread: the text of reading cur (prev: the one before, for
	 * rates, or NULL) into tv; returns a word for the title ("ok").
	 */
	const char	*(*fill)(struct textview *tv, const void *cur, const void *prev);
	void		 (*free)(void *);
};

struct dash_view;

/* A closed view. */
struct dash_view *dash_view_new(struct ui *, const struct dash_view_ops *);
void	dash_view_free(struct dash_view *);
/* Open the view and start its first read. */
void	dash_view_open(struct dash_view *);
/* Is the view open (it then owns the pane's window and keys)? */
bool	dash_view_active(const struct dash_view *);
/* On each poller snapshot: read again when open and the data is old. */
void	dash_view_tick(struct dash_view *);
/* Draw the view over the whole window. */
void	dash_view_draw(struct dash_view *, WINDOW *, bool focused);
/*
 * A key while open: Esc/q (or its opening key) close, s reads now, < and >
 * sort the tables by the previous / next of all their columns, S
 * reverses (the sort is saved), others scroll.
 */
int	dash_view_key(struct dash_view *, int ch, int open_key);

/* The views. */
extern const struct dash_view_ops dash_vacuum_ops;	/* dash-vacuum.c */
extern const struct dash_view_ops dash_io_ops;		/* dash-io.c */
extern const struct dash_view_ops dash_keyspace_ops;	/* dash-keyspace.c */
extern const struct dash_view_ops dash_stmt_ops;	/* dash-stmt.c */

#endif
