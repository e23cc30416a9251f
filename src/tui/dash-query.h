/*
 * dash-query.h - the Dashboard's session detail: the selected session's
 * whole query (the sessions list samples only its first 400 characters),
 * read once on a job, shown wrapped and scrollable, and written to a file
 * on request (fsafe_write, mode 0600, in the state directory).
 * UI thread only, except the job it starts.
 */
#ifndef MCPDB_DASH_QUERY_H
#define MCPDB_DASH_QUERY_H

#include <stdbool.h>

#include <curses.h>

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
/* Is the viewer open (it then owns the pane's window and keys)? */
bool	dash_query_active(const struct dash_query *);
/* Draw the viewer over the whole window. */
void	dash_query_draw(struct dash_query *, WINDOW *, bool focused);
/* A key while open: Esc/q/Enter close, w writes a file, others scroll. */
int	dash_query_key(struct dash_query *, int ch);

#endif
