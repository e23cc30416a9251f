/*
 * pane-redis.c - the Redis pane: role, version and uptime; memory against
 * maxmemory and its policy; fragmentation; ops/s with a sparkline; hit
 * ratio; clients; evictions and expiries; keys per db; persistence risk in
 * plain words; replication as one picture with a banner when the role or
 * run_id changes; the slow log's worst entries and the latency monitor (or
 * why they are empty); PING latency; mcpdb's own client-side counters; and
 * a Pub/Sub monitor that subscribes to a channel or pattern and shows
 * messages as they arrive.
 *
 * Model: numbers come from the poller's snapshot (one multi-section INFO
 * per refresh; nothing here talks to Redis). The Pub/Sub monitor is the one
 * live connection: rds_sub_new / rds_sub_free block, so they run as jobs on
 * the UI's job thread; the subscriber thread's callback copies each message
 * into a small ring under its own mutex, and the UI tick redraws when the
 * ring moved. UI thread only, except the ring callback.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "metrics.h"
#include "rds.h"
#include "rdsuri.h"
#include "snapshot.h"
#include "xmem.h"
#include "draw.h"
#include "dash-cluster.h"
#include "rdclients.h"
#include "pane.h"
#include "ui.h"
#include "clk.h"
#include "dash-view.h"

/* Plain text attributes as the int draw.c takes. */
#define RP_PLAIN	((int)A_NORMAL)
#define RP_RING		200	/* Pub/Sub messages kept */

/* One line of the Pub/Sub monitor: a message or a notice. */
struct rp_msg {
	int64_t	wall_us;
	char	chan[96];
	char	pat[96];	/* "" unless a pattern matched */
	char	data[240];	/* the payload, NULs shown as \0 */
	size_t	len;		/* the payload's real length */
	char	note[160];	/* a notice instead of a message, or "" */
};

/* Messages from the subscriber thread (the only shared state). */
struct rp_ring {
	pthread_mutex_t	mtx;
	struct rp_msg	*m;		/* RP_RING slots, made on first use */
	int		head;		/* next write */
	int		n;
	uint64_t	seq;		/* messages and notices so far */
	uint64_t	messages;	/* messages only */
	bool		connected;
};

struct pane_redis {
	struct ui		*ui;
	struct snapshot		*snap;
	struct dash_view	*keyspace;	/* k: keyspace sample and doctor */
	/* p: the monitor fills the pane */
	bool			 full_pubsub;
	/* Pub/Sub */
	struct rp_ring		*ring;
	struct rds_sub		*sub;		/* live subscription, or NULL */
	char			 spec[128];	/* what it is subscribed to */
	bool			 pattern;
	/* a subscribe/unsubscribe job runs */
	bool			 busy;
	uint64_t		 seen;		/* ring seq drawn last */
	struct rdclients	*clients;	/* C: the clients view */
	/* text input for `s` */
	bool			 editing;
	char			 edit[128];
	size_t			 elen;
};

static const char *const pane_redis_keys[] = {
	"s            subscribe the Pub/Sub monitor to a channel or pattern (*?[ make a pattern)",
	"u            unsubscribe",
	"p            show the Pub/Sub monitor full size / the overview",
	"c            clear the Pub/Sub messages",
	"k            keyspace: keys per database, a SCAN sample (biggest, hottest), doctor reports; < > S sort its tables",
	"C            clients (CLIENT LIST): s / < > sort by any column, S reverses (saved), k kills one (asks first)",
	"e            export every pane's data as JSON (path shown)",
	NULL,
};

/* The role of a judgement. */
static int
rp_level_attr(enum metrics_level l)
{
	switch (l) {
	case METRICS_CRIT:
		return (draw_attr(DR_BAD));
	case METRICS_WARN:
		return (draw_attr(DR_WARN));
	case METRICS_NA:
		return (draw_attr(DR_DIM));
	case METRICS_OK:
		break;
	}
	return (RP_PLAIN);
}

/* A snap_series as doubles with NaN gaps; returns the count. */
static size_t
rp_series(const struct snap_series *s, double *out)
{
	int	i;

	for (i = 0; i < s->n; i++)
		out[i] = s->v[i] < 0 ? (double)NAN : s->v[i];
	return ((size_t)s->n);
}

/* ---------------------------------------------------------------- Pub/Sub */

/* The next ring slot, zeroed and stamped; advances the ring. Caller holds r->mtx. */
static struct rp_msg *
rp_slot(struct rp_ring *r)
{
	struct rp_msg	*e;

	if (r->m == NULL)
		r->m = xcalloc(RP_RING, sizeof(*r->m));
	e = &r->m[r->head];
	memset(e, 0, sizeof(*e));
	e->wall_us = clk_wall_us();
	r->head = (r->head + 1) % RP_RING;
	if (r->n < RP_RING)
		r->n++;
	r->seq++;
	return (e);
}

/* Subscriber thread: copy a message or notice into the ring. */
static void
rp_on_message(void *arg, const struct rds_sub_msg *m)
{
	struct rp_ring	*r = arg;
	struct rp_msg	*e;
	size_t		 i, o;

	pthread_mutex_lock(&r->mtx);
	e = rp_slot(r);
	switch (m->kind) {
	case RDS_SUB_MESSAGE:
		snprintf(e->chan, sizeof(e->chan), "%s",
		    m->channel ? m->channel : "");
		snprintf(e->pat, sizeof(e->pat), "%s",
		    m->pattern ? m->pattern : "");
		for (i = 0, o = 0; i < m->len && o + 3 < sizeof(e->data); i++) {
			if (m->data[i] == '\0') {
				e->data[o++] = '\\';
				e->data[o++] = '0';
			} else
				e->data[o++] = m->data[i];
		}
		e->data[o] = '\0';
		e->len = m->len;
		r->messages++;
		break;
	case RDS_SUB_SUBSCRIBED:
		snprintf(e->note, sizeof(e->note), "subscribed via %s",
		    m->detail ? m->detail : "?");
		r->connected = true;
		break;
	case RDS_SUB_LOST:
		snprintf(e->note, sizeof(e->note),
		    "connection lost (%s): messages "
		    "published until it is back are lost",
		    m->detail ? m->detail : "?");
		r->connected = false;
		break;
	}
	pthread_mutex_unlock(&r->mtx);
}

/* Append a notice from the UI thread. */
static void
rp_note(struct rp_ring *r, const char *fmt, ...)
{
	struct rp_msg	*e;
	va_list		 ap;

	pthread_mutex_lock(&r->mtx);
	e = rp_slot(r);
	va_start(ap, fmt);
	vsnprintf(e->note, sizeof(e->note), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&r->mtx);
}

/* What a subscribe/unsubscribe job carries (copies, plus the pane for the UI side). */
struct rp_job {
	/* touched only in rp_job_done (UI thread) */
	struct pane_redis	*rp;
	struct rp_ring		*ring;
	struct rds_sub		*old;		/* to free first, or NULL */
	struct rds_sub		*sub;		/* the new subscription */
	char			 spec[128];	/* "" = only unsubscribe */
	bool			 pattern;
};

/* Job thread: drop the old subscription, make the new one. */
static int
rp_job_fn(struct conn *c, void *arg, void (*line)(void *, const char *),
    void *line_arg, struct mc_err *err)
{
	struct rp_job		*j = arg;
	struct rds_sub_spec	 spec;
	struct rds		*r;
	const char		*one[1];

	(void)line;
	(void)line_arg;
	if (j->old != NULL) {
		rds_sub_free(j->old);
		j->old = NULL;
	}
	if (j->spec[0] == '\0')
		return (0);
	if ((r = conn_rds(c, err)) == NULL)
		return (-1);
	memset(&spec, 0, sizeof(spec));
	one[0] = j->spec;
	if (j->pattern) {
		spec.patterns = one;
		spec.npatterns = 1;
	} else {
		spec.channels = one;
		spec.nchannels = 1;
	}
	spec.cb = rp_on_message;
	spec.arg = j->ring;
	if ((j->sub = rds_sub_new(r, &spec, err)) == NULL)
		return (mc_err_prefix(err, "subscribe %s: ", j->spec));
	return (0);
}

/* UI thread: take the new subscription. */
static void
rp_job_done(void *arg, int status, const struct mc_err *err)
{
	struct rp_job		*j = arg;
	struct pane_redis	*rp = j->rp;

	rp->busy = false;
	if (status == 0 && j->sub != NULL) {
		rp->sub = j->sub;
		snprintf(rp->spec, sizeof(rp->spec), "%s", j->spec);
		rp->pattern = j->pattern;
		ui_message(rp->ui, false,
		    "Pub/Sub monitor: subscribed to %s %s",
		    j->pattern ? "pattern" : "channel", j->spec);
	} else if (status == 0) {
		rp->spec[0] = '\0';
		rp_note(rp->ring, "unsubscribed");
		ui_message(rp->ui, false, "Pub/Sub monitor: unsubscribed");
	} else {
		rp->spec[0] = '\0';
		rp_note(rp->ring, "%s",
		    err && err->msg[0] ? err->msg : "subscribe failed");
		ui_message(rp->ui, true, "%s", err && err->msg[0] ? err->msg :
		    "subscribe failed");
	}
	free(j);
}

/* Start a job that replaces the subscription with spec ("" = none). */
static void
rp_subscribe(struct pane_redis *rp, const char *spec)
{
	const struct conf_target	*t = ui_target(rp->ui);
	struct rp_job			*j;

	if (t == NULL || t->redis == NULL || t->redis[0] == '\0') {
		ui_message(rp->ui, true, "no Redis configured for this target");
		return;
	}
	if (rp->busy) {
		ui_message(rp->ui, true,
		    "Pub/Sub monitor: still busy with the last change");
		return;
	}
	if (spec[0] == '\0' && rp->sub == NULL)
		return;
	j = xcalloc(1, sizeof(*j));
	j->rp = rp;
	j->ring = rp->ring;
	j->old = rp->sub;
	snprintf(j->spec, sizeof(j->spec), "%s", spec);
	j->pattern = strpbrk(spec, "*?[") != NULL;
	rp->sub = NULL;
	rp->busy = true;
	if (!ui_job(rp->ui, spec[0] ? "subscribe" : "unsubscribe", rp_job_fn, j,
	    rp_job_done, true)) {
		rp->busy = false;
		rp->sub = j->old;
		free(j);
		ui_message(rp->ui, true,
		    "could not start the subscription job");
	}
}

/* ---------------------------------------------------------------- lifecycle */

/* Make the pane's state. */
static void *
pane_redis_init(struct ui *ui, struct mc_err *err)
{
	struct pane_redis	*rp = xcalloc(1, sizeof(*rp));

	(void)err;
	rp->ui = ui;
	rp->keyspace = dash_view_new(ui, &dash_keyspace_ops);
	rp->ring = xcalloc(1, sizeof(*rp->ring));
	rp->clients = rdclients_new(ui);
	pthread_mutex_init(&rp->ring->mtx, NULL);
	return (rp);
}

/* Free the state; stops the subscription first. */
static void
pane_redis_free(void *arg)
{
	struct pane_redis	*rp = arg;

	if (rp == NULL)
		return;
	rds_sub_free(rp->sub);
	rdclients_free(rp->clients);
	snapshot_free(rp->snap);
	dash_view_free(rp->keyspace);
	if (!rp->busy) {
		/* a job in flight still points at the ring: leave it (exiting) */
		pthread_mutex_destroy(&rp->ring->mtx);
		free(rp->ring->m);
		free(rp->ring);
		free(rp);
	}
}

/* Keep a reference to the newest snapshot. */
static void
pane_redis_update(void *arg, const struct snapshot *s)
{
	struct pane_redis	*rp = arg;

	snapshot_free(rp->snap);
	rp->snap = snapshot_ref((struct snapshot *)s);
	dash_view_tick(rp->keyspace);
	rdclients_update(rp->clients, rp->snap ? snapshot_redis(rp->snap) :
	    NULL);
}

/* Redraw when Pub/Sub messages arrived. */
static int
pane_redis_tick(void *arg)
{
	struct pane_redis	*rp = arg;
	uint64_t		 seq;

	pthread_mutex_lock(&rp->ring->mtx);
	seq = rp->ring->seq;
	pthread_mutex_unlock(&rp->ring->mtx);
	return (seq != rp->seen ? PANE_REDRAW : 0);
}

/* ---------------------------------------------------------------- drawing */

/* Header and stale line; returns rows used. */
static int
rp_draw_header(WINDOW *win, const struct snapshot *snap,
    const struct snap_redis *rd,
    bool *stale)
{
	*stale = rd == NULL || snapshot_stale(snap, rd->wall_us, false);
	return (draw_server_header(win, "Redis", rd ? rd->endpoint : NULL,
	    rd ? rd->wall_us : 0, *stale, &snapshot_status(snap)->redis));
}

/* Keys per db: "db0 1,234 (12 with TTL)  db1 5  total 1,239". */
static void
rp_draw_keys(WINDOW *win, int y, const struct rds_info *in, int dim)
{
	char	a[32], b[32];
	size_t	i;
	int	x = 0;

	draw_putf(win, y, &x, draw_attr(DR_DIM), "keys     ");
	if (in->ndbs == 0)
		draw_putf(win, y, &x, dim, "no keys in any db");
	for (i = 0; i < in->ndbs; i++)
		draw_putf(win, y, &x, dim, "db%d %s%s%s%s  ", in->dbs[i].db,
		    draw_fmt_count(a, sizeof(a), in->dbs[i].keys),
		    in->dbs[i].expires > 0 ? " (" : "",
		    in->dbs[i].expires > 0 ? draw_fmt_count(b, sizeof(b),
		    in->dbs[i].expires) : "",
		    in->dbs[i].expires > 0 ? " with TTL)" : "");
	if (in->ndbs > 1)
		draw_putf(win, y, &x, dim, "total %s", draw_fmt_count(a, sizeof(a),
		    in->total_keys));
}

/* Replication as one line: the master's replicas or the replica's link. */
static void
rp_draw_repl(WINDOW *win, int y, const struct rds_info *in, int dim)
{
	char	a[32];
	size_t	i;
	int	x = 0;

	draw_putf(win, y, &x, draw_attr(DR_DIM), "repl     ");
	if (strcmp(in->role, "slave") == 0) {
		bool	up = strcmp(in->master_link_status, "up") == 0;

		draw_putf(win, y, &x, dim, "replica of %s:%lld, ", in->master_host,
		    (long long)in->master_port);
		draw_putf(win, y, &x, up ? dim : draw_attr(DR_BAD), "link %s",
		    in->master_link_status[0] ? in->master_link_status : "?");
		if (!up && in->master_link_down_since_s >= 0)
			draw_putf(win, y, &x, draw_attr(DR_BAD), " for %s",
			    draw_fmt_age(a, sizeof(a),
			    (double)in->master_link_down_since_s));
		if (up && in->master_last_io_s >= 0)
			draw_putf(win, y, &x, dim, ", last contact %lld s ago",
			    (long long)in->master_last_io_s);
		if (in->master_sync_in_progress == 1)
			draw_putf(win, y, &x, draw_attr(DR_WARN),
			    ", full sync in progress");
		return;
	}
	draw_putf(win, y, &x, dim, "%s, %lld replica%s",
	    in->role[0] ? in->role : "?",
	    (long long)(in->connected_slaves > 0 ? in->connected_slaves : 0),
	    in->connected_slaves == 1 ? "" : "s");
	for (i = 0; i < in->nslaves; i++) {
		const struct rds_info_slave	*s = &in->slaves[i];
		int64_t				 lag = in->master_repl_offset >= 0 &&
		    s->offset >= 0 ? in->master_repl_offset - s->offset : -1;
		bool				 bad = strcmp(s->state,
		    "online") != 0;

		draw_putf(win, y, &x,
		    bad || s->lag_s > 10 ? draw_attr(DR_WARN) : dim,
		    "%s%s:%d %s %s behind, ack %lld s ago", i ? "; " : ": ",
		    s->ip, s->port,
		    s->state, lag < 0 ? "?" : draw_fmt_bytes(a, sizeof(a),
		    (double)lag),
		    (long long)s->lag_s);
	}
}

/*
 * Whether a client's last error still matters: not once it is connected
 * again with its breaker closed and no retry pending (a recovered
 * "Connection refused" must not stay on screen).
 */
static bool
rp_last_error_shown(const struct rds_stats *st)
{
	if (st->last_error[0] == '\0')
		return (false);
	return (!st->connected || st->attempt > 0 ||
	    st->breaker.state != BREAKER_CLOSED);
}

/* When the save points were read (CONFIG GET), beside the persistence line. */
static void
rp_draw_config_age(WINDOW *win, int y, int *x, const struct snap_redis *rd)
{
	char	a[32];

	if (rd->config_wall_us <= 0 || rd->save_points < 0)
		return;
	draw_putf(win, y, x, draw_attr(DR_DIM), "  (save config read %s ago)",
	    draw_fmt_age(a, sizeof(a),
	    (double)(clk_wall_us() - rd->config_wall_us) / 1e6));
}

/* Writes the server refused with OOM (errorstats), only when there were any. */
static void
rp_draw_rejected(WINDOW *win, int y, int *x, const struct rds_info *in)
{
	char	a[32];

	if (in->errorstat_oom <= 0)
		return;
	draw_putf(win, y, x, draw_attr(DR_BAD), ", %s writes rejected (OOM)",
	    draw_fmt_count(a, sizeof(a), in->errorstat_oom));
}

/* The server overview lines; returns rows used. */
static int
rp_draw_server(WINDOW *win, int y, int maxrows, const struct snap_redis *rd,
    bool stale)
{
	const struct rds_info	*in = &rd->info;
	double			 v[METRICS_SERIES_LEN];
	char			 phrase[200], a[32], b[32], c[32];
	enum metrics_level	 lvl;
	int			 w = getmaxx(win), x, r = 0, gw, dim = stale ?
				    draw_attr(DR_DIM) : RP_PLAIN;
	double			 lifetime;

	/* memory */
	lvl = metrics_redis_memory(in, phrase, sizeof(phrase));
	gw = w / 3 < 36 ? w / 3 : 36;
	if (in->maxmemory > 0)
		draw_bar(win, y + r, 0, gw, "memory", 9,
		    (double)in->used_memory,
		    (double)in->maxmemory, 0.8, 0.95, draw_fmt_bytes(a,
		    sizeof(a),
		    (double)in->used_memory));
	else
		draw_bar(win, y + r, 0, gw, "memory", 9,
		    (double)in->used_memory,
		    in->total_system_memory > 0 ? (double)in->total_system_memory : 0,
		    0.9, 0.95, draw_fmt_bytes(a, sizeof(a),
		    (double)in->used_memory));
	x = gw + 1;
	draw_putf(win, y + r, &x, stale ? dim : rp_level_attr(lvl), "%s", phrase);
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  peak ");
	draw_putf(win, y + r, &x, dim, "%s", draw_fmt_bytes(a, sizeof(a),
	    (double)in->used_memory_peak));
	if (++r >= maxrows)
		return (r);
	x = 0;
	lvl = metrics_redis_frag(in, phrase, sizeof(phrase));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "frag     ");
	draw_putf(win, y + r, &x, stale ? dim : rp_level_attr(lvl), "%s", phrase);
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "   cpu ");
	draw_putf(win, y + r, &x, dim, "%s", rd->rates.cpu_pct < 0 ? "-" :
	    (snprintf(c, sizeof(c), "%.1f%%", rd->rates.cpu_pct), c));
	if (++r >= maxrows)
		return (r);
	/* throughput, hits, latency */
	x = 0;
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "ops/s    ");
	draw_putf(win, y + r, &x, dim, "%-7s",
	    metrics_fmt_rate(rd->rates.ops_per_s, a, sizeof(a)));
	draw_spark(win, y + r, x, 20, v, rp_series(&rd->ops, v), 0, 0, DR_BAR1);
	x += 21;
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "hit ratio ");
	lifetime = rds_info_hit_ratio(in);
	if (rd->rates.hit_ratio >= 0)
		draw_putf(win, y + r, &x,
		    rd->rates.hit_ratio < 0.8 ? draw_attr(DR_WARN) : dim,
		    "%s over %s", metrics_fmt_pct(rd->rates.hit_ratio, a,
		    sizeof(a)),
		    draw_fmt_age(b, sizeof(b), rd->rates.window_s));
	else
		draw_putf(win, y + r, &x, dim, "n/a (%lld lookups in %s)",
		    (long long)(rd->rates.lookups < 0 ? 0 : rd->rates.lookups),
		    draw_fmt_age(b, sizeof(b), rd->rates.window_s));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), ", since start ");
	draw_putf(win, y + r, &x, dim, "%s", metrics_fmt_pct(lifetime, a,
	    sizeof(a)));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  ping ");
	draw_putf(win, y + r, &x, rd->rtt_us > 100000 ? draw_attr(DR_WARN) : dim,
	    "%s ",
	    draw_fmt_latency(a, sizeof(a), (double)rd->rtt_us));
	if (x + 12 < w)
		draw_spark(win, y + r, x, 12, v, rp_series(&rd->rtt_ms, v), 0,
		    0, DR_BAR2);
	if (++r >= maxrows)
		return (r);
	/* clients, evictions, expiries */
	x = 0;
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "clients  ");
	draw_putf(win, y + r, &x, dim, "%lld connected (max %lld), %lld blocked",
	    (long long)in->connected_clients, (long long)in->maxclients,
	    (long long)in->blocked_clients);
	draw_putf(win, y + r, &x,
	    in->rejected_connections > 0 ? draw_attr(DR_BAD) : dim,
	    ", %lld rejected", (long long)in->rejected_connections);
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "   evicted ");
	draw_putf(win, y + r, &x, in->evicted_keys > 0 ? draw_attr(DR_WARN) : dim,
	    "%s (%s/s)",
	    draw_fmt_count(a, sizeof(a), in->evicted_keys),
	    metrics_fmt_rate(rd->rates.evicted_per_s, b, sizeof(b)));
	rp_draw_rejected(win, y + r, &x, in);
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  expired ");
	draw_putf(win, y + r, &x, dim, "%s (%s/s)", draw_fmt_count(a, sizeof(a),
	    in->expired_keys),
	    metrics_fmt_rate(rd->rates.expired_per_s, c, sizeof(c)));
	if (++r >= maxrows)
		return (r);
	rp_draw_keys(win, y + r, in, dim);
	if (++r >= maxrows)
		return (r);
	/* persistence in plain words */
	x = 0;
	lvl = metrics_redis_persistence(in, rd->save_points,
	    in->server_time_us > 0 ?
	    in->server_time_us / 1000000 : rd->wall_us / 1000000, phrase,
	    sizeof(phrase));
	draw_putf(win, y + r, &x, draw_attr(DR_DIM), "persist  ");
	draw_putf(win, y + r, &x, stale ? dim : rp_level_attr(lvl), "%s", phrase);
	if (rd->save_points < 0 && rd->config_why[0])
		draw_putf(win, y + r, &x, draw_attr(DR_DIM),
		    " (save points unknown: %s)",
		    rd->config_why);
	rp_draw_config_age(win, y + r, &x, rd);
	if (++r >= maxrows)
		return (r);
	rp_draw_repl(win, y + r, in, dim);
	return (++r);
}

/* The slow log's worst entries (or why there are none) and the latency monitor. */
static int
rp_draw_slowlog(WINDOW *win, int y, int maxrows, const struct snap_redis *rd)
{
	char	right[192], title[96], a[32], clk[16];
	int	w = getmaxx(win), r = 0, i, x;

	if (maxrows < 2)
		return (0);
	if (rd->nlat > 0) {
		x = snprintf(right, sizeof(right), "latency:");
		for (i = 0; i < rd->nlat && x < (int)sizeof(right) - 40; i++)
			x += snprintf(right + x, sizeof(right) - (size_t)x,
			    " %s %lld ms (max %lld)",
			    rd->lat[i].event, (long long)rd->lat[i].latest_ms,
			    (long long)rd->lat[i].max_ms);
	} else
		snprintf(right, sizeof(right), "%s", rd->latency_why);
	if (rd->slowlog_len > 0)
		snprintf(title, sizeof(title),
		    "Slow log (worst of the last %lld)",
		    (long long)(rd->slowlog_len < 32 ? rd->slowlog_len : 32));
	else
		snprintf(title, sizeof(title), "Slow log");
	draw_title(win, y + r++, 0, w, title, right);
	if (rd->nslow == 0) {
		draw_text(win, y + r++, 2, w - 2, draw_attr(DR_DIM), 0,
		    rd->slowlog_why);
		return (r);
	}
	for (i = 0; i < rd->nslow && r < maxrows; i++) {
		const struct snap_slow	*s = &rd->slow[i];

		x = 2;
		draw_putf(win, y + r, &x,
		    s->usec >= 100000 ? draw_attr(DR_WARN) : RP_PLAIN,
		    "%9s  ", draw_fmt_latency(a, sizeof(a), (double)s->usec));
		draw_putf(win, y + r, &x, draw_attr(DR_DIM), "%s  ",
		    draw_fmt_clock(clk, sizeof(clk), s->when * 1000000));
		draw_putf(win, y + r, &x, RP_PLAIN, "%-40s", s->cmd);
		draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  %s %s", s->client,
		    s->name);
		r++;
	}
	return (r);
}

/* mcpdb's client side: one line per client, then its busiest commands. */
static int
rp_draw_clients(WINDOW *win, int y, int maxrows, const struct snapshot *snap)
{
	const struct snap_rclient	*rc;
	size_t				 n, i, k;
	char				 a[32], b[32], c[32];
	int				 w = getmaxx(win), r = 0, x;
	int64_t				 now = clk_mono_us();

	rc = snapshot_rclients(snap, &n);
	if (maxrows < 2 || n == 0)
		return (0);
	draw_title(win, y + r++, 0, w, "mcpdb's Redis clients", "client side");
	for (i = 0; i < n && r < maxrows; i++) {
		const struct rds_stats	*st = &rc[i].st;

		x = 0;
		draw_putf(win, y + r, &x, RP_PLAIN, "%-8s ", rc[i].role);
		draw_putf(win, y + r, &x,
		    st->connected ? RP_PLAIN : draw_attr(DR_WARN), "%s",
		    st->endpoint[0] ? st->endpoint : "(not connected yet)");
		if (st->sentinel[0])
			draw_putf(win, y + r, &x, RP_PLAIN, " via sentinel %s",
			    st->sentinel);
		draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  conns %u/%u",
		    st->open_conns, st->max_conns);
		if (st->min_conns > 0)
			draw_putf(win, y + r, &x, st->open_conns < st->min_conns ?
			    draw_attr(DR_WARN) : draw_attr(DR_DIM), " min %u",
			    st->min_conns);
		draw_putf(win, y + r, &x, draw_attr(DR_DIM), "  calls %s  errors ",
		    draw_fmt_count(a, sizeof(a), (long long)st->calls));
		draw_putf(win, y + r, &x,
		    st->errors ? draw_attr(DR_WARN) : RP_PLAIN, "%s",
		    draw_fmt_count(b, sizeof(b), (long long)st->errors));
		draw_putf(win, y + r, &x, draw_attr(DR_DIM),
		    "  reconnects %llu  breaker ",
		    (unsigned long long)st->reconnects);
		draw_putf(win, y + r, &x,
		    st->breaker.state == BREAKER_CLOSED ? RP_PLAIN :
		    draw_attr(DR_BAD), "%s",
		    breaker_state_name(st->breaker.state));
		if (st->attempt > 0)
			draw_putf(win, y + r, &x, draw_attr(DR_WARN),
			    "  attempt %u, next retry %s",
			    st->attempt, st->next_retry_us > now ? draw_fmt_age(c,
			    sizeof(c),
			    (st->next_retry_us - now) / 1e6) : "now");
		r++;
		if (rp_last_error_shown(st) && r < maxrows) {
			x = 9;
			draw_putf(win, y + r++, &x, draw_attr(DR_WARN),
			    "last error: %s",
			    st->last_error);
		}
		if (rc[i].ncmds > 0 && r < maxrows) {
			x = 9;
			for (k = 0; k < rc[i].ncmds && k < 6; k++)
				draw_putf(win, y + r, &x, RP_PLAIN,
				    "%s %s (p50 %s p99 %s%s%s)  ",
				    rc[i].cmds[k].name, draw_fmt_count(a,
				    sizeof(a),
				    (long long)rc[i].cmds[k].calls),
				    draw_fmt_latency(b, sizeof(b),
				    (double)rc[i].cmds[k].p50_us),
				    draw_fmt_latency(c, sizeof(c),
				    (double)rc[i].cmds[k].p99_us),
				    rc[i].cmds[k].errors ? ", errors " : "",
				    rc[i].cmds[k].errors ? draw_fmt_count(a,
				    sizeof(a),
				    (long long)rc[i].cmds[k].errors) : "");
			r++;
		}
	}
	return (r);
}

/* The Pub/Sub monitor: title, then the newest messages that fit (newest last). */
static void
rp_draw_pubsub(struct pane_redis *rp, WINDOW *win, int y, int h)
{
	struct rp_ring	*ring = rp->ring;
	char		 right[256], clk[16], sz[32];
	int		 w = getmaxx(win), rows, i, first, x;
	uint64_t	 messages;
	bool		 connected;

	if (h < 2)
		return;
	pthread_mutex_lock(&ring->mtx);
	messages = ring->messages;
	connected = ring->connected;
	rp->seen = ring->seq;
	if (rp->busy)
		snprintf(right, sizeof(right), "working...");
	else if (rp->sub != NULL)
		snprintf(right, sizeof(right),
		    "%s %s%s, %llu message%s  (u unsubscribe)",
		    rp->pattern ? "pattern" : "channel", rp->spec,
		    connected ? "" : " (reconnecting)",
		    (unsigned long long)messages,
		    messages == 1 ? "" : "s");
	else
		snprintf(right, sizeof(right), "s subscribe");
	draw_title(win, y, 0, w, "Pub/Sub monitor", right);
	rows = h - 1 - (rp->editing ? 1 : 0);
	if (ring->n == 0 && !rp->editing)
		draw_text(win, y + 1, 2, w - 2, draw_attr(DR_DIM), 0, rp->sub ?
		    "(subscribed: no message yet)" :
		    "(not subscribed: press s and type a channel, or a pattern with * ? [ ])");
	first = ring->n > rows ? ring->n - rows : 0;
	for (i = first; i < ring->n; i++) {
		const struct rp_msg	*m = &ring->m[(ring->head - ring->n + i + RP_RING) %
		    RP_RING];

		x = 0;
		draw_putf(win, y + 1 + i - first, &x, draw_attr(DR_DIM), "%s ",
		    draw_fmt_clock(clk, sizeof(clk), m->wall_us));
		if (m->note[0]) {
			draw_putf(win, y + 1 + i - first, &x, draw_attr(DR_WARN),
			    "-- %s", m->note);
			continue;
		}
		draw_putf(win, y + 1 + i - first, &x, draw_attr(DR_KEY), "%s",
		    m->chan);
		if (m->pat[0])
			draw_putf(win, y + 1 + i - first, &x, draw_attr(DR_DIM),
			    " (%s)", m->pat);
		draw_putf(win, y + 1 + i - first, &x, RP_PLAIN, "  %s", m->data);
		if (m->len > sizeof(m->data) - 4)
			draw_putf(win, y + 1 + i - first, &x, draw_attr(DR_DIM),
			    " (%s)",
			    draw_fmt_bytes(sz, sizeof(sz), (double)m->len));
	}
	pthread_mutex_unlock(&ring->mtx);
	if (rp->editing) {
		x = 0;
		draw_putf(win, y + h - 1, &x, draw_attr(DR_KEY),
		    "subscribe to (channel, or pattern with * ? [ ]): %s_",
		    rp->edit);
	}
}

/*
 * One line on the target's TLS when it uses rediss://: red when
 * tls_insecure turned verification off. Returns the rows used.
 */
static int
rp_draw_tls(WINDOW *win, int y, const struct conf_target *t)
{
	struct rdsuri	u;
	bool		tls;
	int		x = 0;

	if (t == NULL || t->redis == NULL)
		return (0);
	if (rdsuri_cluster_is(t->redis))
		tls = rdsuri_cluster_tls(t->redis);
	else if (rdsuri_parse(t->redis, &u, NULL) == -1)
		return (0);
	else {
		tls = u.tls;
		rdsuri_done(&u);
	}
	if (!tls)
		return (0);
	if (t->redis_opts.tls_insecure)
		draw_putf(win, y, &x, draw_attr(DR_BAD), "TLS INSECURE: the "
		    "server certificate is not verified (tls_insecure)");
	else
		draw_putf(win, y, &x, draw_attr(DR_OK), "TLS on, certificate "
		    "verified against %s", t->redis_opts.tls_ca_file[0] ?
		    t->redis_opts.tls_ca_file : "the system trust store");
	return (1);
}

/* Draw the whole pane. */
static void
pane_redis_draw(void *arg, WINDOW *win, bool focused)
{
	struct pane_redis		*rp = arg;
	const struct snap_redis		*rd;
	const struct snap_server_status	*st;
	const struct conf_target	*t = ui_target(rp->ui);
	char				 title[160], right[64], a[32], b[32];
	int				 h = getmaxy(win), w = getmaxx(win), y,
	    x = 0, left;
	bool				 stale;

	if (dash_view_active(rp->keyspace)) {
		dash_view_draw(rp->keyspace, win, focused);
		return;
	}
	if (t != NULL && (t->redis == NULL || t->redis[0] == '\0')) {
		draw_title(win, 0, 0, w, "Redis", "not configured");
		draw_textf(win, 2, 1, w - 2, draw_attr(DR_DIM), 0,
		    "No Redis is configured "
		    "for target %s: set \"redis\" in its config entry or REDIS_URL.", t->name);
		return;
	}
	if (rp->snap == NULL) {
		draw_title(win, 0, 0, w, "Redis",
		    "waiting for the first sample");
		rp_draw_pubsub(rp, win, 2, h - 2);
		return;
	}
	if (rdclients_active(rp->clients)) {
		rdclients_draw(rp->clients, win, focused);
		return;
	}
	if (rp->full_pubsub) {
		rp_draw_pubsub(rp, win, 0, h);
		return;
	}
	rd = snapshot_redis(rp->snap);
	y = rp_draw_header(win, rp->snap, rd, &stale);
	if (rd == NULL) {
		st = &snapshot_status(rp->snap)->redis;
		draw_putf(win, y++, &x, draw_attr(DR_BAD),
		    "no data from Redis yet: %s%s%s",
		    st->state, st->error[0] ? " - " : "", st->error);
		y += rp_draw_clients(win, y + 1, 4, rp->snap) + 1;
		rp_draw_pubsub(rp, win, y, h - y);
		return;
	}
	if (rd->banner[0]) {
		x = 0;
		draw_putf(win, y++, &x, draw_attr(DR_BAD), "! %s", rd->banner);
	}
	y += rp_draw_tls(win, y, t);
	if (rd->cluster != NULL)	/* the cluster first, then one node */
		y += dash_cluster_draw(win, y, h - y - 9, rd->cluster, stale);
	snprintf(title, sizeof(title), "Server %s %s, up %s, run_id %.8s",
	    rd->info.version, rd->info.role[0] ? rd->info.role : "?",
	    draw_fmt_age(a, sizeof(a), (double)rd->info.uptime_s), rd->info.run_id);
	snprintf(right, sizeof(right), "INFO + PING in %s",
	    draw_fmt_latency(b, sizeof(b), (double)rd->took_us));
	draw_title(win, y++, 0, w, title, right);
	left = h - y;
	y += rp_draw_server(win, y, left > 7 ? 7 : left, rd, stale);
	left = h - y;
	if (left > 8)
		y += rp_draw_slowlog(win, y, left - 8 > 6 ? 6 : left - 8, rd);
	left = h - y;
	if (left > 6)
		y += rp_draw_clients(win, y, left - 5 > 7 ? 7 : left - 5,
		    rp->snap);
	rp_draw_pubsub(rp, win, y, h - y);
}

/* ---------------------------------------------------------------- keys */

/* Keys while typing a channel. */
static int
rp_edit_key(struct pane_redis *rp, int ch)
{
	switch (ch) {
	case 27:
		rp->editing = false;
		break;
	case '\n': case '\r': case KEY_ENTER:
		rp->editing = false;
		if (rp->elen > 0)
			rp_subscribe(rp, rp->edit);
		break;
	case KEY_BACKSPACE: case 127: case 8:
		if (rp->elen > 0)
			rp->edit[--rp->elen] = '\0';
		break;
	case 21:	/* Ctrl-U */
		rp->elen = 0;
		rp->edit[0] = '\0';
		break;
	default:
		if (ch > 32 && ch < 127 && rp->elen + 1 < sizeof(rp->edit)) {
			rp->edit[rp->elen++] = (char)ch;
			rp->edit[rp->elen] = '\0';
		}
		break;
	}
	return (PANE_HANDLED | PANE_REDRAW);
}

/* Keys of the pane. */
static int
pane_redis_key(void *arg, int ch)
{
	struct pane_redis	*rp = arg;

	if (rp->editing)
		return (rp_edit_key(rp, ch));
	if (rdclients_active(rp->clients))
		return (rdclients_key(rp->clients, ch));
	if (dash_view_active(rp->keyspace))
		return (dash_view_key(rp->keyspace, ch, 'k'));
	switch (ch) {
	case 'k':
		dash_view_open(rp->keyspace);
		return (PANE_HANDLED | PANE_REDRAW);
	case 'C':
		rdclients_open(rp->clients);
		return (PANE_HANDLED | PANE_REDRAW);
	case 's':
		rp->editing = true;
		rp->elen = 0;
		rp->edit[0] = '\0';
		return (PANE_HANDLED | PANE_REDRAW);
	case 'u':
		rp_subscribe(rp, "");
		return (PANE_HANDLED | PANE_REDRAW);
	case 'p':
		rp->full_pubsub = !rp->full_pubsub;
		return (PANE_HANDLED | PANE_REDRAW);
	case 'c':
		pthread_mutex_lock(&rp->ring->mtx);
		rp->ring->n = 0;
		pthread_mutex_unlock(&rp->ring->mtx);
		return (PANE_HANDLED | PANE_REDRAW);
	default:
		return (PANE_UNHANDLED);
	}
}

/* The pane's data for `e`: the Redis part, the clients and the Pub/Sub monitor. */
static cJSON *
pane_redis_export(void *arg)
{
	struct pane_redis	*rp = arg;
	struct rp_ring		*ring = rp->ring;
	cJSON			*o, *ps, *a, *m;
	char			 ts[32];
	int			 i;
	time_t			 t;
	struct tm		 tm;

	o = rp->snap ? snapshot_redis_json(rp->snap) : cJSON_CreateObject();
	ps = cJSON_AddObjectToObject(o, "pubsub");
	if (rp->sub != NULL) {
		cJSON_AddStringToObject(ps, rp->pattern ? "pattern" : "channel",
		    rp->spec);
	} else
		cJSON_AddNullToObject(ps, "channel");
	a = cJSON_AddArrayToObject(ps, "messages");
	pthread_mutex_lock(&ring->mtx);
	cJSON_AddNumberToObject(ps, "received", (double)ring->messages);
	for (i = ring->n > 50 ? ring->n - 50 : 0; i < ring->n; i++) {
		const struct rp_msg	*e = &ring->m[(ring->head - ring->n + i + RP_RING) %
		    RP_RING];

		m = cJSON_CreateObject();
		t = (time_t)(e->wall_us / 1000000);
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(m, "time", ts);
		if (e->note[0])
			cJSON_AddStringToObject(m, "notice", e->note);
		else {
			cJSON_AddStringToObject(m, "channel", e->chan);
			if (e->pat[0])
				cJSON_AddStringToObject(m, "pattern", e->pat);
			cJSON_AddStringToObject(m, "data", e->data);
		}
		cJSON_AddItemToArray(a, m);
	}
	pthread_mutex_unlock(&ring->mtx);
	return (o);
}

const struct pane_ops pane_redis_ops = {
	.name = "Redis", .hotkey = '2', .keys = pane_redis_keys,
	.init = pane_redis_init, .free = pane_redis_free,
	    .update = pane_redis_update,
	.draw = pane_redis_draw, .key = pane_redis_key, .tick = pane_redis_tick,
	.export = pane_redis_export,
};
