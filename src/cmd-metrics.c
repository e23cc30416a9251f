/*
 * cmd-metrics.c - `metrics`: one scrape in the Prometheus text format, or
 * (--listen) an HTTP endpoint serving GET /metrics.
 *
 * Model: the same poller the TUI's dashboards use samples the servers once
 * per refresh interval; every new snapshot is rendered once (promexp.c,
 * prom.c) into a page kept under a mutex, and each scrape copies that page.
 * So scrapers add no load on PostgreSQL or Redis, however many there are.
 * The slower figures the poller does not collect (migration state, database
 * size) are read by an extras thread every METRICS_EXTRAS_S seconds.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "clk.h"
#include "cmd.h"
#include "conn.h"
#include "httpd.h"
#include "migrate.h"
#include "poller.h"
#include "pool.h"
#include "prom.h"
#include "promexp.h"
#include "rds-cluster.h"
#include "xmem.h"

#define METRICS_EXTRAS_S	30	/* migration state, database size */
#define METRICS_ONCE_WAIT_MS	10000	/* one-shot: wait this long for data */
#define METRICS_DB_DEADLINE_MS	5000

/* The exporter: the page scrapers copy and the extras thread's results. */
struct metrics_srv {
	const struct conf_target *target;	/* borrowed from the ctx */
	struct logger		*log;
	const char		*dir;		/* --dir, or NULL */
	struct conn		*conn;		/* the extras' own pool */
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;		/* stop the extras thread */
	bool			 stop;
	char			*page;		/* the rendered scrape */
	size_t			 pagelen;
	struct promexp_extra	 extra;
	uint64_t		 extra_gen;	/* bumps on each extras read */
};

/*
 * When the target's Redis is a cluster, describe it into cl (left unread
 * otherwise): about one PING + INFO per node.
 */
static void
metrics_cluster(struct metrics_srv *m, struct promexp_cluster *cl)
{
	struct rds_cluster_view	*v;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	size_t			 i;

	if (m->target->redis == NULL || *m->target->redis == '\0' ||
	    (r = conn_rds(m->conn, &err)) == NULL || !rds_is_cluster(r))
		return;
	v = xcalloc(1, sizeof(*v));
	if (rds_cluster_describe(r, v, &err) == -1) {
		log_debug(m->log, "metrics: redis cluster: %s", err.msg);
		free(v);
		return;
	}
	cl->read = true;
	cl->state_ok = strcmp(v->state, "ok") == 0;
	cl->slots_assigned = v->slots_assigned;
	cl->slots_ok = v->slots_ok;
	cl->slots_pfail = v->slots_pfail;
	cl->slots_fail = v->slots_fail;
	cl->known_nodes = v->known_nodes;
	cl->size = v->size;
	cl->current_epoch = v->current_epoch;
	cl->uncovered = v->uncovered;
	cl->nodes = (int)v->nnodes;
	for (i = 0; i < v->nnodes; i++)
		if (!v->nodes[i].reachable)
			cl->unreachable++;
	free(v);
}

/*
 * Read the migration state, a Redis Cluster's state and the database size
 * into x (any thread).
 */
static void
metrics_extras(struct metrics_srv *m, struct promexp_extra *x)
{
	struct migrate_opts	 o;
	struct migrate_status	*st, **v;
	struct mc_err		 err = { 0 };
	struct pool		*p;
	PGconn			*c;
	PGresult		*res;
	size_t			 i, k, nv = 0;

	memset(x, 0, sizeof(*x));
	metrics_cluster(m, &x->cluster);
	migrate_opts_init(&o);
	o.dir = m->dir;
	x->mig.configured = true;
	x->mig.wall_us = clk_wall_us();
	if ((v = migrate_status_each(m->target, &o, &nv, &err)) == NULL)
		log_debug(m->log, "metrics: migration state: %s", err.msg);
	else
		x->mig.ok = true;
	for (k = 0; v != NULL && k < nv; k++) {
		st = v[k];
		x->mig.lock_held = x->mig.lock_held || st->lock_holder != NULL;
		for (i = 0; i < st->n; i++) {
			switch (st->rows[i].state) {
			case MIG_APPLIED:
				x->mig.applied++;
				break;
			case MIG_PENDING:
				x->mig.pending++;
				break;
			case MIG_MISMATCH:
			case MIG_MISSING:
				x->mig.applied++;	/* applied, but drifted */
				x->mig.drifted++;
				break;
			case MIG_FAILED:
				x->mig.failed++;
				break;
			case MIG_RUNNING:
				x->mig.running++;
				break;
			}
		}
	}
	migrate_statuses_free(v, nv);
	mc_err_clear(&err);
	if ((p = conn_pool(m->conn, &err)) == NULL ||
	    (c = pool_acquire(p, "metrics", &err)) == NULL) {
		log_debug(m->log, "metrics: database size: %s", err.msg);
		return;
	}
	res = pool_query_deadline(p, c, "SELECT current_database(),"
	    " pg_database_size(current_database())", 0, NULL,
	    METRICS_DB_DEADLINE_MS, &err);
	pool_release(p, c);
	if (res == NULL) {
		log_debug(m->log, "metrics: database size: %s", err.msg);
		return;
	}
	x->db_ok = true;
	x->wall_us = clk_wall_us();
	snprintf(x->datname, sizeof(x->datname), "%s", PQgetvalue(res, 0, 0));
	x->db_size_bytes = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
}

/* The extras thread: read, publish, sleep METRICS_EXTRAS_S, until stopped. */
static void *
metrics_extras_main(void *arg)
{
	struct metrics_srv	*m = arg;
	struct promexp_extra	 x;
	struct timespec		 ts;
	bool			 stop = false;

	while (!stop) {
		metrics_extras(m, &x);
		pthread_mutex_lock(&m->mtx);
		m->extra = x;
		m->extra_gen++;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += METRICS_EXTRAS_S;
		while (!m->stop && pthread_cond_timedwait(&m->cond, &m->mtx,
		    &ts) != ETIMEDOUT)
			;
		stop = m->stop;
		pthread_mutex_unlock(&m->mtx);
	}
	return (NULL);
}

/* Render s (may be NULL) and x into a new page. Caller frees. */
static char *
metrics_render(const struct snapshot *s, const struct promexp_extra *x,
    size_t *len)
{
	struct prom	*p = prom_new();
	struct buf	 b;

	buf_init(&b);
	promexp_snapshot(p, s, x);
	prom_render(p, &b);
	prom_free(p);
	*len = b.len;
	return (buf_detach(&b));
}

/* Swap in a freshly rendered page. */
static void
metrics_publish(struct metrics_srv *m, const struct snapshot *s)
{
	struct promexp_extra	 x;
	char			*page, *old;
	size_t			 len;

	pthread_mutex_lock(&m->mtx);
	x = m->extra;
	pthread_mutex_unlock(&m->mtx);
	page = metrics_render(s, &x, &len);
	pthread_mutex_lock(&m->mtx);
	old = m->page;
	m->page = page;
	m->pagelen = len;
	pthread_mutex_unlock(&m->mtx);
	free(old);
}

/* HTTP handler (connection threads): /metrics, an index at /, 404 else. */
static int
metrics_handle(void *arg, const char *path, struct buf *body,
    const char **ctype)
{
	struct metrics_srv	*m = arg;

	if (strcmp(path, "/metrics") == 0) {
		pthread_mutex_lock(&m->mtx);
		buf_append(body, m->page, m->pagelen);
		pthread_mutex_unlock(&m->mtx);
		*ctype = PROM_CONTENT_TYPE;
		return (200);
	}
	if (strcmp(path, "/") == 0) {
		buf_puts(body, "mcpdb metrics exporter: scrape /metrics\n");
		return (200);
	}
	buf_printf(body, "404 Not Found: no %s here; the metrics are at "
	    "/metrics\n", path);
	return (404);
}

/*
 * Has the first sample of each configured server come back (data or an
 * error), so a one-shot scrape says up or down rather than "not yet"?
 */
static bool
metrics_decided(const struct snapshot *s, int64_t since_us)
{
	const struct snap_status	*st = snapshot_status(s);
	const struct snap_pg		*pg = snapshot_pg(s);
	const struct snap_redis		*rd = snapshot_redis(s);
	bool				 pg_done, rd_done;

	pg_done = (pg != NULL && pg->wall_us >= since_us && st->pg.up) ||
	    (!st->pg.up && st->pg.error[0] != '\0');
	rd_done = !st->redis.configured ||
	    (rd != NULL && rd->wall_us >= since_us && st->redis.up) ||
	    (!st->redis.up && st->redis.error[0] != '\0');
	return (pg_done && rd_done);
}

/* Wait for a decided snapshot (or the deadline); returns the newest. */
static struct snapshot *
metrics_first(struct poller *pl, volatile sig_atomic_t *stop, int wait_ms)
{
	struct snapshot	*s = NULL, *n;
	struct pollfd	 pfd;
	int64_t		 t0 = clk_wall_us(), end = clk_mono_us() +
			    wait_ms * 1000LL;

	while (!*stop && clk_mono_us() < end) {
		pfd.fd = poller_fd(pl);
		pfd.events = POLLIN;
		if (pfd.fd < 0 || poll(&pfd, 1, 100) >= 0) {
			if (pfd.fd < 0)
				usleep(100 * 1000);
			if ((n = poller_take(pl)) != NULL) {
				snapshot_free(s);
				s = n;
				if (metrics_decided(s, t0))
					break;
			}
		}
	}
	return (s);
}

static const struct cmd_opt cmd_metrics_opts[] = {
	{ "listen", 'l', "[ADDR:]PORT", "serve GET /metrics over HTTP on ADDR:PORT (ADDR default 127.0.0.1) until SIGTERM/Ctrl-C", CC_NONE },
	{ "interval", 0, "SECONDS", "--listen: refresh interval of the samples, 1..3600 (default 5)", CC_NONE },
	{ "dir", 0, "DIR", "migrations directory for the migration figures (default as `migrate status`)", CC_FILE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* metrics [--listen ADDR:PORT [--interval S]] [--dir DIR] */
static int
cmd_metrics_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	struct metrics_srv	 m;
	struct poller		*pl = NULL;
	struct httpd		*h = NULL;
	struct snapshot		*s = NULL, *n;
	struct pollfd		 pfd;
	const char		*listen = cmd_opt(a, "listen");
	pthread_t		 xt;
	bool			 xt_started = false;
	uint64_t		 seen_gen;
	long			 interval;
	int			 status = 0;

	if (cmd_opt_int(a, "interval", 5, 1, 3600, &interval, err) != 0)
		return (-1);
	if (ctx->json)
		return (mc_err_set(err, MC_E_USAGE, "metrics prints the "
		    "Prometheus text format; --json does not apply"));
	if (cmd_opt(a, "interval") != NULL && listen == NULL)
		return (mc_err_set(err, MC_E_USAGE,
		    "--interval only applies with --listen"));
	memset(&m, 0, sizeof(m));
	m.target = ctx->target;
	m.log = ctx->log;
	m.dir = cmd_opt(a, "dir");
	pthread_mutex_init(&m.mtx, NULL);
	pthread_cond_init(&m.cond, NULL);
	/* bind first: a port in use or a bad address fails before any dial */
	if (listen != NULL &&
	    (h = httpd_new(listen, metrics_handle, &m, ctx->log, err)) == NULL) {
		status = -1;
		goto done;
	}
	m.conn = conn_new(ctx->target, ctx->log, "metrics");
	conn_push(m.conn);
	pl = poller_new(ctx->target, ctx->log,
	    listen != NULL ? (int)interval * 1000 : 250, err);
	if (pl == NULL || poller_start(pl, err) != 0) {
		status = -1;
		goto done;
	}
	if (listen == NULL) {		/* one scrape */
		metrics_extras(&m, &m.extra);
		s = metrics_first(pl, ctx->stop, METRICS_ONCE_WAIT_MS);
		if (*ctx->stop) {
			status = 130;
			goto done;
		}
		metrics_publish(&m, s);
		out_printf(ctx->out, "%s", m.page);
		goto done;
	}

	if (pthread_create(&xt, NULL, metrics_extras_main, &m) != 0) {
		status = mc_err_set(err, MC_E_SYS, "metrics: cannot start a "
		    "thread");
		goto done;
	}
	xt_started = true;
	s = metrics_first(pl, ctx->stop, 3000);
	pthread_mutex_lock(&m.mtx);
	seen_gen = m.extra_gen;
	pthread_mutex_unlock(&m.mtx);
	metrics_publish(&m, s);
	if (httpd_start(h, err) != 0) {
		status = -1;
		goto done;
	}
	log_info(ctx->log, "metrics: serving target %s on http://%s/metrics "
	    "(refresh every %ld s); stop with SIGTERM or Ctrl-C",
	    ctx->target->name, httpd_addr(h), interval);
	while (!*ctx->stop) {
		bool	fresh = false;

		pfd.fd = poller_fd(pl);
		pfd.events = POLLIN;
		if (pfd.fd < 0)
			usleep(200 * 1000);
		else
			(void)poll(&pfd, 1, 200);
		if ((n = poller_take(pl)) != NULL) {
			snapshot_free(s);
			s = n;
			fresh = true;
		}
		pthread_mutex_lock(&m.mtx);
		if (m.extra_gen != seen_gen) {
			seen_gen = m.extra_gen;
			fresh = true;
		}
		pthread_mutex_unlock(&m.mtx);
		if (fresh)
			metrics_publish(&m, s);
	}
	log_info(ctx->log, "metrics: stopping after %lu requests",
	    httpd_served(h));
done:
	httpd_free(h);			/* no scraper reads m after this */
	if (xt_started) {
		pthread_mutex_lock(&m.mtx);
		m.stop = true;
		pthread_cond_broadcast(&m.cond);
		pthread_mutex_unlock(&m.mtx);
		pthread_join(xt, NULL);
	}
	poller_free(pl);
	snapshot_free(s);
	conn_close(m.conn);
	free(m.page);
	pthread_mutex_destroy(&m.mtx);
	pthread_cond_destroy(&m.cond);
	return (status);
}

static const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics", .summary = "Prometheus metrics: one scrape, or an HTTP endpoint with --listen",
	.help = "Prints one scrape in the Prometheus text format 0.0.4: this process's pools\n"
	    "and Redis clients (mcpdb_*), PostgreSQL (pg_*), Redis (redis_*) and the\n"
	    "migration state. A server that is down is reported as pg_up 0 / redis_up 0.\n"
	    "--listen [ADDR:]PORT serves GET /metrics (404 elsewhere) from one poller\n"
	    "that samples every --interval seconds; scrapes add no server load. It binds\n"
	    "127.0.0.1 unless ADDR says otherwise (0.0.0.0 or [::] for every interface)\n"
	    "and exits 0 on SIGTERM or Ctrl-C. A port in use is exit 1, a bad address exit 2.",
	.opts = cmd_metrics_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET | CMD_STREAMS | CMD_SERVER,
	.exec = cmd_metrics_exec,
};

const struct cmd_entry *const cmd_metrics_entries[] = { &cmd_metrics_entry, NULL };
