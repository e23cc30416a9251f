/* pgbadmin.c - PgBouncer's admin console: SHOW POOLS / SHOW STATS. */
#include "config.h"

#include "pgbadmin.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "clk.h"
#include "pgq.h"
#include "xmem.h"

bool
pgbadmin_is_console(const struct conf_target *t)
{
	PQconninfoOption	*opts, *o;
	char			*msg = NULL;
	bool			 yes = false;

	if ((opts = PQconninfoParse(t->pg ? t->pg : "", &msg)) == NULL) {
		/* A bare word is a database name. */
		if (msg != NULL)
			PQfreemem(msg);
		return (t->pg != NULL && strcmp(t->pg, "pgbouncer") == 0);
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "dbname") == 0 && o->val != NULL &&
		    strcmp(o->val, "pgbouncer") == 0)
			yes = true;
	PQconninfoFree(opts);
	return (yes);
}

/* res of the statement sql as a table; NULL with err when it failed. */
static struct table *
pgbadmin_table(PGconn *c, const char *sql, const PGresult *res,
    struct mc_err *err)
{
	struct table	*tb;
	const char	**names, **vals;
	int		 i, j, n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		mc_err_pg(err, c, res);
		mc_err_prefix(err, "%s: ", sql);
		return (NULL);
	}
	n = PQnfields(res);
	names = xcalloc((size_t)n, sizeof(*names));
	vals = xcalloc((size_t)n, sizeof(*vals));
	for (j = 0; j < n; j++)
		names[j] = PQfname(res, j);
	tb = table_new_cols(sql, (size_t)n, names);
	for (i = 0; i < PQntuples(res); i++) {
		for (j = 0; j < n; j++)
			vals[j] = PQgetisnull(res, i, j) ? NULL :
			    PQgetvalue(res, i, j);
		table_add_row(tb, vals);
	}
	free(names);
	free(vals);
	return (tb);
}

/* Run one SHOW with the simple protocol into a table; NULL with err. */
static struct table *
pgbadmin_show(PGconn *c, const char *sql, struct mc_err *err)
{
	struct table	*tb;
	PGresult	*res = PQexec(c, sql);

	tb = pgbadmin_table(c, sql, res, err);
	PQclear(res);
	return (tb);
}

/*
 * The result of one simple-protocol statement on c within ms, or NULL with
 * err (MC_E_TIMEOUT when it did not come back: c is then unusable, close it).
 * Caller PQclear()s.
 */
static PGresult *
pgbadmin_exec_deadline(PGconn *c, const char *sql, int ms, struct mc_err *err)
{
	int64_t		 end = clk_mono_ms() + ms, left;
	struct pollfd	 pfd;
	PGresult	*res, *r;

	if (!PQsendQuery(c, sql)) {
		mc_err_pg(err, c, NULL);
		return (NULL);
	}
	while (PQisBusy(c)) {
		if ((left = end - clk_mono_ms()) <= 0) {
			mc_err_set(err, MC_E_TIMEOUT, "%s: no answer from the "
			    "PgBouncer console within %d ms", sql, ms);
			return (NULL);
		}
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) < 0 || !PQconsumeInput(c)) {
			mc_err_pg(err, c, NULL);
			return (NULL);
		}
	}
	res = PQgetResult(c);
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
	return (res);
}

/* One SHOW into a table within ms; NULL with err. */
static struct table *
pgbadmin_show_deadline(PGconn *c, const char *sql, int ms,
    struct mc_err *err)
{
	struct table	*tb;
	PGresult	*res;

	if ((res = pgbadmin_exec_deadline(c, sql, ms, err)) == NULL)
		return (NULL);
	tb = pgbadmin_table(c, sql, res, err);
	PQclear(res);
	return (tb);
}

int
pgbadmin_read(PGconn *c, int deadline_ms, struct table **pools,
    struct table **stats, struct mc_err *err)
{
	*pools = *stats = NULL;
	if ((*pools = pgbadmin_show_deadline(c, "SHOW POOLS", deadline_ms,
	    err)) == NULL)
		return (-1);
	if ((*stats = pgbadmin_show_deadline(c, "SHOW STATS", deadline_ms,
	    err)) == NULL) {
		table_free(*pools);
		*pools = NULL;
		return (-1);
	}
	return (0);
}

int
pgbadmin_sample(const struct conf_target *t, struct table **pools,
    struct table **stats, struct mc_err *err)
{
	PGconn	*c;

	*pools = *stats = NULL;
	if ((c = pgq_connect(t, "health", err)) == NULL)
		return (-1);
	if ((*pools = pgbadmin_show(c, "SHOW POOLS", err)) == NULL ||
	    (*stats = pgbadmin_show(c, "SHOW STATS", err)) == NULL) {
		table_free(*pools);
		*pools = NULL;
		PQfinish(c);
		return (-1);
	}
	PQfinish(c);
	return (0);
}

int
pgbadmin_problems(const struct table *pools, struct buf *out)
{
	size_t	i, c;
	int	n = 0;

	for (i = 0; pools != NULL && i < pools->nrows; i++) {
		const char	*db = "?", *user = "?", *wait = "0", *mw = "0";

		for (c = 0; c < pools->ncols; c++) {
			const char	*name = pools->cols[c], *v;

			if ((v = table_cell(pools, i, c)) == NULL)
				continue;
			if (strcmp(name, "database") == 0)
				db = v;
			else if (strcmp(name, "user") == 0)
				user = v;
			else if (strcmp(name, "cl_waiting") == 0)
				wait = v;
			else if (strcmp(name, "maxwait") == 0)
				mw = v;
		}
		if (atol(wait) > 0 && atol(mw) >= 1) {
			buf_printf(out, "%sPgBouncer pool %s/%s: %s clients "
			    "waiting for a server connection, the oldest for "
			    "%s s (pool too small, or the server is slow)",
			    out->len ? "; " : "", db, user, wait, mw);
			n++;
		}
	}
	return (n);
}
