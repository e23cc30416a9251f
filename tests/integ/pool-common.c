/* pool-common.c - shared set-up for the pool's integration tests. */
#include "config.h"

#include "pool-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "breaker.h"
#include "buf.h"
#include "tap.h"
#include "xmem.h"
#include "clk.h"

/* Append key='value' (libpq quoting) to b. */
static void
tp_put_kv(struct buf *b, const char *key, const char *val)
{
	const char	*s;

	buf_printf(b, "%s%s='", b->len ? " " : "", key);
	for (s = val; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

/* Rebuild url (keyword or URI form) as keywords with dbname replaced. */
static char *
tp_with_db(const char *url, const char *db)
{
	PQconninfoOption	*opts, *o;
	struct buf		 b;
	char			*msg = NULL, *s;

	if ((opts = PQconninfoParse(url, &msg)) == NULL)
		bail_out("MCPDB_TEST_PGURL does not parse: %s", msg ? msg : "?");
	buf_init(&b);
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "dbname") == 0)
			continue;
		if (o->val != NULL && o->val[0] != '\0')
			tp_put_kv(&b, o->keyword, o->val);
	}
	tp_put_kv(&b, "dbname", db);
	PQconninfoFree(opts);
	s = buf_detach(&b);
	buf_done(&b);		/* harmless if detach left nothing behind */
	return (s);
}

void
tp_setup(struct tp_env *e, const char *name)
{
	char	*q;
	char	 sql[256];

	memset(e, 0, sizeof(*e));
	e->url = getenv("MCPDB_TEST_PGURL");
	if (e->url == NULL || *e->url == '\0')
		skip_all("MCPDB_TEST_PGURL not set; run under "
		    "tests/harness/with-servers.sh");
	e->ctl = PQconnectdb(e->url);
	if (PQstatus(e->ctl) != CONNECTION_OK)
		bail_out("control connection: %s", PQerrorMessage(e->ctl));
	PQclear(PQexec(e->ctl, "SET client_min_messages = warning"));
	snprintf(e->db, sizeof(e->db), "mcpdb_t_pool_%s_%ld", name,
	    (long)getpid());
	snprintf(e->comp, sizeof(e->comp), "t-%s-%ld", name, (long)getpid());
	snprintf(e->app, sizeof(e->app), "mcpdb/%s", e->comp);
	q = PQescapeIdentifier(e->ctl, e->db, strlen(e->db));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", q);
	tp_exec(e, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", q);
	tp_exec(e, sql);
	PQfreemem(q);
	e->dburl = tp_with_db(e->url, e->db);
}

void
tp_teardown(struct tp_env *e)
{
	char	*q;
	char	 sql[256];

	if (e->ctl == NULL)
		return;
	if (PQstatus(e->ctl) != CONNECTION_OK)
		PQreset(e->ctl);
	q = PQescapeIdentifier(e->ctl, e->db, strlen(e->db));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", q);
	PQclear(PQexec(e->ctl, sql));
	PQfreemem(q);
	PQfinish(e->ctl);
	e->ctl = NULL;
	free(e->dburl);
	e->dburl = NULL;
}

void
tp_target(const struct tp_env *e, struct conf_target *t)
{
	memset(t, 0, sizeof(*t));
	conf_target_defaults(t);
	t->name = (char *)"test";
	t->pg = e->dburl;
}

void
tp_exec(struct tp_env *e, const char *sql)
{
	PGresult	*res = PQexec(e->ctl, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		bail_out("%s: %s", sql, PQerrorMessage(e->ctl));
	PQclear(res);
}

long long
tp_int(struct tp_env *e, const char *sql, const char *param)
{
	PGresult	*res;
	long long	 v;

	res = PQexecParams(e->ctl, sql, param ? 1 : 0, NULL, &param, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		bail_out("%s: %s", sql, PQerrorMessage(e->ctl));
	v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (v);
}

int
tp_backends(struct tp_env *e, const char *app)
{
	return ((int)tp_int(e, "SELECT count(*) FROM pg_stat_activity "
	    "WHERE application_name = $1", app));
}

bool
tp_terminate(struct tp_env *e, int pid)
{
	char	buf[32];
	int	i;

	snprintf(buf, sizeof(buf), "%d", pid);
	tp_int(e, "SELECT pg_terminate_backend($1::int)::int", buf);
	for (i = 0; i < 500; i++) {
		if (tp_int(e, "SELECT count(*) FROM pg_stat_activity "
		    "WHERE pid = $1::int", buf) == 0)
			return (true);
		tp_sleep(10);
	}
	return (false);
}

int64_t
tp_now(void)
{
	return (clk_mono_us());
}

void
tp_sleep(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

long long
tp_scalar(PGconn *conn, const char *sql)
{
	PGresult	*res = PQexec(conn, sql);
	long long	 v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (v);
}

bool
tp_wait(struct pool *p, bool (*pred)(const struct pool_stats *, int), int arg,
    int ms)
{
	int64_t			end = tp_now() + (int64_t)ms * 1000;
	struct pool_stats	s;

	for (;;) {
		s = pool_stats(p);
		if (pred(&s, arg))
			return (true);
		if (tp_now() >= end)
			return (false);
		tp_sleep(5);
	}
}
