/*
 * pg-locks.c - PostgreSQL blocking chains as a tree (see pg-locks.h).
 *
 * Model: one statement lists the sessions that wait on a lock (with the
 * pids pg_blocking_pids() names) and the sessions they wait on; the tree is
 * built here, in memory, without another round trip. pg_blocking_pids()
 * takes the lock manager's partition locks, so callers ask for the tree
 * only when someone wants to see it (the CLI, the open lock tree view).
 */
#include "config.h"

#include "pg-locks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgq.h"
#include "xmem.h"

/* Rows a tree shows at most (a session under several blockers repeats). */
#define PG_LOCKS_MAX_ROWS	(4 * PG_LOCKS_MAX)
#define PG_LOCKS_MAX_BY		16

/* A session as read, with its blockers. */
struct pg_locks_in {
	struct pg_lock_node	 n;
	int			 by[PG_LOCKS_MAX_BY];
	int			 nby;
	bool			 seen;	/* emitted at least once */
	bool			 open;	/* on the current path (cycle guard) */
};

struct pg_locks {
	struct pg_lock_node	*rows;
	size_t			 nrows;
	int			 waiters;
};

/*
 * The waiters (a Lock wait event and someone to blame), the union with the
 * sessions they name, and for each: who it is, the lock it waits for (the
 * relation of that lock, else of the tuple lock it holds: a row waiter
 * waits on a transaction id, which names no table) and since when.
 */
static const char pg_locks_q14[] =
    "WITH w AS (SELECT pid, pg_blocking_pids(pid) AS by"
    " FROM pg_stat_activity WHERE wait_event_type = 'Lock'),"
    " n AS (SELECT pid FROM w WHERE cardinality(by) > 0"
    " UNION SELECT unnest(by) FROM w)"
    " SELECT a.pid, a.usename, a.application_name, a.state,"
    " (extract(epoch FROM a.backend_start) * 1000000)::bigint,"
    " extract(epoch FROM now() - a.xact_start)::float8,"
    " l.mode, l.locktype, COALESCE(l.rel, t.rel),"
    " CASE WHEN w.pid IS NOT NULL THEN extract(epoch FROM now() -"
    " COALESCE(l.waitstart, a.state_change))::float8 END,"
    " left(a.query, 159), w.by::text"
    " FROM n JOIN pg_stat_activity a ON a.pid = n.pid"
    " LEFT JOIN w ON w.pid = a.pid"
    " LEFT JOIN LATERAL (SELECT k.mode, k.locktype, k.waitstart,"
    " CASE WHEN k.relation IS NOT NULL THEN k.relation::regclass::text END"
    " AS rel FROM pg_locks k WHERE k.pid = a.pid AND NOT k.granted"
    " LIMIT 1) l ON true"
    " LEFT JOIN LATERAL (SELECT k.relation::regclass::text AS rel"
    " FROM pg_locks k WHERE k.pid = a.pid AND k.granted"
    " AND k.locktype = 'tuple' LIMIT 1) t ON true"
    " ORDER BY a.pid LIMIT 200";

/* Before 14 pg_locks has no waitstart: the state's age stands in. */
static const char pg_locks_q10[] =
    "WITH w AS (SELECT pid, pg_blocking_pids(pid) AS by"
    " FROM pg_stat_activity WHERE wait_event_type = 'Lock'),"
    " n AS (SELECT pid FROM w WHERE cardinality(by) > 0"
    " UNION SELECT unnest(by) FROM w)"
    " SELECT a.pid, a.usename, a.application_name, a.state,"
    " (extract(epoch FROM a.backend_start) * 1000000)::bigint,"
    " extract(epoch FROM now() - a.xact_start)::float8,"
    " l.mode, l.locktype, COALESCE(l.rel, t.rel),"
    " CASE WHEN w.pid IS NOT NULL THEN"
    " extract(epoch FROM now() - a.state_change)::float8 END,"
    " left(a.query, 159), w.by::text"
    " FROM n JOIN pg_stat_activity a ON a.pid = n.pid"
    " LEFT JOIN w ON w.pid = a.pid"
    " LEFT JOIN LATERAL (SELECT k.mode, k.locktype,"
    " CASE WHEN k.relation IS NOT NULL THEN k.relation::regclass::text END"
    " AS rel FROM pg_locks k WHERE k.pid = a.pid AND NOT k.granted"
    " LIMIT 1) l ON true"
    " LEFT JOIN LATERAL (SELECT k.relation::regclass::text AS rel"
    " FROM pg_locks k WHERE k.pid = a.pid AND k.granted"
    " AND k.locktype = 'tuple' LIMIT 1) t ON true"
    " ORDER BY a.pid LIMIT 200";

const char *
pg_locks_sql(int version_num)
{
	return (version_num >= 140000 || version_num == 0 ? pg_locks_q14 :
	    pg_locks_q10);
}

/* Copy a cell, "" for NULL. */
static void
pg_locks_cell(char *dst, size_t size, const PGresult *res, int r, int c)
{
	snprintf(dst, size, "%s", PQgetisnull(res, r, c) ? "" :
	    PQgetvalue(res, r, c));
}

/* A float cell, -1 for NULL. */
static double
pg_locks_dbl(const PGresult *res, int r, int c)
{
	return (PQgetisnull(res, r, c) ? -1 : strtod(PQgetvalue(res, r, c),
	    NULL));
}

/* Parse "{1,2}" into by[]; returns the count. */
static int
pg_locks_pids(const char *s, int *by, int max)
{
	int	n = 0;
	char	*end;
	long	v;

	while (*s != '\0' && n < max) {
		if (*s < '0' || *s > '9') {
			s++;
			continue;
		}
		v = strtol(s, &end, 10);
		by[n++] = (int)v;
		s = end;
	}
	return (n);
}

/* Index of pid in in[], -1. */
static int
pg_locks_find(const struct pg_locks_in *in, int n, int pid)
{
	int	i;

	for (i = 0; i < n; i++)
		if (in[i].n.pid == pid)
			return (i);
	return (-1);
}

/* Does in[i] wait on pid? */
static bool
pg_locks_waits_on(const struct pg_locks_in *x, int pid)
{
	int	i;

	for (i = 0; i < x->nby; i++)
		if (x->by[i] == pid)
			return (true);
	return (false);
}

/* Emit in[i] at depth under parent, then everyone it blocks. */
static void
pg_locks_emit(struct pg_locks *t, struct pg_locks_in *in, int n, int i,
    int depth, int parent)
{
	size_t	me;
	int	j;

	if (t->nrows >= PG_LOCKS_MAX_ROWS || in[i].open)
		return;
	in[i].open = true;
	in[i].seen = true;
	me = t->nrows++;
	t->rows[me] = in[i].n;
	t->rows[me].depth = depth;
	t->rows[me].parent = parent;
	t->rows[me].nblocked = 0;
	for (j = 0; j < n; j++) {
		if (!pg_locks_waits_on(&in[j], in[i].n.pid) || in[j].open)
			continue;
		t->rows[me].nblocked++;
		pg_locks_emit(t, in, n, j, depth + 1, in[i].n.pid);
	}
	in[i].open = false;
}

struct pg_locks *
pg_locks_from_result(const PGresult *res)
{
	struct pg_locks		*t = xcalloc(1, sizeof(*t));
	struct pg_locks_in	*in;
	int			 n = PQntuples(res), i, k;

	if (n > PG_LOCKS_MAX)
		n = PG_LOCKS_MAX;
	if (n == 0 || PQnfields(res) < 12)
		return (t);
	in = xcalloc((size_t)n, sizeof(*in));
	for (i = 0; i < n; i++) {
		struct pg_lock_node	*x = &in[i].n;

		x->pid = atoi(PQgetvalue(res, i, 0));
		pg_locks_cell(x->user, sizeof(x->user), res, i, 1);
		pg_locks_cell(x->app, sizeof(x->app), res, i, 2);
		pg_locks_cell(x->state, sizeof(x->state), res, i, 3);
		x->backend_start_us = PQgetisnull(res, i, 4) ? 0 :
		    strtoll(PQgetvalue(res, i, 4), NULL, 10);
		x->xact_s = pg_locks_dbl(res, i, 5);
		pg_locks_cell(x->mode, sizeof(x->mode), res, i, 6);
		pg_locks_cell(x->locktype, sizeof(x->locktype), res, i, 7);
		pg_locks_cell(x->relation, sizeof(x->relation), res, i, 8);
		x->wait_s = pg_locks_dbl(res, i, 9);
		pg_locks_cell(x->query, sizeof(x->query), res, i, 10);
		if (!PQgetisnull(res, i, 11))
			in[i].nby = pg_locks_pids(PQgetvalue(res, i, 11),
			    in[i].by, PG_LOCKS_MAX_BY);
		x->waiting = in[i].nby > 0;
		if (x->waiting)
			t->waiters++;
	}
	/* drop edges to sessions not in the list */
	for (i = 0; i < n; i++) {
		int	m = 0;

		for (k = 0; k < in[i].nby; k++)
			if (pg_locks_find(in, n, in[i].by[k]) >= 0)
				in[i].by[m++] = in[i].by[k];
		in[i].nby = m;
	}
	t->rows = xcalloc(PG_LOCKS_MAX_ROWS, sizeof(*t->rows));
	/* roots: blockers that wait on nobody here */
	for (i = 0; i < n; i++)
		if (in[i].nby == 0)
			pg_locks_emit(t, in, n, i, 0, 0);
	/* a cycle has no root: start it anywhere */
	for (i = 0; i < n; i++)
		if (!in[i].seen)
			pg_locks_emit(t, in, n, i, 0, 0);
	free(in);
	return (t);
}

struct pg_locks *
pg_locks_read(PGconn *conn, struct mc_err *err)
{
	PGresult	*res;
	struct pg_locks	*t;

	res = PQexecParams(conn, pg_locks_sql(PQserverVersion(conn)), 0, NULL,
	    NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		mc_err_pg(err, conn, res);
		PQclear(res);
		mc_err_prefix(err, "lock tree: ");
		return (NULL);
	}
	t = pg_locks_from_result(res);
	PQclear(res);
	return (t);
}

void
pg_locks_free(struct pg_locks *t)
{
	if (t == NULL)
		return;
	free(t->rows);
	free(t);
}

size_t
pg_locks_count(const struct pg_locks *t)
{
	return (t != NULL ? t->nrows : 0);
}

const struct pg_lock_node *
pg_locks_at(const struct pg_locks *t, size_t i)
{
	return (t != NULL && i < t->nrows ? &t->rows[i] : NULL);
}

int
pg_locks_waiters(const struct pg_locks *t)
{
	return (t != NULL ? t->waiters : 0);
}

/* A number, or null when negative (unknown). */
static void
pg_locks_jnum(cJSON *o, const char *k, double v)
{
	if (v < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

/* A string, or null when empty. */
static void
pg_locks_jstr(cJSON *o, const char *k, const char *v)
{
	if (v[0] == '\0')
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddStringToObject(o, k, v);
}

cJSON *
pg_locks_json(const struct pg_locks *t)
{
	cJSON	*doc = cJSON_CreateObject(), *stack[PG_LOCKS_MAX_ROWS + 1];
	size_t	 i;
	int	 sp;

	cJSON_AddNumberToObject(doc, "waiters", pg_locks_waiters(t));
	stack[0] = cJSON_AddArrayToObject(doc, "roots");
	for (i = 0; i < pg_locks_count(t); i++) {
		const struct pg_lock_node	*x = &t->rows[i];
		cJSON				*o = cJSON_CreateObject();

		sp = x->depth;
		cJSON_AddNumberToObject(o, "pid", x->pid);
		pg_locks_jstr(o, "user", x->user);
		pg_locks_jstr(o, "application", x->app);
		pg_locks_jstr(o, "state", x->state);
		cJSON_AddBoolToObject(o, "waiting", x->waiting);
		pg_locks_jstr(o, "lock_mode", x->mode);
		pg_locks_jstr(o, "lock_type", x->locktype);
		pg_locks_jstr(o, "relation", x->relation);
		pg_locks_jnum(o, "wait_s", x->wait_s);
		pg_locks_jnum(o, "xact_s", x->xact_s);
		pg_locks_jstr(o, "query", x->query);
		cJSON_AddItemToArray(stack[sp], o);
		stack[sp + 1] = cJSON_AddArrayToObject(o, "blocked");
	}
	return (doc);
}

char *
pg_locks_fmt_dur(double s, char *buf, size_t len)
{
	long long	t = (long long)s;

	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 10)
		snprintf(buf, len, "%.1fs", s);
	else if (t < 60)
		snprintf(buf, len, "%llds", t);
	else if (t < 3600)
		snprintf(buf, len, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
	return (buf);
}
