/*
 * conn.c - the connection manager: owns the selected target's PostgreSQL
 * pool and Redis client, each created on first use under one mutex (held
 * only to create or hand out the pointer, never during I/O: the pool and the
 * client do their own locking).
 */
#include "config.h"

#include "conn.h"

#include <pthread.h>
#include <stdlib.h>

#include "pool.h"
#include "rds-cluster.h"
#include "rds.h"
#include "rds-warm.h"
#include "rds-watch.h"
#include "xmem.h"

struct conn {
	pthread_mutex_t			 mtx;
	const struct conf_target	*target;
	struct logger			*log;
	char				*component;
	struct pool			*pool;
	struct rds			*rds;
	bool				 push;	/* watch the sentinels (conn_push) */
	struct rds_watch		*watch;
	struct rds_warm			*warm;	/* min_connections kept open */
};

struct conn *
conn_new(const struct conf_target *t, struct logger *log, const char *component)
{
	struct conn	*c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mtx, NULL);
	c->target = t;
	c->log = log;
	c->component = xstrdup(component ? component : "cli");
	return (c);
}

struct pool *
conn_pool(struct conn *c, struct mc_err *err)
{
	struct pool	*p;

	pthread_mutex_lock(&c->mtx);
	if (c->pool == NULL)
		c->pool = pool_new(c->target, c->log, c->component, err);
	p = c->pool;
	pthread_mutex_unlock(&c->mtx);
	return (p);
}

/*
 * A Redis client for the target: a cluster router for redis+cluster://, or
 * for a single TCP node that answers cluster_enabled:1 (one short probe,
 * once, under c->mtx: callers would wait for the client anyway), else the
 * single-node client.
 */
static struct rds *
conn_rds_make(struct conn *c, struct mc_err *err)
{
	const struct conf_target	*t = c->target;
	struct rds			*r;

	if (t != NULL && rdsuri_cluster_is(t->redis))
		return (rds_cluster_open(t, c->log, c->component, err));
	if ((r = rds_new(t, c->log, c->component, err)) != NULL)
		(void)rds_cluster_detect(r, t, c->component);
	return (r);
}

struct rds *
conn_rds(struct conn *c, struct mc_err *err)
{
	struct rds	*r;

	pthread_mutex_lock(&c->mtx);
	if (c->rds == NULL) {
		c->rds = conn_rds_make(c, err);
		c->warm = rds_warm_new(c->rds, c->log);
		if (c->rds != NULL && c->push)
			c->watch = rds_watch_new(c->rds, c->target, c->log);
	}
	r = c->rds;
	pthread_mutex_unlock(&c->mtx);
	return (r);
}

void
conn_push(struct conn *c)
{
	pthread_mutex_lock(&c->mtx);
	c->push = true;
	if (c->rds != NULL && c->watch == NULL)
		c->watch = rds_watch_new(c->rds, c->target, c->log);
	pthread_mutex_unlock(&c->mtx);
}

const struct conf_target *
conn_target(const struct conn *c)
{
	return (c->target);
}

void
conn_shutdown(struct conn *c, int wait_ms)
{
	struct pool	*p;

	pthread_mutex_lock(&c->mtx);
	p = c->pool;
	pthread_mutex_unlock(&c->mtx);
	if (p != NULL)
		pool_shutdown(p, wait_ms);
}

void
conn_interrupt(struct conn *c)
{
	struct pool	*p;

	pthread_mutex_lock(&c->mtx);
	p = c->pool;
	pthread_mutex_unlock(&c->mtx);
	pool_interrupt(p);
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	conn_shutdown(c, 2000);
	pool_free(c->pool);
	rds_watch_free(c->watch);
	rds_warm_free(c->warm);
	rds_free(c->rds);
	pthread_mutex_destroy(&c->mtx);
	free(c->component);
	free(c);
}
