/*
 * pane-dash.c - the Dashboard pane (PostgreSQL): mcpdb's own pools beside
 * what the server sees for the same application_name, the server's
 * connections, throughput, cache, deadlocks, temp files, long transactions,
 * blocking, replication (dash-repl.c), and a sortable, filterable
 * sessions list from which a backend can be cancelled or terminated behind
 * a confirmation.
 *
 * Model (htop Meter): the poller computed every number; this file only
 * keeps a reference to the newest snapshot, turns its sessions into a
 * struct table (sorted and filtered here, so a key never waits for the
 * network) and draws with draw.c. Cancel and terminate run as jobs on the
 * UI's job thread with the console's connections. UI thread only.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "conn.h"
#include "metrics.h"
#include "out.h"
#include "pgq.h"
#include "pool.h"
#include "snapshot.h"
#include "xmem.h"
#include "draw.h"
#include "dash-pgb.h"
#include "dash-repl.h"
#include "pane.h"
#include "ui.h"
#include "clk.h"
#include "dash-query.h"
#include "dash-view.h"
#include "dash-signal.h"
#include "dash-locks.h"
#include "prefs.h"

/* Plain text attributes as the int draw.c takes. */
#define DASH_PLAIN	((int)A_NORMAL)

/* Columns of the sessions table. */
enum {
	DC_PID, DC_USER, DC_APP, DC_CLIENT, DC_STATE, DC_WAIT, DC_DURATION,
	    DC_QUERY, DC__COUNT
};

static const char *const dash_cols[DC__COUNT] = {
	"PID", "USER", "APPLICATION", "CLIENT", "STATE", "WAIT", "DURATION",
	    "QUERY",
};

/*
 * The list sorts by any column (dash_sort_t is a DC_ column). `s` goes
 * through them in this order (duration first), `<` `>` left and right.
 */
typedef int	dash_sort_t;
static const int dash_sort_cycle[DC__COUNT] = {
	DC_DURATION, DC_PID, DC_USER, DC_APP, DC_CLIENT, DC_STATE, DC_WAIT,
	    DC_QUERY,
};

static const char *const dash_sort_name[DC__COUNT] = {
	"pid", "user", "application", "client", "state", "wait event",
	    "duration", "query",
};

/* The key of the sessions sort in the saved choices (prefs.h). */
#define DASH_PREFS_VIEW	"sessions"

struct pane_dash {
	struct ui		*ui;
	/* our reference to what we draw */
	struct snapshot		*snap;
	/* sessions after filter and sort */
	struct table		*tab;
	/* the session of each table row */
	const struct snap_session **rows;
	size_t			 nrows;
	/* idle rows left out (i shows them) */
	size_t			 nidle_hidden;
	struct draw_table	 st;
	/* the cursor follows this backend */
	int			 sel_pid;
	dash_sort_t		 sort;		/* a DC_ column */
	bool			 desc;
	bool			 show_idle;
	char			 filter[128];
	bool			 editing;	/* typing a filter after '/' */
	char			 edit[128];
	size_t			 elen;
	struct dash_query	*query;	/* Enter: the whole query */
	struct dash_view	*vacuum;	/* v: vacuum and wraparound */
	struct dash_view	*io;		/* w: I/O and WAL */
	struct dash_view	*stmt;		/* t: top queries */
	struct dash_locks	*locks;	/* L: the lock tree */
};

static const char *const pane_dash_keys[] = {
	"Up/Down j/k  move the cursor in the sessions list",
	"PgUp/PgDn    page; Home/End first/last; Left/Right scroll sideways",
	"s / S        sort by the next column / reverse the order (saved)",
	"< / >        sort by the column to the left / right (the header marks it)",
	"/            filter sessions (words match any column; Enter keeps, Esc clears)",
	"i            show / hide idle sessions",
	"c            cancel the selected backend's query (asks first)",
	"K            terminate the selected backend (asks first)",
	"Enter        the selected session: whole query, locks, wait history;",
	"             there e EXPLAIN, a EXPLAIN ANALYZE (asks), w query to a file",
	"v            vacuum and wraparound: xid ages, running vacuums, dead rows",
	"w            I/O and WAL: checkpoints, buffer writes, WAL/s, temp files, table writes/s",
	"t            top queries (pg_stat_statements): time, calls, rows, blocks per interval",
	"L            the lock tree: blocking chains; c/K there cancel/terminate",
	"< > S        in v, w, t: sort their tables by any column / reverse (saved)",
	"e            export every pane's data as JSON (path shown)",
	NULL,
};

/* The duration shown for a session: query time when active, transaction age in a transaction, else time in state. */
static double
dash_duration(const struct snap_session *s)
{
	if (strcmp(s->state, "active") == 0)
		return (s->query_s);
	if (strncmp(s->state, "idle in transaction", 19) == 0)
		return (s->xact_s);
	return (s->state_s);
}

/* Compact duration for the table: 0.3s, 12s, 14m05s, 2h03m, 3d04h. */
static char *
dash_fmt_dur(double s, char *buf, size_t len)
{
	long long	t;

	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 10)
		snprintf(buf, len, "%.1fs", s);
	else if ((t = (long long)s) < 60)
		snprintf(buf, len, "%llds", t);
	else if (t < 3600)
		snprintf(buf, len, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
	return (buf);
}

/* The wait column: "Lock:relation" or "". */
static void
dash_wait(const struct snap_session *s, char *buf, size_t len)
{
	if (s->wait_type[0] == '\0')
		buf[0] = '\0';
	else
		snprintf(buf, len, "%s:%s", s->wait_type, s->wait_event);
}

/* Case-insensitive: does every word of filter occur in one of s's columns? */
static bool
dash_match(const struct snap_session *s, const char *filter)
{
	char		 word[128], hay[768], wait[96];
	const char	*p = filter;
	size_t		 n;

	dash_wait(s, wait, sizeof(wait));
	snprintf(hay, sizeof(hay), "%d %s %s %s %s %s %s %s", s->pid, s->user,
	    s->app,
	    s->client, s->hidden ? "hidden" : s->state, wait, s->backend_type,
	    s->query);
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return (true);
		for (n = 0; p[n] != '\0' && p[n] != ' ' && n < sizeof(word) - 1; n++)
			word[n] = p[n];
		word[n] = '\0';
		p += n;
		if (strcasestr(hay, word) == NULL)
			return (false);
	}
}

/* The sort in effect for qsort (one pane, UI thread only). */
static dash_sort_t	dash_qsort_by;
static bool		dash_qsort_desc;

/* Compare two sessions for the current sort. */
static int
dash_cmp(const void *a, const void *b)
{
	const struct snap_session	*x = *(const struct snap_session *const *)a;
	const struct snap_session	*y = *(const struct snap_session *const *)b;
	char				 wx[96], wy[96];
	double				 dx, dy;
	int				 r = 0;

	switch (dash_qsort_by) {
	case DC_DURATION:
		dx = dash_duration(x);
		dy = dash_duration(y);
		r = dx < dy ? -1 : dx > dy ? 1 : 0;
		break;
	case DC_PID:
		r = x->pid < y->pid ? -1 : x->pid > y->pid;
		break;
	case DC_USER:
		r = strcmp(x->user, y->user);
		break;
	case DC_APP:
		r = strcmp(x->app, y->app);
		break;
	case DC_CLIENT:
		r = strcmp(x->client, y->client);
		break;
	case DC_STATE:
		r = strcmp(x->state, y->state);
		break;
	case DC_WAIT:
		dash_wait(x, wx, sizeof(wx));
		dash_wait(y, wy, sizeof(wy));
		r = strcmp(wx, wy);
		break;
	case DC_QUERY:
		r = strcmp(x->query, y->query);
		break;
	default:
		break;
	}
	if (r == 0)
		r = x->pid < y->pid ? -1 : x->pid > y->pid;
	return (dash_qsort_desc ? -r : r);
}

/* Rebuild the sessions table from the snapshot, the filter and the sort. */
static void
dash_rebuild(struct pane_dash *d)
{
	const struct snap_pg	*pg = d->snap ? snapshot_pg(d->snap) : NULL;
	size_t			 i, n = 0;
	char			 pid[16], dur[32], wait[96];
	const char		*row[DC__COUNT];

	table_free(d->tab);
	d->tab = table_new_cols(NULL, DC__COUNT, dash_cols);
	free(d->rows);
	d->rows = NULL;
	d->nrows = 0;
	d->nidle_hidden = 0;
	if (pg == NULL)
		return;
	d->rows = xcalloc(pg->nsessions ? pg->nsessions : 1, sizeof(*d->rows));
	for (i = 0; i < pg->nsessions; i++) {
		const struct snap_session	*s = &pg->sessions[i];

		if (!d->show_idle && strcmp(s->state, "idle") == 0) {
			d->nidle_hidden++;
			continue;
		}
		if (d->filter[0] && !dash_match(s, d->filter))
			continue;
		d->rows[n++] = s;
	}
	dash_qsort_by = d->sort;
	dash_qsort_desc = d->desc;
	qsort(d->rows, n, sizeof(*d->rows), dash_cmp);
	d->nrows = n;
	for (i = 0; i < n; i++) {
		const struct snap_session	*s = d->rows[i];

		snprintf(pid, sizeof(pid), "%d", s->pid);
		dash_wait(s, wait, sizeof(wait));
		row[DC_PID] = pid;
		row[DC_USER] = s->user;
		row[DC_APP] = s->app;
		row[DC_CLIENT] = s->client;
		row[DC_STATE] = s->hidden ? "(hidden)" : s->state[0] ? s->state :
		    s->backend_type;
		row[DC_WAIT] = s->nblockers > 0 ? "Lock:blocked" : wait;
		row[DC_DURATION] = dash_fmt_dur(dash_duration(s), dur,
		    sizeof(dur));
		row[DC_QUERY] = s->query;
		table_add_row(d->tab, row);
		if (s->pid == d->sel_pid)
			d->st.cursor = i;
	}
	d->st.sort_col = d->sort;
	d->st.sort_desc = d->desc;
}

/* The saved sort of the list, if any (an unknown column is ignored). */
static void
dash_sort_load(struct pane_dash *d)
{
	const char	*col;
	bool		 desc;
	int		 c;

	if (ui_prefs(d->ui) == NULL ||
	    !prefs_sort(ui_prefs(d->ui), DASH_PREFS_VIEW, &col, &desc))
		return;
	for (c = 0; c < DC__COUNT; c++)
		if (strcasecmp(dash_cols[c], col) == 0) {
			d->sort = c;
			d->desc = desc;
		}
}

/* A new sort: rebuild the list, save the choice. */
static int
dash_sort_set(struct pane_dash *d, int col, bool desc)
{
	d->sort = col;
	d->desc = desc;
	dash_rebuild(d);
	if (ui_prefs(d->ui) != NULL) {
		prefs_set_sort(ui_prefs(d->ui), DASH_PREFS_VIEW, dash_cols[col], desc);
		ui_prefs_changed(d->ui);
	}
	return (PANE_HANDLED | PANE_REDRAW);
}

/* s: the next column of dash_sort_cycle (duration longest first, others ascending). */
static int
dash_sort_next(struct pane_dash *d)
{
	int	i;

	for (i = 0; i < DC__COUNT && dash_sort_cycle[i] != d->sort; i++)
		;
	i = dash_sort_cycle[(i + 1) % DC__COUNT];
	return (dash_sort_set(d, i, i == DC_DURATION));
}

/* Make the pane's state. */
static void *
pane_dash_init(struct ui *ui, struct mc_err *err)
{
	struct pane_dash	*d = xcalloc(1, sizeof(*d));

	(void)err;
	d->ui = ui;
	d->sort = DC_DURATION;
	d->desc = true;
	dash_sort_load(d);
	draw_table_init(&d->st);
	d->st.maxw = 24;
	d->query = dash_query_new(ui);
	d->vacuum = dash_view_new(ui, &dash_vacuum_ops);
	d->io = dash_view_new(ui, &dash_io_ops);
	d->stmt = dash_view_new(ui, &dash_stmt_ops);
	d->locks = dash_locks_new(ui);
	dash_rebuild(d);
	return (d);
}

/* Free the state. */
static void
pane_dash_free(void *arg)
{
	struct pane_dash	*d = arg;

	if (d == NULL)
		return;
	table_free(d->tab);
	free(d->rows);
	snapshot_free(d->snap);
	dash_query_free(d->query);
	dash_view_free(d->vacuum);
	dash_view_free(d->io);
	dash_view_free(d->stmt);
	dash_locks_free(d->locks);
	free(d);
}

/* Keep a reference to the newest snapshot and rebuild the list. */
static void
pane_dash_update(void *arg, const struct snapshot *s)
{
	struct pane_dash	*d = arg;

	if (d->nrows > 0 && d->st.cursor < d->nrows)
		d->sel_pid = d->rows[d->st.cursor]->pid;
	snapshot_free(d->snap);
	d->snap = snapshot_ref((struct snapshot *)s);
	dash_locks_update(d->locks, d->snap ? snapshot_pg(d->snap) : NULL);
	dash_query_sample(d->query, d->snap ? snapshot_pg(d->snap) : NULL);
	dash_rebuild(d);
	dash_view_tick(d->vacuum);
	dash_view_tick(d->io);
	dash_view_tick(d->stmt);
}

/* The server-side row for application_name name, or NULL. */
static const struct snap_app *
dash_app(const struct snap_pg *pg, const char *name)
{
	int	i;

	for (i = 0; pg != NULL && i < pg->napps; i++)
		if (strcmp(pg->apps[i].app, name) == 0)
			return (&pg->apps[i]);
	return (NULL);
}

/* One pool: a gauge with the server's view beside it, then its latencies. */
static int
dash_draw_pool(struct pane_dash *d, WINDOW *win, int y,
    const struct snap_pool *p,
    const struct snap_pg *pg, bool twoline)
{
	const struct snap_app	*a = dash_app(pg, p->name);
	const struct pool_stats	*st = &p->st;
	struct draw_seg		 seg[3];
	double			 v[METRICS_SERIES_LEN];
	char			 text[64], l1[32], l2[32], l3[32];
	int			 w = getmaxx(win), gw, x, i;

	(void)d;
	/*
	 * The bar is the load: connections in use (and being opened). Idle
	 * ones are spare capacity, in the text only; otherwise a pool of one
	 * (the monitor's) would always draw a full bar.
	 */
	seg[0].value = st->active;
	seg[0].role = DR_BAR1;
	seg[1].value = st->connecting;
	seg[1].role = DR_BAR3;
	snprintf(text, sizeof(text), "%d act %d idle/%d", st->active, st->idle,
	    st->max);
	gw = w / 2 < 44 ? w / 2 : 44;
	draw_gauge(win, y, 0, gw, p->role, 9, seg, 2, st->max, text);
	x = gw + 1;
	draw_putf(win, y, &x, st->waiting > 0 ? draw_attr(DR_WARN) : DASH_PLAIN,
	    "wait %d", st->waiting);
	draw_putf(win, y, &x, draw_attr(DR_DIM), "  %s", p->name);
	if (pg == NULL)
		draw_putf(win, y, &x, draw_attr(DR_DIM), "  server: ?");
	else if (pg->degraded)
		draw_putf(win, y, &x, draw_attr(DR_DIM), "  server: n/a");
	else if (a == NULL)
		draw_putf(win, y, &x, DASH_PLAIN, "  server: 0 conns");
	else
		draw_putf(win, y, &x,
		    a->conns != st->total ? draw_attr(DR_WARN) : DASH_PLAIN,
		    "  server: %d conn%s (%d act %d idle%s)", a->conns,
		    a->conns == 1 ? "" : "s", a->active, a->idle,
		    a->idle_in_xact ? ", in xact" : "");
	if (!twoline)
		return (1);
	x = 2;
	draw_putf(win, y + 1, &x, draw_attr(DR_DIM), "acquire ");
	if (st->acquire.count == 0)
		draw_putf(win, y + 1, &x, draw_attr(DR_DIM),
		    "(no acquires yet)");
	else
		draw_putf(win, y + 1, &x, DASH_PLAIN, "p50 %s p95 %s p99 %s",
		    draw_fmt_latency(l1, sizeof(l1), st->acquire.p50_us),
		    draw_fmt_latency(l2, sizeof(l2), st->acquire.p95_us),
		    draw_fmt_latency(l3, sizeof(l3), st->acquire.p99_us));
	x++;
	for (i = 0; i < p->acquire_p99_ms.n; i++)
		v[i] = p->acquire_p99_ms.v[i] < 0 ? (double)NAN : p->acquire_p99_ms.v[i];
	if (x + 20 < w) {
		draw_spark(win, y + 1, x, 16, v, (size_t)p->acquire_p99_ms.n, 0,
		    0, DR_BAR1);
		x += 17;
	}
	draw_putf(win, y + 1, &x, st->timeouts ? draw_attr(DR_WARN) : DASH_PLAIN,
	    " timeouts %llu", (unsigned long long)st->timeouts);
	draw_putf(win, y + 1, &x,
	    st->connect_failures ? draw_attr(DR_WARN) : DASH_PLAIN,
	    " errors %llu",
	    (unsigned long long)(st->connect_failures + st->closed_broken));
	draw_putf(win, y + 1, &x, st->leaks ? draw_attr(DR_WARN) : DASH_PLAIN,
	    " leaks %llu", (unsigned long long)st->leaks);
	draw_putf(win, y + 1, &x, st->breaker == BREAKER_CLOSED ? DASH_PLAIN :
	    draw_attr(DR_BAD), " breaker %s", breaker_state_name(st->breaker));
	return (2);
}

/* Other mcpdb/... applications the server sees that are not our pools. */
static int
dash_draw_other_apps(WINDOW *win, int y, const struct snap_pg *pg,
    const struct snap_pool *pools, size_t npools)
{
	int	i, x = 0, n = 0;
	size_t	k;

	for (i = 0; pg != NULL && i < pg->napps; i++) {
		for (k = 0; k < npools; k++)
			if (strcmp(pools[k].name, pg->apps[i].app) == 0)
				break;
		if (k < npools)
			continue;
		if (n++ == 0)
			draw_putf(win, y, &x, draw_attr(DR_DIM),
			    "other mcpdb sessions: ");
		draw_putf(win, y, &x, DASH_PLAIN, "%s %d (%d act) ",
		    pg->apps[i].app,
		    pg->apps[i].conns, pg->apps[i].active);
	}
	return (n > 0 ? 1 : 0);
}

/* The blocked sessions line(s): waiter <- blocker with the blocker's state. */
static int
dash_draw_blocking(WINDOW *win, int y, int maxlines, const struct snap_pg *pg)
{
	size_t	i, j;
	int	lines = 0, x;
	char	dur[32], age[32], clk[16];

	for (i = 0; i < pg->nsessions && lines < maxlines; i++) {
		const struct snap_session	*s = &pg->sessions[i];
		const struct snap_session	*b = NULL;

		if (s->nblockers == 0)
			continue;
		for (j = 0; j < pg->nsessions; j++)
			if (pg->sessions[j].pid == s->blockers[0])
				b = &pg->sessions[j];
		x = 0;
		if (lines == 0)
			draw_putf(win, y, &x, draw_attr(DR_BAD), "blocked ");
		else
			x = 8;
		draw_putf(win, y + lines, &x, DASH_PLAIN,
		    "%d (%s, waiting %s) <- %d",
		    s->pid, s->app[0] ? s->app : s->user,
		    draw_fmt_age(dur, sizeof(dur), s->state_s), s->blockers[0]);
		if (s->nblockers > 1)
			draw_putf(win, y + lines, &x, DASH_PLAIN, " +%d",
			    s->nblockers - 1);
		if (b != NULL)
			draw_putf(win, y + lines, &x, draw_attr(DR_WARN),
			    " (%s, %s, xact %s: %s)",
			    b->app[0] ? b->app : b->user, b->state,
			    draw_fmt_age(age, sizeof(age), b->xact_s), b->query);
		else if (s->blockers[0] == 0)
			draw_putf(win, y + lines, &x, draw_attr(DR_WARN),
			    " (a prepared transaction)");
		lines++;
	}
	if (lines == 0 && pg->lock_waiters > 0) {
		x = 0;
		draw_putf(win, y, &x, draw_attr(DR_WARN), "%d waiting on locks",
		    pg->lock_waiters);
		draw_putf(win, y, &x, draw_attr(DR_DIM),
		    pg->blocking_checked_wall_us ?
		    " (blockers checked at %s, every 5 s)" : " (checking blockers...)",
		    draw_fmt_clock(clk, sizeof(clk), pg->blocking_checked_wall_us));
		lines = 1;
	}
	return (lines);
}

/* The server section; returns the rows used. */
static int
dash_draw_server(struct pane_dash *d, WINDOW *win, int y, int maxrows,
    const struct snap_pg *pg, bool stale)
{
	struct draw_seg	 seg[4];
	double		 v[METRICS_SERIES_LEN];
	char		 text[96], a[32], b[32], c[32];
	int		 w = getmaxx(win), x, r = 0, i, usable, in_use,
	    dim = stale ? draw_attr(DR_DIM) : DASH_PLAIN;
	bool		 full;

	(void)d;
	seg[0].value = pg->active;
	seg[0].role = DR_BAR1;
	seg[1].value = pg->idle_in_xact + pg->idle_in_xact_aborted;
	seg[1].role = DR_WARN;
	seg[2].value = pg->idle;
	seg[2].role = DR_BAR2;
	seg[3].value = pg->hidden + (pg->clients - pg->active - pg->idle -
	    pg->idle_in_xact - pg->idle_in_xact_aborted > 0 ? pg->clients - pg->active -
	    pg->idle - pg->idle_in_xact - pg->idle_in_xact_aborted : 0);
	seg[3].role = DR_BAR3;
	usable = metrics_pg_conn_usable(pg->max_connections, pg->reserved);
	in_use = pg->clients + pg->hidden;
	full = metrics_pg_conn_saturated(in_use, usable);
	snprintf(text, sizeof(text), "%d/%d", in_use, usable);
	draw_gauge(win, y, 0, w < 70 ? w : w / 2, "conns", 9, seg, 4,
	    usable, text);
	x = (w < 70 ? w : w / 2) + 1;
	if (full) {
		/* The label in the warning colour, and a word for monochrome. */
		x = 0;
		draw_putf(win, y, &x, draw_attr(DR_WARN), "conns");
		x = (w < 70 ? w : w / 2) + 1;
		if (w >= 70)
			draw_putf(win, y, &x, draw_attr(DR_WARN), "NEAR LIMIT "
			    ">=%d%%  ", METRICS_PG_CONN_WARN_PCT);
	}
	if (w >= 70)
		draw_putf(win, y, &x, dim,
		    "active %d  idle %d  idle in xact %d%s  %s%d",
		    pg->active, pg->idle,
		    pg->idle_in_xact + pg->idle_in_xact_aborted,
		    pg->idle_in_xact_aborted ? " (aborted)" : "",
		    pg->hidden ? "hidden " : "max_connections ",
		    pg->hidden ? pg->hidden :
		    pg->max_connections);
	r++;
	if (r >= maxrows)
		return (r);
	x = 0;
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "tps ");
	draw_putf(win, y + r, &x, dim, "%-7s", metrics_fmt_rate(pg->rates.tps, a,
	    sizeof(a)));
	for (i = 0; i < pg->tps.n; i++)
		v[i] = pg->tps.v[i] < 0 ? (double)NAN : pg->tps.v[i];
	draw_spark(win, y + r, x, 20, v, (size_t)pg->tps.n, 0, 0, DR_BAR1);
	x += 21;
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "rollback ");
	draw_putf(win, y + r, &x,
	    pg->rates.rollback_ratio > 0.05 ? draw_attr(DR_WARN) : dim,
	    "%s", metrics_fmt_pct(pg->rates.rollback_ratio, a, sizeof(a)));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  cache hit ");
	draw_putf(win, y + r, &x,
	    pg->rates.hit_ratio >= 0 && pg->rates.hit_ratio < 0.9 ?
	    draw_attr(DR_WARN) : dim, "%s", metrics_fmt_pct(pg->rates.hit_ratio,
	    a, sizeof(a)));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  deadlocks ");
	draw_putf(win, y + r, &x,
	    pg->rates.deadlocks_window > 0 ? draw_attr(DR_BAD) : dim,
	    "%s", metrics_fmt_count(pg->counters.deadlocks, a, sizeof(a)));
	if (pg->rates.deadlocks_window > 0)
		draw_putf(win, y + r, &x, draw_attr(DR_BAD), " (+%lld)",
		    (long long)pg->rates.deadlocks_window);
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  temp ");
	draw_putf(win, y + r, &x, dim, "%s (%s/s)",
	    draw_fmt_bytes(b, sizeof(b), (double)pg->counters.temp_bytes),
	    pg->rates.temp_bytes_per_s < 0 ? "-" :
	    draw_fmt_bytes(c, sizeof(c), pg->rates.temp_bytes_per_s));
	r++;
	if (r >= maxrows)
		return (r);
	x = 0;
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "longest xact ");
	draw_putf(win, y + r, &x,
	    pg->oldest_xact_s > 300 ? draw_attr(DR_WARN) : dim, "%s",
	    draw_fmt_age(a, sizeof(a), pg->oldest_xact_s));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  longest query ");
	draw_putf(win, y + r, &x,
	    pg->longest_query_s > 60 ? draw_attr(DR_WARN) : dim, "%s",
	    draw_fmt_age(b, sizeof(b), pg->longest_query_s));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  idle in xact ");
	draw_putf(win, y + r, &x,
	    pg->longest_idle_xact_s > 60 ? draw_attr(DR_WARN) : dim,
	    "%s", draw_fmt_age(c, sizeof(c), pg->longest_idle_xact_s));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  lock waiters ");
	draw_putf(win, y + r, &x, pg->lock_waiters ? draw_attr(DR_WARN) : dim,
	    "%d",
	    pg->lock_waiters);
	r++;
	if (r < maxrows)
		r += dash_draw_blocking(win, y + r,
		    maxrows - r > 2 ? 2 : maxrows - r, pg);
	if (r < maxrows && (!pg->pg_monitor || pg->degraded)) {
		x = 0;
		if (pg->degraded)
			draw_putf(win, y + r, &x, draw_attr(DR_WARN), "%s",
			    pg->degraded_why);
		else
			draw_putf(win, y + r, &x, draw_attr(DR_WARN),
			    "limited view: this role "
			    "lacks pg_monitor, so %d session%s of other roles show no state or "
			    "query%s", pg->hidden, pg->hidden == 1 ? "" : "s",
			    pg->pg_signal ? "" : "; cancel/terminate of others not allowed");
		r++;
	}
	return (r);
}

/* The sessions list, its title and the selected session's detail. */
static void
dash_draw_sessions(struct pane_dash *d, WINDOW *win, int y, int h, bool focused,
    const struct snap_pg *pg)
{
	char				 right[160], a[32], b[32], c[32];
	int				 w = getmaxx(win), x, th;
	const struct snap_session	*s;

	if (h < 3)
		return;
	snprintf(right, sizeof(right), "%zu shown%s%s  sort %s %s%s", d->nrows,
	    d->nidle_hidden ? ", idle hidden (i): " : "",
	    d->nidle_hidden ? draw_fmt_count(a, sizeof(a),
	    (long long)d->nidle_hidden) : "",
	    dash_sort_name[d->sort], d->desc ? "desc" : "asc",
	    pg && pg->sessions_total > pg->nsessions ? "  (first 500)" : "");
	draw_title(win, y, 0, w, "Sessions", right);
	th = h - 1 - (h >= 8 ? 2 : 0) - (d->editing || d->filter[0] ? 1 : 0);
	draw_table(win, y + 1, 0, th, w, d->tab, &d->st, focused);
	x = 0;
	if (d->editing || d->filter[0]) {
		if (d->editing)
			draw_putf(win, y + 1 + th, &x, draw_attr(DR_KEY),
			    "filter: %s_", d->edit);
		else
			draw_putf(win, y + 1 + th, &x, draw_attr(DR_DIM),
			    "filter: %s   (/ to change, Esc in / to clear)",
			    d->filter);
		th++;
	}
	if (h < 8 || d->nrows == 0 || d->st.cursor >= d->nrows)
		return;
	s = d->rows[d->st.cursor];
	x = 0;
	draw_putf(win, y + 1 + th, &x, draw_attr(DR_DIM),
	    "pid %d %s@%s %s  xact %s  query %s  "
	    "state %s%s", s->pid, s->user, s->client[0] ? s->client : "-",
	    s->backend_type,
	    draw_fmt_age(a, sizeof(a), s->xact_s),
	    draw_fmt_age(b, sizeof(b), s->query_s),
	    draw_fmt_age(c, sizeof(c), s->state_s),
	    s->nblockers ? "  BLOCKED" : "");
	if (s->nblockers)
		draw_putf(win, y + 1 + th, &x, draw_attr(DR_BAD), " by %d",
		    s->blockers[0]);
	draw_putf(win, y + 1 + th, &x, draw_attr(DR_DIM),
	    "  Enter: detail");
	draw_text(win, y + 2 + th, 0, w, DASH_PLAIN, DRAW_PAD, s->query);
}

/* The header line, and a stale warning when the data is old. Returns rows used. */
static int
dash_draw_header(WINDOW *win, const struct snapshot *snap,
    const struct snap_pg *pg,
    bool *stale)
{
	*stale = pg == NULL || snapshot_stale(snap, pg->wall_us, true);
	return (draw_server_header(win, "PostgreSQL", pg ? pg->endpoint : NULL,
	    pg ? pg->wall_us : 0, *stale, &snapshot_status(snap)->pg));
}

/* Draw the whole pane. */
static void
pane_dash_draw(void *arg, WINDOW *win, bool focused)
{
	struct pane_dash		*d = arg;
	const struct snap_pg		*pg;
	const struct snap_pool		*pools;
	size_t				 npools = 0, i;
	int				 h = getmaxy(win), w = getmaxx(win), y,
	    x = 0, rr;
	bool				 stale, twoline;
	char				 title[192], right[96], a[32], b[32];
	const struct snap_server_status	*st;

	if (dash_locks_active(d->locks)) {
		dash_locks_draw(d->locks, win, focused);
		return;
	}
	if (dash_query_active(d->query)) {
		dash_query_draw(d->query, win, focused);
		return;
	}
	if (dash_view_active(d->vacuum)) {
		dash_view_draw(d->vacuum, win, focused);
		return;
	}
	if (dash_view_active(d->io)) {
		dash_view_draw(d->io, win, focused);
		return;
	}
	if (dash_view_active(d->stmt)) {
		dash_view_draw(d->stmt, win, focused);
		return;
	}
	if (d->snap == NULL) {
		draw_title(win, 0, 0, w, "PostgreSQL",
		    "waiting for the first sample");
		draw_text(win, 2, 1, w - 2, draw_attr(DR_DIM), 0,
		    "(no data yet: the poller is connecting)");
		return;
	}
	pg = snapshot_pg(d->snap);
	pools = snapshot_pools(d->snap, &npools);
	y = dash_draw_header(win, d->snap, pg, &stale);
	if (pg != NULL && pg->pgbouncer) {
		dash_pgb_draw(win, y, pg, stale);
		return;
	}
	twoline = h >= 30;
	draw_title(win, y++, 0, w, "mcpdb pools", "pool side | server side");
	for (i = 0; i < npools; i++)
		y += dash_draw_pool(d, win, y, &pools[i], pg, twoline);
	if (h >= 26)
		y += dash_draw_other_apps(win, y, pg, pools, npools);
	if (pg == NULL) {
		st = &snapshot_status(d->snap)->pg;
		draw_title(win, y++, 0, w, "Server", NULL);
		draw_putf(win, y++, &x, draw_attr(DR_BAD),
		    "no data from PostgreSQL yet: %s%s%s",
		    st->state, st->error[0] ? " - " : "", st->error);
		return;
	}
	snprintf(title, sizeof(title), "Server %s%s%s%s, up %s", pg->version,
	    pg->in_recovery ? " (standby)" : "", pg->server[0] ? " at " : "",
	    pg->server, draw_fmt_age(a, sizeof(a), (double)pg->uptime_s));
	snprintf(right, sizeof(right), "%d statements in %s per refresh",
	    pg->statements,
	    draw_fmt_latency(b, sizeof(b), (double)pg->took_us));
	draw_title(win, y++, 0, w, title, right);
	y += dash_draw_server(d, win, y,
	    h - y - 5 > 7 ? 7 : (h - y - 5 > 2 ? h - y - 5 : 2),
	    pg, stale);
	/* Replication, leaving the sessions list at least 8 rows. */
	rr = dash_repl_rows(pg, w);
	if (rr > h - y - 8)
		rr = h - y - 8;
	if (rr >= 2)
		y += dash_repl_draw(win, y, rr, pg, stale);
	dash_draw_sessions(d, win, y, h - y, focused, pg);
}

/* Why a cancel/terminate is refused up front, or NULL. */
static const char *
dash_refuse(struct pane_dash *d, const struct snap_session **out)
{
	const struct conf_target	*t = ui_target(d->ui);
	const struct snap_pg		*pg = d->snap ? snapshot_pg(d->snap) : NULL;

	*out = NULL;
	if (t != NULL && t->read_only)
		return ("this target is read-only: cancel and terminate are refused");
	if (pg == NULL || d->nrows == 0 || d->st.cursor >= d->nrows)
		return ("no session selected");
	*out = d->rows[d->st.cursor];
	if (strcmp((*out)->backend_type,
	    "client backend") != 0 && !(*out)->hidden &&
	    (*out)->backend_type[0] != '\0')
		return ("only client backends can be cancelled from here");
	return (NULL);
}

/* Ask, then cancel or terminate the selected backend. */
static int
dash_action(struct pane_dash *d, bool terminate)
{
	const struct snap_session	*s;
	const char			*why = dash_refuse(d, &s);
	struct dash_signal_who		 who;
	char				 dur[32];

	if (why != NULL) {
		ui_message(d->ui, true, "%s", why);
		return (PANE_HANDLED | PANE_REDRAW);
	}
	who.pid = s->pid;
	who.backend_start_us = s->backend_start_us;
	who.user = s->user;
	who.app = s->app;
	who.state = s->hidden ? "state hidden" : s->state;
	who.dur = dash_fmt_dur(dash_duration(s), dur, sizeof(dur));
	who.query = s->query;
	dash_signal_ask(d->ui, &who, terminate);
	return (PANE_HANDLED | PANE_REDRAW);
}

/* Keys while typing a filter. */
static int
dash_edit_key(struct pane_dash *d, int ch)
{
	switch (ch) {
	case 27:	/* Esc: clear the filter */
		d->editing = false;
		d->filter[0] = '\0';
		break;
	case '\n': case '\r': case KEY_ENTER:
		d->editing = false;
		snprintf(d->filter, sizeof(d->filter), "%s", d->edit);
		break;
	case KEY_BACKSPACE: case 127: case 8:
		if (d->elen > 0)
			d->edit[--d->elen] = '\0';
		break;
	case 21:	/* Ctrl-U */
		d->elen = 0;
		d->edit[0] = '\0';
		break;
	default:
		if (ch >= 32 && ch < 127 && d->elen + 1 < sizeof(d->edit)) {
			d->edit[d->elen++] = (char)ch;
			d->edit[d->elen] = '\0';
		}
		break;
	}
	/* filter as you type */
	if (d->editing)
		snprintf(d->filter, sizeof(d->filter), "%s", d->edit);
	d->st.cursor = 0;
	d->st.top = 0;
	dash_rebuild(d);
	return (PANE_HANDLED | PANE_REDRAW);
}

/* Keys of the pane. */
static int
pane_dash_key(void *arg, int ch)
{
	struct pane_dash	*d = arg;
	int			 r;

	if (d->editing)
		return (dash_edit_key(d, ch));
	if (dash_query_active(d->query))
		return (dash_query_key(d->query, ch));
	if (dash_locks_active(d->locks))
		return (dash_locks_key(d->locks, ch));
	if (dash_view_active(d->vacuum))
		return (dash_view_key(d->vacuum, ch, 'v'));
	if (dash_view_active(d->io))
		return (dash_view_key(d->io, ch, 'w'));
	if (dash_view_active(d->stmt))
		return (dash_view_key(d->stmt, ch, 't'));
	switch (ch) {
	case 'v':
		dash_view_open(d->vacuum);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'w':
		dash_view_open(d->io);
		return (PANE_HANDLED | PANE_REDRAW);
	case 't':
		dash_view_open(d->stmt);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'L':
		dash_locks_open(d->locks);
		return (PANE_HANDLED | PANE_REDRAW);
	case '\r': case '\n': case KEY_ENTER:
		if (d->nrows > 0 && d->st.cursor < d->nrows)
			dash_query_open(d->query, d->rows[d->st.cursor]->pid,
			    d->rows[d->st.cursor]->backend_start_us);
		return (PANE_HANDLED | PANE_REDRAW);
	case '/':
		d->editing = true;
		snprintf(d->edit, sizeof(d->edit), "%s", d->filter);
		d->elen = strlen(d->edit);
		return (PANE_HANDLED | PANE_REDRAW);
	case 's':
		return (dash_sort_next(d));
	case 'S':
		return (dash_sort_set(d, d->sort, !d->desc));
	case '<': case '>':
		r = (d->sort + (ch == '>' ? 1 : DC__COUNT - 1)) % DC__COUNT;
		return (dash_sort_set(d, r, r == DC_DURATION));
	case 'i':
		d->show_idle = !d->show_idle;
		dash_rebuild(d);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'c':
		return (dash_action(d, false));
	case 'K':
		return (dash_action(d, true));
	default:
		break;
	}
	r = draw_table_key(&d->st, d->tab, ch);
	if (r != PANE_UNHANDLED && d->st.cursor < d->nrows)
		d->sel_pid = d->rows[d->st.cursor]->pid;
	return (r);
}

/* The pane's data for `e`: the snapshot's PostgreSQL part and the view. */
static cJSON *
pane_dash_export(void *arg)
{
	struct pane_dash	*d = arg;
	cJSON			*o, *v;

	if (d->snap == NULL)
		return (cJSON_CreateNull());
	o = snapshot_pg_json(d->snap);
	v = cJSON_AddObjectToObject(o, "view");
	cJSON_AddStringToObject(v, "sort", dash_sort_name[d->sort]);
	cJSON_AddBoolToObject(v, "descending", d->desc);
	cJSON_AddBoolToObject(v, "show_idle", d->show_idle);
	cJSON_AddStringToObject(v, "filter", d->filter);
	return (o);
}

const struct pane_ops pane_dash_ops = {
	.name = "Dashboard", .hotkey = '1', .keys = pane_dash_keys,
	.init = pane_dash_init, .free = pane_dash_free,
	    .update = pane_dash_update,
	.draw = pane_dash_draw, .key = pane_dash_key,
	    .export = pane_dash_export,
};
