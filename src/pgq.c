/* pgq.c - small libpq helpers: errors, sessions, parameterised queries. */
#include "config.h"

#include "pgq.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmem.h"
#include "clk.h"

/* Copy s without its trailing newlines into a buf. */
static void
pgq_put_trimmed(struct buf *b, const char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	buf_append(b, s, n);
}

/*
 * libpq's error after trying several hosts of a multi-host conninfo is one
 * "connection to server ... failed: why" line per host, each followed by
 * tab-indented hints. Fold it into one line naming each host and its error
 * ("all 2 hosts failed: socket /s/.s.PGSQL.5432: No such file...; db2:5433:
 * Connection refused"). Returns false (b untouched) for a single host's
 * message, which stays as libpq wrote it.
 */
static bool
pgq_fold_hosts(struct buf *b, const char *msg)
{
	static const char	 pre[] = "connection to server ";
	const char		*p, *e, *q, *why;
	size_t			 n;
	int			 hosts = 0;

	for (p = msg; (p = strstr(p, pre)) != NULL; p += sizeof(pre) - 1)
		if (p == msg || p[-1] == '\n')
			hosts++;
	if (hosts < 2)
		return (false);
	buf_printf(b, "all %d hosts failed: ", hosts);
	hosts = 0;
	for (p = msg; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (strncmp(p, pre, sizeof(pre) - 1) != 0)
			continue;	/* a hint line */
		q = p + sizeof(pre) - 1;
		why = strstr(q, " failed: ");
		if (why == NULL || why > e)
			continue;
		if (hosts++ > 0)
			buf_puts(b, "; ");
		if (strncmp(q, "on socket \"", 11) == 0) {
			q += 11;
			n = strcspn(q, "\"\n");
			buf_puts(b, "socket ");
			buf_append(b, q, n);
		} else if (strncmp(q, "at \"", 4) == 0) {
			const char	*port = strstr(q, ", port ");

			q += 4;
			n = strcspn(q, "\"\n");
			buf_append(b, q, n);
			if (port != NULL && port < why) {
				port += 7;
				buf_puts(b, ":");
				buf_append(b, port, (size_t)(why - port));
			}
		} else
			buf_append(b, q, (size_t)(why - q));
		why += 9;
		buf_puts(b, ": ");
		buf_append(b, why, (size_t)(e - why));
	}
	return (true);
}

/*
 * A write refused as read-only (SQLSTATE 25006) on a standby: say so and
 * where writes must go, instead of leaving PostgreSQL's bare message. The
 * server reports in_hot_standby to libpq (PostgreSQL 14+), so no query.
 */
static void
pgq_explain_read_only(struct buf *b, const PGconn *conn, const char *state)
{
	const char	*hs;

	if (conn == NULL || state == NULL || strcmp(state, "25006") != 0)
		return;
	hs = PQparameterStatus(conn, "in_hot_standby");
	if (hs != NULL && strcmp(hs, "on") == 0)
		buf_puts(b, "; the server is a standby (read-only): writes "
		    "must go to the primary (point the target at it, or use "
		    "target_session_attrs=read-write)");
}

int
mc_err_pg(struct mc_err *err, const PGconn *conn, const PGresult *res)
{
	struct buf	 b;
	const char	*f;

	if (err == NULL)
		return (-1);
	buf_init(&b);
	if (res == NULL || PQresultStatus(res) == PGRES_FATAL_ERROR ||
	    PQresultStatus(res) == PGRES_NONFATAL_ERROR) {
		f = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		if (f != NULL) {
			const char	*detail, *hint, *state;

			buf_puts(&b, f);
			detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
			hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
			if (detail != NULL)
				buf_printf(&b, " (detail: %s)", detail);
			if (hint != NULL)
				buf_printf(&b, " (hint: %s)", hint);
			state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			pgq_explain_read_only(&b, conn, state);
			mc_err_set(err, MC_E_QUERY, "%s", b.data);
			if (state != NULL)
				snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
		} else {
			const char *msg = conn ? PQerrorMessage(conn) : "no connection";

			if (!pgq_fold_hosts(&b, msg))
				pgq_put_trimmed(&b, *msg ? msg :
				    "connection lost");
			mc_err_set(err, conn && PQstatus(conn) == CONNECTION_OK ?
			    MC_E_QUERY : MC_E_CONNECT, "%s", b.data);
		}
	} else
		mc_err_set(err, MC_E_QUERY, "unexpected result status %s",
		    PQresStatus(PQresultStatus(res)));
	buf_done(&b);
	return (-1);
}

/*
 * The user's own "options": those of t's conninfo, else $PGOPTIONS (which
 * libpq would use when the conninfo sets none). A conninfo that does not
 * parse is a plain database name (or fails to connect anyway). Caller frees;
 * NULL for none.
 */
static char *
pgq_user_options(const struct conf_target *t)
{
	PQconninfoOption	*opts, *o;
	char			*msg = NULL, *v = NULL;
	const char		*env;

	if ((opts = PQconninfoParse(t->pg ? t->pg : "", &msg)) != NULL) {
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, "options") == 0 &&
			    o->val != NULL && o->val[0] != '\0')
				v = xstrdup(o->val);
		PQconninfoFree(opts);
	}
	if (msg != NULL)
		PQfreemem(msg);
	if (v == NULL && (env = getenv("PGOPTIONS")) != NULL && *env != '\0')
		v = xstrdup(env);
	return (v);
}

/*
 * The "options" a session of t starts with: mcpdb's statement_timeout first
 * (the user's options may override it), then the user's own, then, on a
 * read_only target, default_transaction_read_only=on last, so that nothing
 * overrides it and the server itself refuses writes (SQLSTATE 25006) even on
 * a path that forgot the CMD_WRITES check. Two spaces before it: a trailing
 * backslash in the user's options escapes one, never both. Caller frees;
 * NULL when there is nothing to send (the conninfo's own options then apply).
 */
static char *
pgq_options(const struct conf_target *t)
{
	struct buf	 b;
	char		*user;

	if (t->pool.statement_timeout_ms <= 0 && !t->read_only)
		return (NULL);
	user = pgq_user_options(t);
	buf_init(&b);
	if (t->pool.statement_timeout_ms > 0)
		buf_printf(&b, "-c statement_timeout=%d",
		    t->pool.statement_timeout_ms);
	if (user != NULL)
		buf_printf(&b, "%s%s", b.len ? " " : "", user);
	if (t->read_only)
		buf_printf(&b, "%s-c default_transaction_read_only=on",
		    b.len ? "  " : "");
	free(user);
	return (buf_detach(&b));
}

/*
 * The connect timeout conn was started with (conninfo > $PGCONNECT_TIMEOUT
 * > the pool's, as libpq resolved them), in seconds; 0 = none. libpq
 * treats 1 as 2.
 */
static int
pgq_connect_timeout(PGconn *conn)
{
	PQconninfoOption	*opts = PQconninfo(conn), *o;
	int			 s = 0;

	for (o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    o->val != NULL)
			s = atoi(o->val);
	PQconninfoFree(opts);
	return (s <= 0 ? 0 : s < 2 ? 2 : s);
}

/*
 * PQconnectPoll until connected, failed, timeout_s passed (0 = no limit) or
 * *stop was raised (checked every 100 ms). Returns conn (maybe not OK) or
 * NULL with err set (MC_E_CANCELLED, MC_E_TIMEOUT) after PQfinish.
 */
static PGconn *
pgq_connect_wait(PGconn *conn, volatile sig_atomic_t *stop, int timeout_s,
    struct mc_err *err)
{
	PostgresPollingStatusType	 ps = PGRES_POLLING_WRITING;
	struct pollfd			 pfd;
	int64_t				 deadline = timeout_s > 0 ?
	    clk_mono_us() + (int64_t)timeout_s * 1000000 : 0;

	if (PQstatus(conn) == CONNECTION_BAD)
		return (conn);
	while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED) {
		if (*stop) {
			PQfinish(conn);
			mc_err_set(err, MC_E_CANCELLED, "stopped while "
			    "connecting to PostgreSQL");
			return (NULL);
		}
		if (deadline && clk_mono_us() >= deadline) {
			PQfinish(conn);
			mc_err_set(err, MC_E_TIMEOUT, "cannot connect to "
			    "PostgreSQL: timeout expired (no answer within "
			    "%d s, connect_timeout)", timeout_s);
			return (NULL);
		}
		pfd.fd = PQsocket(conn);
		pfd.events = ps == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (pfd.fd >= 0 && poll(&pfd, 1, 100) == 0)
			continue;
		ps = PQconnectPoll(conn);
	}
	return (conn);
}

/*
 * PgBouncer refuses a startup packet with "options" ("unsupported startup
 * parameter: options") unless its ignore_startup_parameters lists it. When
 * all mcpdb sent there is its own statement_timeout (a server-side safety
 * net; every pooled query also has a client-side deadline), connecting
 * without it is safe: true means "retry without options". A read_only
 * target's default_transaction_read_only, or the user's own options, are
 * never dropped: err then says why and what to do instead.
 */
static bool
pgq_options_refused(const struct conf_target *t, PGconn *conn,
    struct mc_err *err)
{
	const char	*msg = PQerrorMessage(conn);
	char		*user;
	bool		 mine_only;

	if (strstr(msg, "unsupported startup parameter: options") == NULL)
		return (false);
	user = pgq_user_options(t);
	mine_only = user == NULL && !t->read_only;
	free(user);
	if (mine_only)
		return (true);
	mc_err_set(err, MC_E_CONNECT, "cannot connect to PostgreSQL: the "
	    "server (a pooler such as PgBouncer) refuses the startup "
	    "parameter \"options\", which carries %s: connect to PostgreSQL "
	    "itself, or set it for the role instead (ALTER ROLE ... SET ...)",
	    t->read_only ? "default_transaction_read_only=on for this "
	    "read_only target" : "the conninfo's or PGOPTIONS' options");
	return (false);
}

/*
 * Connect with keys/vals: blocking, or polled and stoppable when stop is
 * set. Returns the connection (maybe not OK) or NULL with err set.
 */
static PGconn *
pgq_open(const char *const *keys, const char *const *vals,
    volatile sig_atomic_t *stop, struct mc_err *err)
{
	PGconn	*conn;

	if (stop == NULL)
		conn = PQconnectdbParams(keys, vals, 1);
	else
		conn = PQconnectStartParams(keys, vals, 1);
	if (conn == NULL) {
		mc_err_set(err, MC_E_CONNECT, "out of memory creating a connection");
		return (NULL);
	}
	if (stop != NULL)
		conn = pgq_connect_wait(conn, stop, pgq_connect_timeout(conn),
		    err);
	return (conn);
}

PGconn *
pgq_connect(const struct conf_target *t, const char *component, struct mc_err *err)
{
	return (pgq_connect_stop(t, component, NULL, err));
}

PGconn *
pgq_connect_stop(const struct conf_target *t, const char *component,
    volatile sig_atomic_t *stop, struct mc_err *err)
{
	const char	*keys[12], *vals[12];
	char		 ct[16], ki[16], kv[16], kc[16], app[64], *opt;
	int		 n = 0;
	PGconn		*conn;

	snprintf(ct, sizeof(ct), "%d", t->pool.connect_timeout_s);
	snprintf(ki, sizeof(ki), "%d", t->pool.keepalives_idle_s);
	snprintf(kv, sizeof(kv), "%d", t->pool.keepalives_interval_s);
	snprintf(kc, sizeof(kc), "%d", t->pool.keepalives_count);
	snprintf(app, sizeof(app), "mcpdb/%s", component ? component : "cli");
	/*
	 * Defaults first: the target's own conninfo (expanded dbname)
	 * overrides them. libpq reads PGCONNECT_TIMEOUT only for a key we do
	 * not pass, so pass ours only when it is unset: conninfo > PG* >
	 * config. The name is a fallback, so PGAPPNAME and an
	 * application_name in the conninfo win, as in psql and pg_dump.
	 */
	if (getenv("PGCONNECT_TIMEOUT") == NULL ||
	    *getenv("PGCONNECT_TIMEOUT") == '\0') {
		keys[n] = "connect_timeout"; vals[n++] = ct;
	}
	keys[n] = "keepalives"; vals[n++] = "1";
	keys[n] = "keepalives_idle"; vals[n++] = ki;
	keys[n] = "keepalives_interval"; vals[n++] = kv;
	keys[n] = "keepalives_count"; vals[n++] = kc;
	keys[n] = "dbname"; vals[n++] = t->pg ? t->pg : "";
	/* After dbname: the merged options replace the conninfo's own. */
	if ((opt = pgq_options(t)) != NULL) {
		keys[n] = "options"; vals[n++] = opt;
	}
	keys[n] = "fallback_application_name"; vals[n++] = app;
	keys[n] = NULL; vals[n] = NULL;
	if ((conn = pgq_open(keys, vals, stop, err)) == NULL) {
		free(opt);
		return (NULL);
	}
	if (opt != NULL && PQstatus(conn) != CONNECTION_OK) {
		mc_err_clear(err);
		if (pgq_options_refused(t, conn, err)) {
			/* Drop "options": shift the fallback name and NULL. */
			PQfinish(conn);
			keys[n - 2] = keys[n - 1]; vals[n - 2] = vals[n - 1];
			keys[n - 1] = NULL; vals[n - 1] = NULL;
			if ((conn = pgq_open(keys, vals, stop, err)) == NULL) {
				free(opt);
				return (NULL);
			}
		} else if (err != NULL && err->code != 0) {
			free(opt);
			PQfinish(conn);
			return (NULL);
		}
	}
	free(opt);
	if (PQstatus(conn) != CONNECTION_OK) {
		mc_err_pg(err, conn, NULL);
		mc_err_prefix(err, "cannot connect to PostgreSQL: ");
		PQfinish(conn);
		return (NULL);
	}
	return (conn);
}

PGresult *
pgq_query(PGconn *conn, const char *sql, int n, const char *const *params,
    struct mc_err *err)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return (res);
	mc_err_pg(err, conn, res);
	PQclear(res);
	return (NULL);
}

int
pgq_exec(PGconn *conn, const char *sql, struct mc_err *err)
{
	PGresult	*res = pgq_query(conn, sql, 0, NULL, err);

	if (res == NULL)
		return (-1);
	PQclear(res);
	return (0);
}

struct table *
pgq_table(PGconn *conn, const char *title, const char *sql, int n,
    const char *const *params, struct mc_err *err)
{
	PGresult	*res;
	struct table	*t;
	const char	**vals;
	int		 r, c, nf;

	if ((res = pgq_query(conn, sql, n, params, err)) == NULL)
		return (NULL);
	nf = PQnfields(res);
	vals = xcalloc((size_t)nf + 1, sizeof(char *));
	for (c = 0; c < nf; c++)
		vals[c] = PQfname(res, c);
	t = table_new_cols(title, (size_t)nf, vals);
	for (r = 0; r < PQntuples(res); r++) {
		for (c = 0; c < nf; c++)
			vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		table_add_row(t, vals);
	}
	free(vals);
	PQclear(res);
	return (t);
}

char *
pgq_ident(PGconn *conn, const char *name, struct mc_err *err)
{
	char	*q = PQescapeIdentifier(conn, name, strlen(name));
	char	*s;

	if (q == NULL) {
		mc_err_pg(err, conn, NULL);
		return (NULL);
	}
	s = xstrdup(q);
	PQfreemem(q);
	return (s);
}

int
pgq_check_writable(PGconn *conn, const char *what, struct mc_err *err)
{
	PGresult	*res;
	const char	*host = PQhost(conn), *port = PQport(conn);
	bool		 standby, ro;

	if ((res = pgq_query(conn, "SELECT pg_is_in_recovery(), "
	    "current_setting('transaction_read_only')", 0, NULL, err)) == NULL)
		return (mc_err_prefix(err, "checking that the server accepts "
		    "writes: "));
	standby = PQgetvalue(res, 0, 0)[0] == 't';
	ro = strcmp(PQgetvalue(res, 0, 1), "on") == 0;
	PQclear(res);
	if (standby)
		return (mc_err_set(err, MC_E_REFUSED, "refusing to %s: the "
		    "server is a standby (read-only): writes must go to the "
		    "primary (%s:%s is in recovery; point the target at the "
		    "primary, or list the hosts with "
		    "target_session_attrs=read-write); nothing was changed",
		    what, host ? host : "?", port ? port : "?"));
	if (ro)
		return (mc_err_set(err, MC_E_REFUSED, "refusing to %s: "
		    "sessions on %s:%s are read-only (transaction_read_only "
		    "is on: default_transaction_read_only is set for this "
		    "role or database, or in the conninfo's options); "
		    "nothing was changed", what, host ? host : "?", port ? port : "?"));
	return (0);
}

char *
pgq_endpoint(const PGconn *conn)
{
	const char	*host = PQhost(conn), *port = PQport(conn), *db = PQdb(conn);

	return (xasprintf("%s:%s/%s", host ? host : "?", port ? port : "?",
	    db ? db : "?"));
}
