/*
 * pgsession.c - one session in detail and EXPLAIN of its query (see
 * pgsession.h). The read is one statement: pg_stat_activity for the
 * session, pg_blocking_pids() and its pg_locks rows as a JSON array.
 */
#include "config.h"

#include "pgsession.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "pg-locks.h"
#include "pgq.h"
#include "sqltok.h"
#include "xmem.h"

/* The locks' "object": what each lock is on, in words. */
#define PGS_OBJECT \
    "CASE WHEN l.relation IS NOT NULL THEN" \
    "  coalesce((SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)" \
    "     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" \
    "    WHERE c.oid = l.relation AND l.database IN (0, (SELECT d.oid FROM" \
    "      pg_catalog.pg_database d WHERE d.datname = current_database())))," \
    "    'relation ' || l.relation || ' of another database')" \
    "  || CASE WHEN l.locktype = 'tuple' THEN ' tuple (' || l.page || ',' || l.tuple || ')'" \
    "     WHEN l.locktype = 'page' THEN ' page ' || l.page ELSE '' END" \
    " WHEN l.locktype = 'transactionid' THEN 'xid ' || l.transactionid" \
    " WHEN l.locktype = 'virtualxid' THEN 'vxid ' || l.virtualxid" \
    " WHEN l.locktype = 'advisory' THEN 'advisory ' || l.classid || ':' || l.objid" \
    " ELSE l.locktype END"

#define PGS_SQL(WAIT) \
    "SELECT coalesce(a.datname, ''), coalesce(a.usename, ''), coalesce(a.application_name, '')," \
    " coalesce(a.state, ''), coalesce(a.wait_event_type, ''), coalesce(a.wait_event, '')," \
    " coalesce(extract(epoch FROM now() - a.xact_start), -1)," \
    " coalesce(extract(epoch FROM now() - a.query_start), -1)," \
    " coalesce(extract(epoch FROM now() - a.backend_start), -1)," \
    " coalesce((extract(epoch FROM a.backend_start) * 1000000)::bigint, 0)," \
    " coalesce(a.query, '')," \
    " array_to_string(pg_catalog.pg_blocking_pids(a.pid), ',')," \
    " (SELECT coalesce(json_agg(json_build_array(l.locktype, l.mode, l.granted, " \
    PGS_OBJECT ", " WAIT ") ORDER BY l.granted, l.locktype), '[]')" \
    "    FROM (SELECT * FROM pg_catalog.pg_locks WHERE pid = a.pid LIMIT 100) l)" \
    " FROM pg_catalog.pg_stat_activity a WHERE a.pid = $1::int" \
    " AND ($2::bigint = 0 OR (extract(epoch FROM a.backend_start) * 1000000)::bigint = $2::bigint)"

/* pg_locks.waitstart is new in 14. */
static const char pgs_sql_14[] =
    PGS_SQL("coalesce(extract(epoch FROM now() - l.waitstart), -1)");
static const char pgs_sql_old[] = PGS_SQL("-1");

/* Is token t of s the keyword w (case-insensitive)? */
static bool
pgs_kw(const char *s, const struct sqltok *t, const char *w)
{
	return (t->kind == SQLTOK_WORD && t->len == strlen(w) &&
	    strncasecmp(s + t->off, w, t->len) == 0);
}

enum pgsession_kind
pgsession_classify(const char *sql, bool *params, bool *several, char *first,
    size_t flen)
{
	struct sqltok		*all, *t;
	size_t			 nall, n = 0, i, f;
	enum pgsession_kind	 k;
	bool			 end = false;

	*params = *several = false;
	if (first != NULL && flen > 0)
		first[0] = '\0';
	sqltok_lex(sql, strlen(sql), &all, &nall);
	t = xcalloc(nall ? nall : 1, sizeof(*t));
	for (i = 0; i < nall; i++) {
		if (all[i].kind == SQLTOK_COMMENT)
			continue;
		if (all[i].kind == SQLTOK_PUNCT && sql[all[i].off] == ';') {
			end = n > 0;
			continue;
		}
		if (end) {
			*several = true;
			break;
		}
		t[n++] = all[i];
		if (all[i].kind == SQLTOK_PUNCT && sql[all[i].off] == '$' &&
		    i + 1 < nall && all[i + 1].kind == SQLTOK_NUM &&
		    all[i + 1].off == all[i].off + 1)
			*params = true;
	}
	free(all);
	/* The first word, past opening parentheses: "(SELECT ...)". */
	for (f = 0; f < n && t[f].kind == SQLTOK_PUNCT && sql[t[f].off] == '('; f++)
		;
	if (f >= n || t[f].kind != SQLTOK_WORD) {
		free(t);
		return (f >= n ? PGS_EMPTY : PGS_NOT_EXPLAINABLE);
	}
	if (first != NULL && flen > 0) {
		size_t	m = t[f].len < flen - 1 ? t[f].len : flen - 1;

		for (i = 0; i < m; i++)
			first[i] = (char)toupper((unsigned char)sql[t[f].off + i]);
		first[m] = '\0';
	}
	if (pgs_kw(sql, &t[f], "insert") || pgs_kw(sql, &t[f], "update") ||
	    pgs_kw(sql, &t[f], "delete") || pgs_kw(sql, &t[f], "merge"))
		k = PGS_WRITE;
	else if (pgs_kw(sql, &t[f], "select") || pgs_kw(sql, &t[f], "with") ||
	    pgs_kw(sql, &t[f], "values") || pgs_kw(sql, &t[f], "table")) {
		k = PGS_READ;
		for (i = f + 1; i < n && k == PGS_READ; i++) {
			/* A data-modifying WITH, SELECT INTO, row locks. */
			if (pgs_kw(sql, &t[i], "insert") || pgs_kw(sql, &t[i], "update") ||
			    pgs_kw(sql, &t[i], "delete") || pgs_kw(sql, &t[i], "merge") ||
			    pgs_kw(sql, &t[i], "into"))
				k = PGS_WRITE;
			else if (pgs_kw(sql, &t[i], "for") && i + 1 < n &&
			    (pgs_kw(sql, &t[i + 1], "share") || pgs_kw(sql, &t[i + 1], "no") ||
			    pgs_kw(sql, &t[i + 1], "key")))
				k = PGS_WRITE;
		}
	} else if (pgs_kw(sql, &t[f], "create")) {
		/* CREATE [TEMP|UNLOGGED] TABLE ... AS, CREATE MATERIALIZED VIEW ... AS. */
		k = PGS_NOT_EXPLAINABLE;
		for (i = f + 1; i < n; i++)
			if (pgs_kw(sql, &t[i], "as")) {
				k = PGS_WRITE;
				break;
			} else if (!(pgs_kw(sql, &t[i], "table") || pgs_kw(sql, &t[i], "temp") ||
			    pgs_kw(sql, &t[i], "temporary") || pgs_kw(sql, &t[i], "unlogged") ||
			    pgs_kw(sql, &t[i], "materialized") || pgs_kw(sql, &t[i], "view") ||
			    pgs_kw(sql, &t[i], "if") || pgs_kw(sql, &t[i], "not") ||
			    pgs_kw(sql, &t[i], "exists") || t[i].kind == SQLTOK_QIDENT ||
			    t[i].kind == SQLTOK_WORD || (t[i].kind == SQLTOK_PUNCT &&
			    strchr(".(),", sql[t[i].off]) != NULL)))
				break;
	} else
		k = PGS_NOT_EXPLAINABLE;
	free(t);
	return (k);
}

void
pgsession_free(struct pgsession *s)
{
	if (s == NULL)
		return;
	free(s->query);
	free(s->locks);
	free(s);
}

/* Copy the JSON array of lock rows. */
static void
pgs_locks(struct pgsession *s, const char *json)
{
	cJSON		*a = cJSON_Parse(json), *row;
	const cJSON	*v;
	size_t		 n = 0;

	if (!cJSON_IsArray(a)) {
		cJSON_Delete(a);
		return;
	}
	s->locks = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*s->locks));
	cJSON_ArrayForEach(row, a) {
		struct pgsession_lock	*l = &s->locks[n];

		if (n >= PGSESSION_MAX_LOCKS || cJSON_GetArraySize(row) != 5)
			break;
		v = cJSON_GetArrayItem(row, 0);
		snprintf(l->locktype, sizeof(l->locktype), "%s", cJSON_IsString(v) ? v->valuestring : "");
		v = cJSON_GetArrayItem(row, 1);
		snprintf(l->mode, sizeof(l->mode), "%s", cJSON_IsString(v) ? v->valuestring : "");
		l->granted = cJSON_IsTrue(cJSON_GetArrayItem(row, 2));
		v = cJSON_GetArrayItem(row, 3);
		snprintf(l->object, sizeof(l->object), "%s", cJSON_IsString(v) ? v->valuestring : "");
		v = cJSON_GetArrayItem(row, 4);
		l->wait_s = cJSON_IsNumber(v) ? v->valuedouble : -1;
		n++;
	}
	s->nlocks = n;
	cJSON_Delete(a);
}

struct pgsession *
pgsession_read(struct pool *p, PGconn *conn, int pid, long long start_us,
    int timeout_ms, struct mc_err *err)
{
	struct pgsession	*s;
	PGresult		*res;
	char			 a1[16], a2[32], *b, *e;
	const char		*params[2] = { a1, a2 };

	snprintf(a1, sizeof(a1), "%d", pid);
	snprintf(a2, sizeof(a2), "%lld", start_us);
	res = pool_query_deadline(p, conn, PQserverVersion(conn) >= 140000 ?
	    pgs_sql_14 : pgs_sql_old, 2, params, timeout_ms, err);
	if (res == NULL)
		return (mc_err_prefix(err, "session %d: ", pid), NULL);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (mc_err_set(err, MC_E_NOTFOUND, "session %d is not on the "
		    "server (it ended, or the pid is wrong: see mcpdb pg locks or "
		    "the Dashboard)", pid), NULL);
	}
	s = xcalloc(1, sizeof(*s));
	s->pid = pid;
	snprintf(s->datname, sizeof(s->datname), "%s", PQgetvalue(res, 0, 0));
	snprintf(s->user, sizeof(s->user), "%s", PQgetvalue(res, 0, 1));
	snprintf(s->app, sizeof(s->app), "%s", PQgetvalue(res, 0, 2));
	snprintf(s->state, sizeof(s->state), "%s", PQgetvalue(res, 0, 3));
	snprintf(s->wait_type, sizeof(s->wait_type), "%s", PQgetvalue(res, 0, 4));
	snprintf(s->wait_event, sizeof(s->wait_event), "%s", PQgetvalue(res, 0, 5));
	s->xact_s = strtod(PQgetvalue(res, 0, 6), NULL);
	s->query_s = strtod(PQgetvalue(res, 0, 7), NULL);
	s->backend_s = strtod(PQgetvalue(res, 0, 8), NULL);
	s->backend_start_us = strtoll(PQgetvalue(res, 0, 9), NULL, 10);
	s->query = xstrdup(PQgetvalue(res, 0, 10));
	for (b = PQgetvalue(res, 0, 11); *b != '\0' &&
	    s->nblockers < PGSESSION_MAX_BLOCKERS; b = *e == ',' ? e + 1 : e) {
		s->blockers[s->nblockers++] = (int)strtol(b, &e, 10);
		if (e == b)
			break;
	}
	pgs_locks(s, PQgetvalue(res, 0, 12));
	PQclear(res);
	return (s);
}

/* One statement of the EXPLAIN transaction; -1 with err. */
static int
pgs_step(struct pool *p, PGconn *conn, const char *sql, int n,
    const char *const *params, int timeout_ms, PGresult **keep, struct mc_err *err)
{
	PGresult	*res = pool_query_deadline(p, conn, sql, n, params, timeout_ms, err);

	if (res == NULL)
		return (-1);
	if (keep != NULL)
		*keep = res;
	else
		PQclear(res);
	return (0);
}

int
pgsession_explain(struct pool *p, PGconn *conn, const struct pgsession *s,
    bool analyze, int timeout_ms, char **plan, struct mc_err *err)
{
	enum pgsession_kind	 k;
	bool			 params, several, generic = false;
	char			 first[32], ms[16], *sql;
	const char		*db = PQdb(conn), *opts, *tp[1] = { ms };
	PGresult		*res = NULL;
	struct buf		 b;
	int			 i, rc;

	*plan = NULL;
	if (s->query == NULL || s->query[0] == '\0' ||
	    strcmp(s->query, "<insufficient privilege>") == 0)
		return (mc_err_set(err, MC_E_REFUSED, "session %d: its query text is "
		    "hidden from this role (grant pg_read_all_stats or pg_monitor)",
		    s->pid));
	k = pgsession_classify(s->query, &params, &several, first, sizeof(first));
	if (k == PGS_EMPTY)
		return (mc_err_set(err, MC_E_REFUSED, "session %d: no statement to "
		    "explain (only comments)", s->pid));
	if (k == PGS_NOT_EXPLAINABLE)
		return (mc_err_set(err, MC_E_REFUSED, "session %d: EXPLAIN cannot plan "
		    "a %s statement (only SELECT, INSERT, UPDATE, DELETE, MERGE, "
		    "VALUES, CREATE TABLE AS)", s->pid, first[0] ? first : "non-SQL"));
	if (several)
		return (mc_err_set(err, MC_E_REFUSED, "session %d: its query holds "
		    "several statements; EXPLAIN plans one at a time (copy one from "
		    "the text)", s->pid));
	if (analyze && k == PGS_WRITE)
		return (mc_err_set(err, MC_E_REFUSED, "session %d: EXPLAIN ANALYZE "
		    "would run this %s, which writes or locks rows; only the plan "
		    "(EXPLAIN without ANALYZE) is allowed", s->pid, first));
	if (params) {
		if (PQserverVersion(conn) < 160000)
			return (mc_err_set(err, MC_E_REFUSED, "session %d: the query has "
			    "$N parameters whose values the server does not show; "
			    "PostgreSQL %d cannot plan it without them (16+ can: "
			    "EXPLAIN (GENERIC_PLAN))", s->pid, PQserverVersion(conn) / 10000));
		if (analyze)
			return (mc_err_set(err, MC_E_REFUSED, "session %d: ANALYZE needs "
			    "the values of the query's $N parameters, which the server "
			    "does not show", s->pid));
		generic = true;
	}
	if (s->datname[0] != '\0' && db != NULL && strcmp(db, s->datname) != 0)
		return (mc_err_set(err, MC_E_REFUSED, "session %d runs in database "
		    "\"%s\" and mcpdb is connected to \"%s\": a plan needs that "
		    "database (--pg 'dbname=%s ...')", s->pid, s->datname, db,
		    s->datname));
	opts = analyze ? "(ANALYZE, BUFFERS, FORMAT TEXT) " : generic ?
	    "(GENERIC_PLAN, FORMAT TEXT) " : "(FORMAT TEXT) ";
	sql = xasprintf("EXPLAIN %s%s", opts, s->query);
	snprintf(ms, sizeof(ms), "%d", timeout_ms > 0 ? timeout_ms : 5000);
	/* Read-only, bounded, never queued behind the locks being inspected. */
	rc = pgs_step(p, conn, "BEGIN READ ONLY", 0, NULL, timeout_ms + 2000, NULL, err);
	if (rc == 0)
		rc = pgs_step(p, conn, "SELECT pg_catalog.set_config('statement_timeout', $1, true),"
		    " pg_catalog.set_config('lock_timeout', '1000', true)", 1, tp,
		    timeout_ms + 2000, NULL, err);
	if (rc == 0)
		rc = pgs_step(p, conn, sql, 0, NULL, timeout_ms + 2000, &res, err);
	if (rc == -1) {
		struct mc_err	ignore = { 0 };

		/* Bounded too; a broken connection is closed by pool_release. */
		if (PQstatus(conn) == CONNECTION_OK)
			(void)pgs_step(p, conn, "ROLLBACK", 0, NULL, 2000, NULL, &ignore);
	} else
		rc = pgs_step(p, conn, "ROLLBACK", 0, NULL, timeout_ms + 2000, NULL, err);
	free(sql);
	if (rc == -1) {
		PQclear(res);
		if (strstr(err->msg, "permission denied") != NULL) {
			size_t	l = strlen(err->msg);

			snprintf(err->msg + l, sizeof(err->msg) - l, " (EXPLAIN needs the "
			    "privileges the statement itself needs: connect as a role "
			    "that has them)");
		}
		if (strstr(err->msg, "syntax error") != NULL && strlen(s->query) >= 1023)
			mc_err_prefix(err, "the text may be cut at track_activity_query_size "
			    "(%zu bytes shown): ", strlen(s->query));
		return (mc_err_prefix(err, "EXPLAIN of session %d's query: ", s->pid));
	}
	buf_init(&b);
	if (generic)
		buf_puts(&b, "(a generic plan: the $N parameters' values are not known)\n");
	for (i = 0; i < PQntuples(res); i++)
		buf_printf(&b, "%s\n", PQgetvalue(res, i, 0));
	PQclear(res);
	*plan = buf_detach(&b);
	return (0);
}

void
pgsession_state_line(const struct pgsession *s, char *buf, size_t len)
{
	char	a[32], b[32], c[32];

	snprintf(buf, len, "state %s%s%s%s%s  transaction %s  query %s  connected %s",
	    s->state[0] ? s->state : "(hidden)", s->wait_type[0] ? "  waits on " : "",
	    s->wait_type, s->wait_event[0] ? ":" : "", s->wait_event,
	    pg_locks_fmt_dur(s->xact_s, a, sizeof(a)),
	    pg_locks_fmt_dur(s->query_s, b, sizeof(b)),
	    pg_locks_fmt_dur(s->backend_s, c, sizeof(c)));
}

cJSON *
pgsession_json(const struct pgsession *s, const char *plan)
{
	cJSON	*j = cJSON_CreateObject(), *w, *bl, *ls, *l;
	size_t	 i;

	cJSON_AddNumberToObject(j, "pid", s->pid);
	cJSON_AddStringToObject(j, "database", s->datname);
	cJSON_AddStringToObject(j, "user", s->user);
	cJSON_AddStringToObject(j, "application", s->app);
	cJSON_AddStringToObject(j, "state", s->state);
	w = cJSON_AddObjectToObject(j, "wait");
	cJSON_AddStringToObject(w, "type", s->wait_type);
	cJSON_AddStringToObject(w, "event", s->wait_event);
	cJSON_AddNumberToObject(j, "xact_s", s->xact_s);
	cJSON_AddNumberToObject(j, "query_s", s->query_s);
	cJSON_AddNumberToObject(j, "backend_s", s->backend_s);
	cJSON_AddStringToObject(j, "query", s->query ? s->query : "");
	bl = cJSON_AddArrayToObject(j, "blocked_by");
	for (i = 0; i < (size_t)s->nblockers; i++)
		cJSON_AddItemToArray(bl, cJSON_CreateNumber(s->blockers[i]));
	ls = cJSON_AddArrayToObject(j, "locks");
	for (i = 0; i < s->nlocks; i++) {
		l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "locktype", s->locks[i].locktype);
		cJSON_AddStringToObject(l, "mode", s->locks[i].mode);
		cJSON_AddBoolToObject(l, "granted", s->locks[i].granted);
		cJSON_AddStringToObject(l, "object", s->locks[i].object);
		if (s->locks[i].wait_s >= 0)
			cJSON_AddNumberToObject(l, "wait_s", s->locks[i].wait_s);
		else
			cJSON_AddNullToObject(l, "wait_s");
		cJSON_AddItemToArray(ls, l);
	}
	if (plan != NULL)
		cJSON_AddStringToObject(j, "plan", plan);
	else
		cJSON_AddNullToObject(j, "plan");
	return (j);
}
