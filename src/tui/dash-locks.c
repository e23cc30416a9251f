/*
 * dash-locks.c - the Dashboard's lock tree (see dash-locks.h).
 *
 * Model: the view only asks: while it is open the poller adds the tree's
 * one statement to each refresh (poller_want_locks) and the part carries
 * the tree; this file copies the rows it shows (the part may go with the
 * next snapshot) into a struct table for draw.c, and keeps the cursor on
 * the same backend across refreshes.
 */
#include "config.h"

#include "dash-locks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "pg-locks.h"
#include "poller.h"
#include "xmem.h"
#include "dash-signal.h"
#include "draw.h"
#include "pane.h"

struct dash_locks {
	struct ui		*ui;
	bool			 open;
	struct table		*tab;
	struct pg_lock_node	*rows;	/* copies, one per table row */
	size_t			 nrows;
	int			 waiters;
	int			 statements;
	double			 took_us;
	bool			 sampled;
	char			 error[160];
	struct draw_table	 st;
	int			 sel_pid;
};

struct dash_locks *
dash_locks_new(struct ui *ui)
{
	struct dash_locks	*l = xcalloc(1, sizeof(*l));

	l->ui = ui;
	draw_table_init(&l->st);
	return (l);
}

void
dash_locks_free(struct dash_locks *l)
{
	if (l == NULL)
		return;
	if (l->open && ui_poller(l->ui) != NULL)
		poller_want_locks(ui_poller(l->ui), false);
	table_free(l->tab);
	free(l->rows);
	free(l);
}

void
dash_locks_open(struct dash_locks *l)
{
	struct poller	*p = ui_poller(l->ui);

	l->open = true;
	l->sampled = false;
	l->st.cursor = 0;
	l->st.top = 0;
	if (p != NULL) {
		poller_want_locks(p, true);
		poller_wake(p);
	}
}

bool
dash_locks_active(const struct dash_locks *l)
{
	return (l != NULL && l->open);
}

/* Close the view: the poller stops reading the tree. */
static void
dash_locks_close(struct dash_locks *l)
{
	l->open = false;
	if (ui_poller(l->ui) != NULL)
		poller_want_locks(ui_poller(l->ui), false);
}

/* The PID cell: indentation and a branch by depth. */
static void
dash_locks_pid(const struct pg_lock_node *x, char *buf, size_t len)
{
	size_t	n = 0;
	int	d;

	buf[0] = '\0';
	for (d = 1; d < x->depth && d < 16 && n + 4 < len; d++) {
		memcpy(buf + n, "   ", 3);
		n += 3;
		buf[n] = '\0';
	}
	snprintf(buf + n, len - n, "%s%d", x->depth > 0 ?
	    (draw_is_ascii() ? "`- " : "\u2514\u2500 ") : "", x->pid);
}

void
dash_locks_update(struct dash_locks *l, const struct snap_pg *pg)
{
	const struct pg_locks	*t;
	size_t			 i;

	if (!l->open || pg == NULL || !pg->locks_sampled)
		return;
	t = pg->locks;
	l->sampled = true;
	l->statements = pg->statements;
	l->took_us = (double)pg->took_us;
	snprintf(l->error, sizeof(l->error), "%s", pg->locks_error);
	table_free(l->tab);
	free(l->rows);
	l->nrows = pg_locks_count(t);
	l->waiters = pg_locks_waiters(t);
	l->rows = xcalloc(l->nrows + 1, sizeof(*l->rows));
	l->tab = table_new(NULL, 9, "PID", "USER", "APPLICATION", "STATE",
	    "LOCK", "RELATION", "WAITING", "XACT", "QUERY");
	for (i = 0; i < l->nrows; i++) {
		const struct pg_lock_node	*x = pg_locks_at(t, i);
		char				 pid[80], lock[80], w[24], xa[24];

		l->rows[i] = *x;
		dash_locks_pid(x, pid, sizeof(pid));
		if (x->mode[0] != '\0')
			snprintf(lock, sizeof(lock), "%s (%s)", x->mode,
			    x->locktype);
		else
			snprintf(lock, sizeof(lock), "-");
		table_add(l->tab, pid, x->user[0] ? x->user : "-",
		    x->app[0] ? x->app : "-", x->state[0] ? x->state : "-",
		    lock, x->relation[0] ? x->relation : "-",
		    pg_locks_fmt_dur(x->wait_s, w, sizeof(w)),
		    pg_locks_fmt_dur(x->xact_s, xa, sizeof(xa)), x->query);
	}
	/* the cursor stays on the backend it was on */
	for (i = 0; i < l->nrows; i++)
		if (l->rows[i].pid == l->sel_pid) {
			l->st.cursor = i;
			break;
		}
}

void
dash_locks_draw(struct dash_locks *l, WINDOW *win, bool focused)
{
	int	h = getmaxy(win), w = getmaxx(win), y = 1;
	char	right[128], b[32];

	snprintf(right, sizeof(right), "%d statements in %s per refresh  "
	    "c cancel  K terminate  Esc closes", l->statements,
	    draw_fmt_latency(b, sizeof(b), l->took_us));
	draw_title(win, 0, 0, w, "Lock tree", l->sampled ? right :
	    "Esc closes");
	if (!l->sampled) {
		draw_text(win, y, 0, w, draw_attr(DR_DIM), 0,
		    "reading the lock tree...");
		return;
	}
	if (l->error[0] != '\0') {
		draw_textf(win, y, 0, w, draw_attr(DR_BAD), 0,
		    "lock tree unavailable: %s", l->error);
		return;
	}
	if (l->waiters == 0) {
		draw_text(win, y, 0, w, draw_attr(DR_OK), 0,
		    "no session waits on a lock");
		return;
	}
	draw_textf(win, y++, 0, w, draw_attr(DR_WARN), 0,
	    "%d session%s waiting on a lock; the root of each tree holds what "
	    "the others queue for", l->waiters, l->waiters == 1 ? "" : "s");
	draw_table(win, y, 0, h - y, w, l->tab, &l->st, focused);
}

int
dash_locks_key(struct dash_locks *l, int ch)
{
	const struct pg_lock_node	*x;
	struct dash_signal_who		 who;
	char				 dur[24];
	int				 r;

	switch (ch) {
	case 27: case 'q': case 'L':
		dash_locks_close(l);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'c': case 'K':
		if (l->nrows == 0 || l->st.cursor >= l->nrows) {
			ui_message(l->ui, true, "no session selected");
			return (PANE_HANDLED | PANE_REDRAW);
		}
		x = &l->rows[l->st.cursor];
		who.pid = x->pid;
		who.backend_start_us = x->backend_start_us;
		who.user = x->user;
		who.app = x->app;
		who.state = x->state[0] ? x->state : "state hidden";
		who.dur = pg_locks_fmt_dur(x->waiting ? x->wait_s : x->xact_s,
		    dur, sizeof(dur));
		who.query = x->query;
		dash_signal_ask(l->ui, &who, ch == 'K');
		return (PANE_HANDLED | PANE_REDRAW);
	default:
		break;
	}
	if (l->tab == NULL)
		return (PANE_HANDLED);
	r = draw_table_key(&l->st, l->tab, ch);
	if (r != PANE_UNHANDLED && l->st.cursor < l->nrows)
		l->sel_pid = l->rows[l->st.cursor].pid;
	return (r);
}
