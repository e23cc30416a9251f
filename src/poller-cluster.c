/*
 * poller-cluster.c - the poller's Redis Cluster view and its events (see
 * poller-cluster.h). Poller thread only; no state of its own.
 */
#include "config.h"

#include "poller-cluster.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clk.h"
#include "rds-cluster.h"
#include "xmem.h"

/* The node of v with this id, or NULL. */
static const struct rds_cluster_node_view *
pcl_find(const struct rds_cluster_view *v, const char *id, size_t *at)
{
	size_t	i;

	for (i = 0; i < v->nnodes; i++)
		if (strcmp(v->nodes[i].id, id) == 0) {
			if (at != NULL)
				*at = i;
			return (&v->nodes[i]);
		}
	return (NULL);
}

/* The address of the node with this id in v, or the id's first 8 characters. */
static const char *
pcl_addr_of(const struct rds_cluster_view *v, const char *id, char *buf,
    size_t len)
{
	const struct rds_cluster_node_view	*n = pcl_find(v, id, NULL);

	if (n != NULL && n->addr[0])
		return (n->addr);
	snprintf(buf, len, "%.8s", id);
	return (buf);
}

/* Send one formatted line to note. */
static void
pcl_note(poller_cluster_note_fn note, void *arg, enum log_level l,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
pcl_note(poller_cluster_note_fn note, void *arg, enum log_level l,
    const char *fmt, ...)
{
	char	buf[400];
	va_list	ap;

	if (note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	note(arg, l, buf);
}

/* Report what changed between the views a (before) and b (now). */
static void
pcl_events(const struct rds_cluster_view *a, const struct rds_cluster_view *b,
    poller_cluster_note_fn note, void *arg)
{
	const struct rds_cluster_node_view	*o, *n;
	char					 x[16];
	size_t					 i;

	if (strcmp(a->state, b->state) != 0 && b->state[0])
		pcl_note(note, arg, strcmp(b->state, "ok") == 0 ? LOGL_INFO :
		    LOGL_WARN, "redis cluster: state %s -> %s (%d slots ok, "
		    "%d pfail, %d fail)", a->state[0] ? a->state : "?",
		    b->state, b->slots_ok, b->slots_pfail, b->slots_fail);
	for (i = 0; i < b->nnodes; i++) {
		n = &b->nodes[i];
		if ((o = pcl_find(a, n->id, NULL)) == NULL) {
			pcl_note(note, arg, LOGL_INFO, "redis cluster: node %s "
			    "(%.8s) joined as %s", n->addr, n->id, n->role);
			continue;
		}
		if (o->reachable && !n->reachable)
			pcl_note(note, arg, LOGL_WARN, "redis cluster: node %s "
			    "(%s%s) stopped answering: %s", n->addr, n->role,
			    n->nslots > 0 ? " with slots" : "", n->error);
		else if (!o->reachable && n->reachable)
			pcl_note(note, arg, LOGL_INFO, "redis cluster: node %s "
			    "answers again", n->addr);
		if (strcmp(o->role, "replica") == 0 &&
		    strcmp(n->role, "master") == 0)
			pcl_note(note, arg, LOGL_WARN, "redis cluster: failover: "
			    "%s (was replica of %s) is now master of slots %s",
			    n->addr, pcl_addr_of(a, o->master_id, x, sizeof(x)),
			    n->slots[0] ? n->slots : "(none)");
		else if (strcmp(o->role, "master") == 0 &&
		    strcmp(n->role, "replica") == 0)
			pcl_note(note, arg, LOGL_INFO, "redis cluster: %s is now "
			    "a replica of %s", n->addr,
			    pcl_addr_of(b, n->master_id, x, sizeof(x)));
		if (strstr(n->flags, "fail") != NULL &&
		    strstr(n->flags, "fail?") == NULL &&
		    (strstr(o->flags, "fail") == NULL ||
		    strstr(o->flags, "fail?") != NULL))
			pcl_note(note, arg, LOGL_WARN, "redis cluster: the "
			    "cluster marked %s failed", n->addr);
	}
	for (i = 0; i < a->nnodes; i++)
		if (pcl_find(b, a->nodes[i].id, NULL) == NULL)
			pcl_note(note, arg, LOGL_INFO, "redis cluster: node %s "
			    "(%.8s) left the cluster", a->nodes[i].addr,
			    a->nodes[i].id);
}

/* Drop the "redis host:port: " of n's error: its row and events name it. */
static void
pcl_strip(struct rds_cluster_node_view *n)
{
	size_t	al = strlen(n->addr);

	if (al > 0 && strncmp(n->error, "redis ", 6) == 0 &&
	    strncmp(n->error + 6, n->addr, al) == 0 &&
	    strncmp(n->error + 6 + al, ": ", 2) == 0)
		memmove(n->error, n->error + 8 + al, strlen(n->error + 8 + al) + 1);
}

/* Commands rds_cluster_describe sent for v (see poller-cluster.h). */
static int
pcl_commands(const struct rds_cluster_view *v)
{
	size_t	i;
	int	n = 3;

	for (i = 0; i < v->nnodes; i++)
		if (strncmp(v->nodes[i].error, "marked fail", 11) != 0 &&
		    strncmp(v->nodes[i].error, "no address", 10) != 0)
			n += 2;
	return (n);
}

/* Read the view and carry over what prev knew (see poller-cluster.h). */
struct snap_cluster *
poller_cluster_sample(struct rds *r, const struct snap_cluster *prev,
    poller_cluster_note_fn note, void *arg)
{
	struct snap_cluster			*c = xcalloc(1, sizeof(*c));
	struct rds_cluster_node_view		*n;
	const struct rds_cluster_node_view	*o;
	struct mc_err				 err;
	int64_t					 t0 = clk_mono_us();
	size_t					 i, at;

	memset(&err, 0, sizeof(err));
	c->wall_us = clk_wall_us();
	if (rds_cluster_describe(r, &c->v, &err) == -1) {
		/* Nobody answered: keep the last rows, all unreachable. */
		snprintf(c->why, sizeof(c->why), "%.199s", err.msg);
		if (prev != NULL) {
			c->v = prev->v;
			memcpy(c->seen_wall_us, prev->seen_wall_us,
			    sizeof(c->seen_wall_us));
			for (i = 0; i < c->v.nnodes; i++) {
				c->v.nodes[i].reachable = false;
				snprintf(c->v.nodes[i].error,
				    sizeof(c->v.nodes[i].error), "no node of "
				    "the cluster answers");
			}
			if (prev->why[0] == '\0')
				pcl_note(note, arg, LOGL_WARN, "redis cluster: "
				    "%s", c->why);
		}
		c->commands = 1 + (int)(prev ? prev->v.nnodes : 0);
		c->took_us = clk_mono_us() - t0;
		return (c);
	}
	c->took_us = clk_mono_us() - t0;
	c->commands = pcl_commands(&c->v);
	for (i = 0; i < c->v.nnodes; i++) {
		n = &c->v.nodes[i];
		pcl_strip(n);
		if (n->reachable) {
			c->seen_wall_us[i] = c->wall_us;
			continue;
		}
		n->lag_bytes = -1;
		o = prev ? pcl_find(&prev->v, n->id, &at) : NULL;
		if (o == NULL)
			continue;
		/* Its last figures, shown STALE with when it last answered. */
		c->seen_wall_us[i] = prev->seen_wall_us[at];
		n->used_memory = o->used_memory;
		n->maxmemory = o->maxmemory;
		n->ops_per_sec = o->ops_per_sec;
		n->repl_offset = o->repl_offset;
		n->rtt_us = o->rtt_us;
	}
	if (prev == NULL)
		pcl_note(note, arg, LOGL_INFO, "redis cluster: %zu nodes, %d "
		    "masters with slots, state %s", c->v.nnodes, c->v.size,
		    c->v.state);
	else
		pcl_events(&prev->v, &c->v, note, arg);
	return (c);
}
