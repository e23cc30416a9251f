/*
 * rdclients.c - the Redis pane's clients view (see rdclients.h).
 *
 * Model: as the Dashboard's lock tree: the view asks the poller for CLIENT
 * LIST (poller_want_clients) only while it is open; the Redis part carries
 * the parsed clients (rds-clients.c); this file copies and sorts them, and
 * a kill is a job on the console's Redis client after a confirmation.
 */
#include "config.h"

#include "rdclients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "out.h"
#include "poller.h"
#include "rds-clients.h"
#include "rds.h"
#include "xmem.h"
#include "draw.h"
#include "pane.h"
#include "prefs.h"

/* Columns of the table; the list sorts by any of them. */
enum {
	RC_ID, RC_ADDR, RC_NAME, RC_USER, RC_DB, RC_AGE, RC_IDLE, RC_MEM,
	    RC_CMDS, RC_CMD, RC__COUNT
};
static const char *const rdclients_cols[RC__COUNT] = {
	"ID", "ADDR", "NAME", "USER", "DB", "AGE", "IDLE", "MEM", "CMDS",
	    "LAST CMD",
};
static const char *const rdclients_sort_name[RC__COUNT] = {
	"id", "address", "name", "user", "db", "age", "idle", "mem", "cmds",
	    "last command",
};
/* The order `s` goes through (the useful ones first); `<` `>` go left and right. */
static const int rdclients_cycle[RC__COUNT] = {
	RC_IDLE, RC_MEM, RC_CMDS, RC_AGE, RC_ID, RC_ADDR, RC_NAME, RC_USER,
	    RC_DB, RC_CMD,
};
/* The key of the sort in the saved choices (prefs.h). */
#define RDCLIENTS_PREFS_VIEW	"redis-clients"

struct rdclients {
	struct ui		*ui;
	bool			 open;
	bool			 sampled;
	char			 error[160];
	struct rds_client	*v;
	size_t			 n;
	struct table		*tab;
	struct draw_table	 st;
	int			 sort;		/* an RC_ column */
	bool			 desc;
	long long		 sel_id;
};

/* What a kill job needs (a copy). */
struct rdclients_kill {
	struct ui	*ui;
	long long	 id;
	long long	 killed;
};

/* The saved sort, if any (an unknown column is ignored). */
static void
rdclients_sort_load(struct rdclients *c)
{
	const char	*col;
	bool		 desc;
	int		 i;

	if (ui_prefs(c->ui) == NULL ||
	    !prefs_sort(ui_prefs(c->ui), RDCLIENTS_PREFS_VIEW, &col, &desc))
		return;
	for (i = 0; i < RC__COUNT; i++)
		if (strcasecmp(rdclients_cols[i], col) == 0) {
			c->sort = i;
			c->desc = desc;
		}
}

/* The sort in effect for qsort (UI thread only). */
static int	rdclients_qsort_by;
static bool	rdclients_qsort_desc;

/* Compare two numbers. */
static int
rdclients_cmp_ll(long long a, long long b)
{
	return (a < b ? -1 : a > b);
}

/* Compare two clients by the current sort; ties by id. */
static int
rdclients_cmp(const void *a, const void *b)
{
	const struct rds_client	*x = a, *y = b;
	int			 r = 0;

	switch (rdclients_qsort_by) {
	case RC_ADDR:	r = strcmp(x->addr, y->addr); break;
	case RC_NAME:	r = strcmp(x->name, y->name); break;
	case RC_USER:	r = strcmp(x->user, y->user); break;
	case RC_DB:	r = rdclients_cmp_ll(x->db, y->db); break;
	case RC_AGE:	r = rdclients_cmp_ll(x->age_s, y->age_s); break;
	case RC_IDLE:	r = rdclients_cmp_ll(x->idle_s, y->idle_s); break;
	case RC_MEM:	r = rdclients_cmp_ll(x->tot_mem, y->tot_mem); break;
	case RC_CMDS:	r = rdclients_cmp_ll(x->tot_cmds, y->tot_cmds); break;
	case RC_CMD:	r = strcmp(x->cmd, y->cmd); break;
	default:	break;
	}
	if (rdclients_qsort_desc)
		r = -r;
	return (r != 0 ? r : rdclients_cmp_ll(x->id, y->id));
}

struct rdclients *
rdclients_new(struct ui *ui)
{
	struct rdclients	*c = xcalloc(1, sizeof(*c));

	c->ui = ui;
	draw_table_init(&c->st);
	c->sort = RC_IDLE;
	c->desc = true;
	rdclients_sort_load(c);
	return (c);
}

void
rdclients_free(struct rdclients *c)
{
	if (c == NULL)
		return;
	if (c->open && ui_poller(c->ui) != NULL)
		poller_want_clients(ui_poller(c->ui), false);
	free(c->v);
	table_free(c->tab);
	free(c);
}

void
rdclients_open(struct rdclients *c)
{
	c->open = true;
	c->sampled = false;
	c->st.cursor = 0;
	c->st.top = 0;
	if (ui_poller(c->ui) != NULL) {
		poller_want_clients(ui_poller(c->ui), true);
		poller_wake(ui_poller(c->ui));
	}
}

bool
rdclients_active(const struct rdclients *c)
{
	return (c != NULL && c->open);
}

/* A number cell, "-" when unknown. */
static const char *
rdclients_num(char *buf, size_t len, long long v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
	return (buf);
}

/* Sort the copy and rebuild the table; the cursor stays on its client. */
static void
rdclients_rebuild(struct rdclients *c)
{
	size_t	i;
	char	b[6][32];

	rdclients_qsort_by = c->sort;
	rdclients_qsort_desc = c->desc;
	if (c->n > 0)
		qsort(c->v, c->n, sizeof(*c->v), rdclients_cmp);
	table_free(c->tab);
	c->tab = table_new_cols(NULL, RC__COUNT, rdclients_cols);
	c->st.sort_col = c->sort;
	c->st.sort_desc = c->desc;
	for (i = 0; i < c->n; i++) {
		const struct rds_client	*x = &c->v[i];

		table_add(c->tab, rdclients_num(b[0], sizeof(b[0]), x->id),
		    x->addr, x->name, x->user,
		    rdclients_num(b[1], sizeof(b[1]), x->db),
		    rdclients_num(b[2], sizeof(b[2]), x->age_s),
		    rdclients_num(b[3], sizeof(b[3]), x->idle_s),
		    rdclients_num(b[4], sizeof(b[4]), x->tot_mem),
		    rdclients_num(b[5], sizeof(b[5]), x->tot_cmds), x->cmd);
		if (x->id == c->sel_id)
			c->st.cursor = i;
	}
}

void
rdclients_update(struct rdclients *c, const struct snap_redis *rd)
{
	if (!c->open || rd == NULL || !rd->clients_sampled)
		return;
	c->sampled = true;
	snprintf(c->error, sizeof(c->error), "%s", rd->clients_error);
	free(c->v);
	c->n = rd->nclients;
	c->v = xcalloc(c->n + 1, sizeof(*c->v));
	if (c->n > 0)
		memcpy(c->v, rd->clients, c->n * sizeof(*c->v));
	rdclients_rebuild(c);
}

void
rdclients_draw(struct rdclients *c, WINDOW *win, bool focused)
{
	int	h = getmaxy(win), w = getmaxx(win);
	char	right[128];

	snprintf(right, sizeof(right), "%zu clients, sorted by %s %s  s < > S sort  "
	    "k kill  Esc closes", c->n, rdclients_sort_name[c->sort],
	    c->desc ? "desc" : "asc");
	draw_title(win, 0, 0, w, "Redis clients", c->sampled ? right :
	    "Esc closes");
	if (!c->sampled) {
		draw_text(win, 1, 0, w, draw_attr(DR_DIM), 0,
		    "reading CLIENT LIST...");
		return;
	}
	if (c->error[0] != '\0') {
		draw_textf(win, 1, 0, w, draw_attr(DR_BAD), 0,
		    "CLIENT LIST failed: %s", c->error);
		return;
	}
	draw_table(win, 1, 0, h - 1, w, c->tab, &c->st, focused);
}

/* Job thread: CLIENT KILL ID on the console's Redis client. */
static int
rdclients_kill_job(struct conn *conn, void *arg,
    void (*line)(void *, const char *), void *line_arg, struct mc_err *err)
{
	struct rdclients_kill	*k = arg;
	struct rds		*r;
	struct rds_reply	*rep;
	char			 id[32];
	const char		*argv[4] = { "CLIENT", "KILL", "ID", id };

	(void)line;
	(void)line_arg;
	if ((r = conn_rds(conn, err)) == NULL)
		return (-1);
	snprintf(id, sizeof(id), "%lld", k->id);
	if ((rep = rds_command(r, 0, 4, argv, NULL, err)) == NULL)
		return (mc_err_prefix(err, "CLIENT KILL ID %lld: ", k->id));
	k->killed = rep->type == RDS_INTEGER ? rep->integer : 0;
	rds_reply_free(rep);
	return (0);
}

/* UI thread: the kill's outcome. */
static void
rdclients_kill_finished(void *arg, int status, const struct mc_err *err)
{
	struct rdclients_kill	*k = arg;

	if (status != 0)
		ui_message(k->ui, true, "%s", err && err->msg[0] ? err->msg :
		    "failed");
	else if (k->killed > 0)
		ui_message(k->ui, false, "Redis client %lld killed", k->id);
	else
		ui_message(k->ui, true, "Redis client %lld had gone already; "
		    "nothing killed", k->id);
	free(k);
}

/* Confirmed: start the job. */
static void
rdclients_kill_go(void *arg)
{
	struct rdclients_kill	*k = arg;
	char			 title[64];

	snprintf(title, sizeof(title), "kill Redis client %lld", k->id);
	if (!ui_job(k->ui, title, rdclients_kill_job, k,
	    rdclients_kill_finished, true)) {
		ui_message(k->ui, true,
		    "could not start: another operation is running");
		free(k);
	}
}

/* Declined. */
static void
rdclients_kill_no(void *arg)
{
	free(arg);
}

/* Ask, then kill the selected client. */
static void
rdclients_kill(struct rdclients *c)
{
	const struct conf_target	*t = ui_target(c->ui);
	const struct rds_client		*x;
	struct rdclients_kill		*k;
	char				*what;

	if (ui_paused(c->ui)) {
		ui_message(c->ui, true, "paused: the clients shown are frozen and may be gone; "
		    "press Space to resume, then kill");
		return;
	}
	if (t != NULL && t->read_only) {
		ui_message(c->ui, true,
		    "this target is read-only: killing a client is refused");
		return;
	}
	if (c->n == 0 || c->st.cursor >= c->n) {
		ui_message(c->ui, true, "no client selected");
		return;
	}
	x = &c->v[c->st.cursor];
	k = xcalloc(1, sizeof(*k));
	k->ui = c->ui;
	k->id = x->id;
	what = xasprintf("KILL Redis client %lld (%s, name \"%s\", user %s, "
	    "idle %lld s, last command %s)\nIts connection is closed.",
	    x->id, x->addr, x->name, x->user, x->idle_s, x->cmd);
	ui_confirm(c->ui, what, rdclients_kill_go, rdclients_kill_no, k);
	free(what);
}

/* Does column col sort biggest first when chosen (idle, memory, commands, age)? */
static bool
rdclients_desc_first(int col)
{
	return (col == RC_IDLE || col == RC_MEM || col == RC_CMDS || col == RC_AGE);
}

/* A new sort: re-sort the copy (no new reading), save the choice. */
static int
rdclients_sort_set(struct rdclients *c, int col, bool desc)
{
	c->sort = col;
	c->desc = desc;
	if (c->tab != NULL)
		rdclients_rebuild(c);
	if (ui_prefs(c->ui) != NULL) {
		prefs_set_sort(ui_prefs(c->ui), RDCLIENTS_PREFS_VIEW, rdclients_cols[col], desc);
		ui_prefs_changed(c->ui);
	}
	return (PANE_HANDLED | PANE_REDRAW);
}

int
rdclients_key(struct rdclients *c, int ch)
{
	int	r, i;

	switch (ch) {
	case 27: case 'q': case 'C':
		c->open = false;
		if (ui_poller(c->ui) != NULL)
			poller_want_clients(ui_poller(c->ui), false);
		return (PANE_HANDLED | PANE_REDRAW);
	case 's':
		for (i = 0; i < RC__COUNT && rdclients_cycle[i] != c->sort; i++)
			;
		i = rdclients_cycle[(i + 1) % RC__COUNT];
		return (rdclients_sort_set(c, i, rdclients_desc_first(i)));
	case 'S':
		return (rdclients_sort_set(c, c->sort, !c->desc));
	case '<': case '>':
		i = (c->sort + (ch == '>' ? 1 : RC__COUNT - 1)) % RC__COUNT;
		return (rdclients_sort_set(c, i, rdclients_desc_first(i)));
	case 'k':
		rdclients_kill(c);
		return (PANE_HANDLED | PANE_REDRAW);
	default:
		break;
	}
	if (c->tab == NULL)
		return (PANE_UNHANDLED);
	r = draw_table_key(&c->st, c->tab, ch);
	if (r != PANE_UNHANDLED && c->st.cursor < c->n)
		c->sel_id = c->v[c->st.cursor].id;
	return (r);
}
