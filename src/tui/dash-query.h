/*
 * dash-query.h - the Dashboard's session detail: the selected session's
 * whole query (the sessions list samples only its first 400 characters),
 * state, blockers and locks, read once on a job (pgsession.h), its wait
 * history from the Dashboard's own samples, and on request the plan of its
 * query (e: EXPLAIN; a: EXPLAIN ANALYZE after a confirmation, never for a
 * write), shown wrapped and scrollable; w writes the query to a file
 * (fsafe_write, mode 0600, in the state directory).
 * UI thread only, except the job it starts.
 */
#ifndef MCPDB_DASH_QUERY_H
#define MCPDB_DASH_QUERY_H

#include <stdbool.h>

#include <curses.h>

#include "snapshot.h"
#include "ui.h"

struct dash_query;

/* A closed viewer. */
struct dash_query *dash_query_new(struct ui *);
void	dash_query_free(struct dash_query *);
/*
 * Read the whole query of session pid (started at backend_start_us, 0 when
 * hidden) and open the viewer when it arrives.
 */
void	dash_query_open(struct dash_query *, int pid,
	    long long backend_start_us);
/*
 * Record every listed session's wait (or state) of a new snapshot: the
 * wait history, kept for the last 60 samples of 200 sessions. No I/O.
 */
void	dash_query_sample(struct dash_query *, const struct snap_pg *);
/* Is the viewer open (it then owns the pane's window and keys)? */
bool	dash_query_active(const struct dash_query *);
/* Draw the viewer over the whole window. */
void	dash_query_draw(struct dash_query *, WINDOW *, bool focused);
/* A key while open: Esc/q/Enter close, w writes a file, e/a explain, others scroll. */
int	dash_query_key(struct dash_query *, int ch);

#endif
