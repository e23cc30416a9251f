/* dash-cluster.c - the Redis pane's cluster section (see dash-cluster.h). */
#include "config.h"

#include "dash-cluster.h"

#include <stdio.h>
#include <string.h>

#include "rds-cluster.h"
#include "draw.h"

/* Column widths of the node table. */
#define DC_ID		10
#define DC_ADDR		18
#define DC_ROLE		8
#define DC_SLOTS	21
#define DC_LINK		13
#define DC_STATE	11
#define DC_MEM		18
#define DC_OPS		8
#define DC_LAG		9

/* Number of slot ranges in a "0-5460,5462" list ("" = 0). */
static int
dc_ranges(const char *s)
{
	int	n = *s ? 1 : 0;

	for (; *s; s++)
		if (*s == ',')
			n++;
	return (n);
}

/* The address of the node with this id in v, or its id's first 8 characters. */
static const char *
dc_addr_of(const struct rds_cluster_view *v, const char *id, char *buf,
    size_t len)
{
	size_t	i;

	for (i = 0; i < v->nnodes; i++)
		if (strcmp(v->nodes[i].id, id) == 0)
			return (v->nodes[i].addr);
	snprintf(buf, len, "%.8s", id);
	return (buf);
}

/* Is the node's master (by id) answering? */
static bool
dc_master_up(const struct rds_cluster_view *v, const char *id)
{
	size_t	i;

	for (i = 0; i < v->nnodes; i++)
		if (strcmp(v->nodes[i].id, id) == 0)
			return (v->nodes[i].reachable);
	return (false);
}

/* The state cell of n: ok, fail?, FAIL, DOWN or STALE <age>; its role. */
static const char *
dc_state(const struct snap_cluster *c, size_t i, char *buf, size_t len,
    int *attr)
{
	const struct rds_cluster_node_view	*n = &c->v.nodes[i];
	int64_t					 age;
	bool					 fail, pfail;

	pfail = strstr(n->flags, "fail?") != NULL;
	fail = !pfail && strstr(n->flags, "fail") != NULL;
	*attr = draw_attr(DR_OK);
	if (!n->reachable && c->seen_wall_us[i] > 0) {
		*attr = draw_attr(DR_BAD);
		age = (c->wall_us - c->seen_wall_us[i]) / 1000000;
		if (age < 600)
			snprintf(buf, len, "STALE %lld s", (long long)age);
		else if (age < 36000)
			snprintf(buf, len, "STALE %lld m", (long long)(age / 60));
		else
			snprintf(buf, len, "STALE %lld h", (long long)(age / 3600));
		return (buf);
	}
	if (!n->reachable) {
		*attr = draw_attr(DR_BAD);
		return ("DOWN");
	}
	if (fail || pfail) {
		*attr = draw_attr(fail ? DR_BAD : DR_WARN);
		return (fail ? "FAIL" : "fail?");
	}
	if (strcmp(n->link, "connected") != 0) {
		*attr = draw_attr(DR_WARN);
		return ("link down");
	}
	return ("ok");
}

/*
 * The rest of a row for a node that did not answer, from column x: why
 * and the figures it had when it last answered.
 */
static void
dc_down(WINDOW *win, int y, int x, const struct snap_cluster *c, size_t i)
{
	const struct rds_cluster_node_view	*n = &c->v.nodes[i];
	const char				*why = n->error;
	char					 a[32];

	draw_putf(win, y, &x, draw_attr(DR_BAD), "%s", why[0] ? why :
	    "does not answer");
	if (c->seen_wall_us[i] > 0)
		draw_putf(win, y, &x, draw_attr(DR_DIM), " (last: %s, %lld ops/s)",
		    draw_fmt_bytes(a, sizeof(a), (double)n->used_memory),
		    (long long)n->ops_per_sec);
}

/* One node row at y. */
static void
dc_row(WINDOW *win, int y, const struct snap_cluster *c, size_t i, bool stale)
{
	const struct rds_cluster_node_view	*n = &c->v.nodes[i];
	char					 cell[96], a[32], b[32], st[32];
	int					 x = 0, attr, sattr, nr;
	bool					 live = n->reachable && !stale;
	bool					 master = strcmp(n->role, "master") == 0;
	const char				*state;

	attr = live ? (int)A_NORMAL : draw_attr(DR_DIM);
	state = dc_state(c, i, st, sizeof(st), &sattr);
	draw_putf(win, y, &x, attr, "%.8s", n->id);
	x = DC_ID;
	draw_putf(win, y, &x, attr, "%-*.*s", DC_ADDR, DC_ADDR - 1, n->addr);
	x = DC_ID + DC_ADDR;
	draw_putf(win, y, &x, master ? (int)(attr | A_BOLD) : attr, "%-*s", DC_ROLE,
	    n->role[0] ? n->role : "?");
	x = DC_ID + DC_ADDR + DC_ROLE;
	if (master) {
		nr = dc_ranges(n->slots);
		snprintf(cell, sizeof(cell), "%d slots, %d range%s", n->nslots, nr,
		    nr == 1 ? "" : "s");
	} else
		snprintf(cell, sizeof(cell), "of %s", dc_addr_of(&c->v,
		    n->master_id, a, sizeof(a)));
	draw_putf(win, y, &x, master && n->nslots == 0 ? draw_attr(DR_DIM) :
	    attr, "%-*.*s", DC_SLOTS, DC_SLOTS - 1, cell);
	x = DC_ID + DC_ADDR + DC_ROLE + DC_SLOTS;
	draw_putf(win, y, &x, strcmp(n->link, "connected") == 0 ? attr :
	    draw_attr(DR_BAD), "%-*s", DC_LINK, n->link[0] ? n->link : "?");
	x = DC_ID + DC_ADDR + DC_ROLE + DC_SLOTS + DC_LINK;
	draw_putf(win, y, &x, stale ? draw_attr(DR_DIM) : sattr, "%-*s",
	    DC_STATE, state);
	x = DC_ID + DC_ADDR + DC_ROLE + DC_SLOTS + DC_LINK + DC_STATE;
	if (!n->reachable) {
		dc_down(win, y, x, c, i);
		return;
	}
	draw_fmt_bytes(a, sizeof(a), (double)n->used_memory);
	if (n->maxmemory > 0 && !stale)
		draw_bar(win, y, x, DC_MEM - 1, NULL, 0, (double)n->used_memory,
		    (double)n->maxmemory, 0.8, 0.95, a);
	else
		draw_putf(win, y, &x, attr, "%s%s", a, n->maxmemory > 0 ? "" :
		    " (no max)");
	x = DC_ID + DC_ADDR + DC_ROLE + DC_SLOTS + DC_LINK + DC_STATE + DC_MEM;
	draw_putf(win, y, &x, attr, "%*lld  ", DC_OPS - 2,
	    (long long)n->ops_per_sec);
	x = DC_ID + DC_ADDR + DC_ROLE + DC_SLOTS + DC_LINK + DC_STATE + DC_MEM +
	    DC_OPS;
	if (!master && dc_master_up(&c->v, n->master_id) && n->lag_bytes >= 0)
		draw_putf(win, y, &x, n->lag_bytes > 1048576 ? draw_attr(DR_WARN) :
		    attr, "%s", draw_fmt_bytes(b, sizeof(b),
		    (double)n->lag_bytes));
	else
		draw_putf(win, y, &x, draw_attr(DR_DIM), "-");
}

int
dash_cluster_draw(WINDOW *win, int y, int maxrows,
    const struct snap_cluster *c, bool stale)
{
	const struct rds_cluster_view	*v;
	char				 title[160], right[128], why[256], a[32];
	int				 w = getmaxx(win), r = 0, x;
	size_t				 i;
	bool				 ok;

	if (c == NULL || maxrows < 1)
		return (0);
	v = &c->v;
	snprintf(title, sizeof(title), "Cluster %s, slots %d assigned, %d ok, "
	    "%d pfail, %d fail", v->state[0] ? v->state : "?",
	    v->slots_assigned, v->slots_ok, v->slots_pfail, v->slots_fail);
	snprintf(right, sizeof(right), "%zu nodes, %d masters, epoch %lld, "
	    "%d commands in %s", v->nnodes, v->size,
	    (long long)v->current_epoch, c->commands,
	    draw_fmt_latency(a, sizeof(a), (double)c->took_us));
	draw_title(win, y + r++, 0, w, title, right);
	if (r >= maxrows)
		return (r);
	x = 0;
	why[0] = '\0';
	ok = c->why[0] == '\0' && rds_cluster_view_ok(v, why, sizeof(why));
	if (c->why[0])
		draw_putf(win, y + r, &x, draw_attr(DR_BAD), "! %s%s", c->why,
		    v->nnodes ? " (rows below are the last known)" : "");
	else if (!ok)
		draw_putf(win, y + r, &x, draw_attr(DR_BAD), "! %s", why);
	else
		draw_putf(win, y + r, &x, stale ? draw_attr(DR_DIM) :
		    draw_attr(DR_OK), "every slot has a reachable master");
	if (++r >= maxrows)
		return (r);
	if (v->nnodes == 0)
		return (r);
	x = 0;
	draw_putf(win, y + r, &x, draw_attr(DR_HEADER),
	    "%-*s%-*s%-*s%-*s%-*s%-*s%-*s%*s  %-*s", DC_ID, "node", DC_ADDR,
	    "address", DC_ROLE, "role", DC_SLOTS, "slots / replica of", DC_LINK,
	    "link", DC_STATE, "state", DC_MEM, "memory", DC_OPS - 2, "ops/s",
	    DC_LAG, "lag");
	if (++r >= maxrows)
		return (r);
	for (i = 0; i < v->nnodes && r < maxrows; i++, r++)
		dc_row(win, y + r, c, i, stale);
	if (i < v->nnodes && r > 0) {
		/* Say how many did not fit on the last row drawn. */
		x = w - 16 > 0 ? w - 16 : 0;
		draw_putf(win, y + r - 1, &x, draw_attr(DR_DIM), " +%zu nodes",
		    v->nnodes - i + 1);
	}
	return (r);
}
