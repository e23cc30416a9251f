/* pgbadmin.c - PgBouncer's admin console: SHOW POOLS / SHOW STATS. */
#include "config.h"

#include "pgbadmin.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

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

/* Run one SHOW with the simple protocol into a table; NULL with err. */
static struct table *
pgbadmin_show(PGconn *c, const char *sql, struct mc_err *err)
{
	struct table	*tb;
	const char	**names, **vals;
	PGresult	*res = PQexec(c, sql);
	int		 i, j, n;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		mc_err_pg(err, c, res);
		mc_err_prefix(err, "%s: ", sql);
		PQclear(res);
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
	PQclear(res);
	return (tb);
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
