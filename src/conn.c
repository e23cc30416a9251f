/*
 * conn.c - the connection manager: owns the selected target's PostgreSQL
 * pool and Redis client, each created on first use under one mutex.
 */
#include "config.h"

#include "conn.h"

#include <pthread.h>
#include <stdlib.h>

#include "xmem.h"

struct conn {
	pthread_mutex_t			 mtx;
	const struct conf_target	*target;
	struct logger			*log;
	char				*component;
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
	mc_err_set(err, MC_E_INTERNAL, "the PostgreSQL pool is not built in yet");
	return (NULL);
}

struct rds *
conn_rds(struct conn *c, struct mc_err *err)
{
	mc_err_set(err, MC_E_INTERNAL, "the Redis client is not built in yet");
	return (NULL);
}

const struct conf_target *
conn_target(const struct conn *c)
{
	return (c->target);
}

void
conn_shutdown(struct conn *c, int wait_ms)
{
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	conn_shutdown(c, 2000);
	pthread_mutex_destroy(&c->mtx);
	free(c->component);
	free(c);
}
