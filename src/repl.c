/* repl.c - replication state of a PostgreSQL server for health and doctor. */
#include "config.h"

#include "repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

/* Standbys seen from a primary; backups (pg_basebackup) are not standbys. */
static const char repl_q_standbys[] =
    "SELECT application_name,"
    " coalesce(host(client_addr), CASE WHEN client_port = -1 THEN 'local'"
    "  END, ''),"
    " coalesce(state, ''), coalesce(sync_state, ''),"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), write_lsn)::bigint,"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint,"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,"
    " extract(epoch FROM write_lag), extract(epoch FROM flush_lag),"
    " extract(epoch FROM replay_lag)"
    " FROM pg_stat_replication WHERE state IS DISTINCT FROM 'backup'"
    " ORDER BY application_name, client_addr LIMIT 16";

/* Slots and the WAL each holds back from removal. */
static const char repl_q_slots[] =
    "SELECT slot_name, slot_type, active, coalesce(wal_status, ''),"
    " pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery()"
    "  THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,"
    "  restart_lsn)::bigint"
    " FROM pg_replication_slots ORDER BY slot_name LIMIT 16";

/* A standby's receiver and replay position. */
static const char repl_q_receiver[] =
    "SELECT (SELECT count(*) FROM pg_stat_wal_receiver),"
    " (SELECT status FROM pg_stat_wal_receiver LIMIT 1),"
    " (SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver"
    "  LIMIT 1),"
    " pg_wal_lsn_diff(pg_last_wal_receive_lsn(),"
    "  pg_last_wal_replay_lsn())::bigint,"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())";

/* Copy cell (row, col) of res into dst ("" when NULL). */
static void
repl_cell(char *dst, size_t size, const PGresult *res, int row, int col)
{
	snprintf(dst, size, "%s", PQgetisnull(res, row, col) ? "" :
	    PQgetvalue(res, row, col));
}

/* Cell as an integer, -1 when NULL. */
static int64_t
repl_int(const PGresult *res, int row, int col)
{
	return (PQgetisnull(res, row, col) ? -1 :
	    strtoll(PQgetvalue(res, row, col), NULL, 10));
}

/* Cell as a double, -1 when NULL. */
static double
repl_dbl(const PGresult *res, int row, int col)
{
	return (PQgetisnull(res, row, col) ? -1 :
	    strtod(PQgetvalue(res, row, col), NULL));
}

void
repl_bytes(int64_t n, char *out, size_t size)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB" };
	double	v = (double)n;
	int	u = -1;

	if (n < 1024) {
		snprintf(out, size, "%lld B", (long long)n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, "%.1f %s", v, unit[u]);
}

/* Read the primary's standbys. */
static int
repl_standbys(struct pool *p, PGconn *conn, int ms, struct repl *r,
    struct mc_err *err)
{
	PGresult	*res;
	int		 i;

	if ((res = pool_query_deadline(p, conn, repl_q_standbys, 0, NULL, ms,
	    err)) == NULL)
		return (-1);
	for (i = 0; i < PQntuples(res) && i < REPL_MAX; i++) {
		struct repl_standby	*s = &r->standbys[i];

		repl_cell(s->name, sizeof(s->name), res, i, 0);
		repl_cell(s->client, sizeof(s->client), res, i, 1);
		repl_cell(s->state, sizeof(s->state), res, i, 2);
		repl_cell(s->sync_state, sizeof(s->sync_state), res, i, 3);
		s->write_lag_bytes = repl_int(res, i, 4);
		s->flush_lag_bytes = repl_int(res, i, 5);
		s->replay_lag_bytes = repl_int(res, i, 6);
		s->write_lag_s = repl_dbl(res, i, 7);
		s->flush_lag_s = repl_dbl(res, i, 8);
		s->replay_lag_s = repl_dbl(res, i, 9);
	}
	r->nstandbys = i;
	PQclear(res);
	return (0);
}

/* Read the slots; a view the role may not read is noted, not an error. */
static int
repl_slots(struct pool *p, PGconn *conn, int ms, struct repl *r,
    struct mc_err *err)
{
	struct mc_err	 e = { 0 };
	PGresult	*res;
	int		 i;

	if ((res = pool_query_deadline(p, conn, repl_q_slots, 0, NULL, ms,
	    &e)) == NULL) {
		if (e.code == MC_E_QUERY && strcmp(e.sqlstate, "42501") == 0) {
			r->slots_hidden = true;
			snprintf(r->slots_error, sizeof(r->slots_error),
			    "replication slots not visible to this user "
			    "(permission denied for pg_replication_slots): "
			    "grant it pg_monitor or SELECT on the view");
			return (0);
		}
		if (err != NULL)
			*err = e;
		return (-1);
	}
	for (i = 0; i < PQntuples(res) && i < REPL_MAX; i++) {
		struct repl_slot	*s = &r->slots[i];

		repl_cell(s->name, sizeof(s->name), res, i, 0);
		repl_cell(s->type, sizeof(s->type), res, i, 1);
		s->active = PQgetvalue(res, i, 2)[0] == 't';
		repl_cell(s->wal_status, sizeof(s->wal_status), res, i, 3);
		s->retained_bytes = repl_int(res, i, 4);
	}
	r->nslots = i;
	PQclear(res);
	return (0);
}

/* Read a standby's receiver. */
static int
repl_receiver(struct pool *p, PGconn *conn, int ms, struct repl *r,
    struct mc_err *err)
{
	PGresult	*res;

	if ((res = pool_query_deadline(p, conn, repl_q_receiver, 0, NULL, ms,
	    err)) == NULL)
		return (-1);
	r->receiver = repl_int(res, 0, 0) > 0;
	repl_cell(r->receiver_status, sizeof(r->receiver_status), res, 0, 1);
	repl_cell(r->sender, sizeof(r->sender), res, 0, 2);
	r->backlog_bytes = repl_int(res, 0, 3);
	r->since_replay_s = repl_dbl(res, 0, 4);
	PQclear(res);
	return (0);
}

int
repl_sample(struct pool *p, PGconn *conn, int deadline_ms, struct repl *r,
    struct mc_err *err)
{
	PGresult	*res;
	int		 rc;

	memset(r, 0, sizeof(*r));
	r->backlog_bytes = -1;
	r->since_replay_s = -1;
	if ((res = pool_query_deadline(p, conn, "SELECT pg_is_in_recovery()",
	    0, NULL, deadline_ms, err)) == NULL)
		goto fail;
	r->in_recovery = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (r->in_recovery)
		rc = repl_receiver(p, conn, deadline_ms, r, err);
	else
		rc = repl_standbys(p, conn, deadline_ms, r, err);
	if (rc == 0)
		rc = repl_slots(p, conn, deadline_ms, r, err);
	if (rc == 0)
		return (0);
fail:
	snprintf(r->error, sizeof(r->error), "%s",
	    err != NULL ? err->msg : "replication query failed");
	return (-1);
}

/* "12.0 MB / 3.2 s" for a lag; "-" parts when unknown. */
static void
repl_lag(int64_t bytes, double secs, char *out, size_t size)
{
	char	b[24];

	if (bytes >= 0)
		repl_bytes(bytes, b, sizeof(b));
	else
		snprintf(b, sizeof(b), "?");
	if (secs >= 0)
		snprintf(out, size, "%s / %.1f s", b, secs);
	else
		snprintf(out, size, "%s / - s", b);
}

int
repl_problems(const struct repl *r, const struct conf_replication *th,
    struct buf *out)
{
	char	a[24], b[24];
	int	i, n = 0;

#define REPL_PROBLEM(...) do {						\
		if (out->len > 0)					\
			buf_puts(out, "; ");				\
		buf_printf(out, __VA_ARGS__);				\
		n++;							\
	} while (0)
	if (r->error[0] != '\0')
		return (0);	/* the caller reports the failed query */
	for (i = 0; i < r->nstandbys; i++) {
		const struct repl_standby	*s = &r->standbys[i];

		if (s->state[0] == '\0')
			continue;	/* hidden: shown, not judged */
		if (strcmp(s->state, "streaming") != 0)
			REPL_PROBLEM("standby %s (%s) is %s, not streaming",
			    s->name, s->client, s->state);
		if (th->max_lag_bytes > 0 &&
		    s->replay_lag_bytes > th->max_lag_bytes) {
			repl_bytes(s->replay_lag_bytes, a, sizeof(a));
			repl_bytes(th->max_lag_bytes, b, sizeof(b));
			REPL_PROBLEM("standby %s lags %s of WAL behind "
			    "(replay; max_lag_bytes %s)", s->name, a, b);
		}
		if (th->max_lag_s > 0 && s->replay_lag_s > th->max_lag_s)
			REPL_PROBLEM("standby %s replays %.1f s behind "
			    "(max_lag_s %d)", s->name, s->replay_lag_s,
			    th->max_lag_s);
	}
	for (i = 0; i < r->nslots; i++) {
		const struct repl_slot	*s = &r->slots[i];

		repl_bytes(s->retained_bytes >= 0 ? s->retained_bytes : 0, a,
		    sizeof(a));
		if (strcmp(s->wal_status, "lost") == 0)
			REPL_PROBLEM("slot %s has lost WAL its consumer "
			    "needed: that standby must be rebuilt, then drop "
			    "or recreate the slot", s->name);
		else if (!s->active)
			REPL_PROBLEM("slot %s (%s) is inactive and retains %s "
			    "of WAL: its consumer is disconnected, and the "
			    "disk fills until it reconnects or the slot is "
			    "dropped (pg_drop_replication_slot)", s->name,
			    s->type, a);
	}
	if (r->in_recovery) {
		if (!r->receiver)
			REPL_PROBLEM("this standby has no WAL receiver: it is "
			    "disconnected from its primary (check "
			    "primary_conninfo and the primary)");
		else if (r->receiver_status[0] != '\0' &&
		    strcmp(r->receiver_status, "streaming") != 0)
			REPL_PROBLEM("this standby's WAL receiver is %s, not "
			    "streaming", r->receiver_status);
		if (th->max_lag_bytes > 0 &&
		    r->backlog_bytes > th->max_lag_bytes) {
			repl_bytes(r->backlog_bytes, a, sizeof(a));
			repl_bytes(th->max_lag_bytes, b, sizeof(b));
			REPL_PROBLEM("this standby has %s of received WAL not "
			    "yet replayed (max_lag_bytes %s)", a, b);
		}
		if (th->max_lag_s > 0 && r->backlog_bytes > 0 &&
		    r->since_replay_s > th->max_lag_s)
			REPL_PROBLEM("this standby last replayed a transaction "
			    "%.0f s ago with WAL waiting (max_lag_s %d)",
			    r->since_replay_s, th->max_lag_s);
	}
#undef REPL_PROBLEM
	return (n);
}

int
repl_nlines(const struct repl *r)
{
	if (r->error[0] != '\0')
		return (1);
	return ((r->in_recovery ? 1 : r->nstandbys) + r->nslots +
	    (r->slots_hidden ? 1 : 0) +
	    (!r->in_recovery && r->nstandbys == 0 ? 1 : 0));
}

char *
repl_line(const struct repl *r, int i, const char **label)
{
	char	w[32], f[32], p[32], a[24];

	*label = "replication";
	if (r->error[0] != '\0')
		return (xasprintf("not sampled: %s", r->error));
	if (r->in_recovery) {
		if (i == 0) {
			*label = "standby";
			if (!r->receiver)
				return (xstrdup("this server is a standby; no "
				    "WAL receiver (disconnected from its "
				    "primary)"));
			repl_lag(r->backlog_bytes, r->since_replay_s, p,
			    sizeof(p));
			return (xasprintf("this server is a standby; receiver "
			    "%s%s%s; not yet replayed / last replayed xact: "
			    "%s ago", r->receiver_status[0] ?
			    r->receiver_status : "status hidden (needs "
			    "pg_monitor)", r->sender[0] ? " from " : "",
			    r->sender, p));
		}
		i--;
	} else if (r->nstandbys == 0) {
		if (i == 0)
			return (xstrdup("primary; no standby connected"));
		i--;
	} else if (i < r->nstandbys) {
		const struct repl_standby	*s = &r->standbys[i];

		*label = "standby";
		if (s->state[0] == '\0')
			return (xasprintf("%s%s%s%s: state and lag hidden "
			    "(needs pg_monitor)", s->name, s->client[0] ?
			    " (" : "", s->client, s->client[0] ? ")" : ""));
		repl_lag(s->write_lag_bytes, s->write_lag_s, w, sizeof(w));
		repl_lag(s->flush_lag_bytes, s->flush_lag_s, f, sizeof(f));
		repl_lag(s->replay_lag_bytes, s->replay_lag_s, p, sizeof(p));
		return (xasprintf("%s (%s) %s, %s; lag write %s, flush %s, "
		    "replay %s", s->name, s->client, s->state, s->sync_state,
		    w, f, p));
	} else
		i -= r->nstandbys;
	if (i < r->nslots) {
		const struct repl_slot	*s = &r->slots[i];

		*label = "slot";
		if (s->retained_bytes >= 0)
			repl_bytes(s->retained_bytes, a, sizeof(a));
		else
			snprintf(a, sizeof(a), "unknown");
		return (xasprintf("%s (%s) %s, retains %s of WAL%s%s", s->name,
		    s->type, s->active ? "active" : "INACTIVE", a,
		    s->wal_status[0] ? ", wal_status " : "", s->wal_status));
	}
	*label = "slot";
	return (xstrdup(r->slots_error));
}

enum repl_level
repl_line_level(const struct repl *r, int i,
    const struct conf_replication *th)
{
	const struct repl_standby	*s;
	const struct repl_slot		*sl;

	if (r->error[0] != '\0')
		return (REPL_WARN);
	if (r->in_recovery) {
		if (i == 0) {
			if (!r->receiver)
				return (REPL_BAD);
			if ((r->receiver_status[0] != '\0' &&
			    strcmp(r->receiver_status, "streaming") != 0) ||
			    (th->max_lag_bytes > 0 &&
			    r->backlog_bytes > th->max_lag_bytes) ||
			    (th->max_lag_s > 0 && r->backlog_bytes > 0 &&
			    r->since_replay_s > th->max_lag_s))
				return (REPL_WARN);
			return (REPL_OK);
		}
		i--;
	} else if (r->nstandbys == 0) {
		if (i == 0)
			return (REPL_OK);
		i--;
	} else if (i < r->nstandbys) {
		s = &r->standbys[i];
		if (s->state[0] == '\0')
			return (REPL_WARN);
		if (strcmp(s->state, "streaming") != 0 ||
		    (th->max_lag_bytes > 0 &&
		    s->replay_lag_bytes > th->max_lag_bytes) ||
		    (th->max_lag_s > 0 && s->replay_lag_s > th->max_lag_s))
			return (REPL_WARN);
		return (REPL_OK);
	} else
		i -= r->nstandbys;
	if (i < r->nslots) {
		sl = &r->slots[i];
		if (strcmp(sl->wal_status, "lost") == 0 || !sl->active)
			return (REPL_BAD);
		return (REPL_OK);
	}
	return (REPL_WARN);	/* the slots are hidden */
}

/* Add n (or null when negative) as member k. */
static void
repl_json_num(cJSON *o, const char *k, double n)
{
	if (n < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, n);
}

cJSON *
repl_json(const struct repl *r)
{
	cJSON	*o = cJSON_CreateObject(), *a, *e;
	int	 i;

	cJSON_AddStringToObject(o, "role", r->in_recovery ? "standby" :
	    "primary");
	if (r->error[0] != '\0') {
		cJSON_AddStringToObject(o, "error", r->error);
		return (o);
	}
	if (r->in_recovery) {
		e = cJSON_AddObjectToObject(o, "receiver");
		cJSON_AddBoolToObject(e, "running", r->receiver);
		if (r->receiver_status[0])
			cJSON_AddStringToObject(e, "status",
			    r->receiver_status);
		else
			cJSON_AddNullToObject(e, "status");
		cJSON_AddBoolToObject(e, "hidden", r->receiver &&
		    r->receiver_status[0] == '\0');
		cJSON_AddStringToObject(e, "sender", r->sender);
		repl_json_num(e, "replay_backlog_bytes",
		    (double)r->backlog_bytes);
		repl_json_num(e, "since_last_replay_s", r->since_replay_s);
	} else {
		a = cJSON_AddArrayToObject(o, "standbys");
		for (i = 0; i < r->nstandbys; i++) {
			const struct repl_standby	*s = &r->standbys[i];

			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "application_name",
			    s->name);
			cJSON_AddStringToObject(e, "client", s->client);
			cJSON_AddBoolToObject(e, "hidden", s->state[0] == '\0');
			cJSON_AddStringToObject(e, "state", s->state);
			cJSON_AddStringToObject(e, "sync_state", s->sync_state);
			repl_json_num(e, "write_lag_bytes",
			    (double)s->write_lag_bytes);
			repl_json_num(e, "flush_lag_bytes",
			    (double)s->flush_lag_bytes);
			repl_json_num(e, "replay_lag_bytes",
			    (double)s->replay_lag_bytes);
			repl_json_num(e, "write_lag_s", s->write_lag_s);
			repl_json_num(e, "flush_lag_s", s->flush_lag_s);
			repl_json_num(e, "replay_lag_s", s->replay_lag_s);
			cJSON_AddItemToArray(a, e);
		}
	}
	if (r->slots_hidden) {
		cJSON_AddNullToObject(o, "slots");
		cJSON_AddStringToObject(o, "slots_error", r->slots_error);
		return (o);
	}
	a = cJSON_AddArrayToObject(o, "slots");
	for (i = 0; i < r->nslots; i++) {
		const struct repl_slot	*s = &r->slots[i];

		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", s->name);
		cJSON_AddStringToObject(e, "type", s->type);
		cJSON_AddBoolToObject(e, "active", s->active);
		cJSON_AddStringToObject(e, "wal_status", s->wal_status);
		repl_json_num(e, "retained_bytes", (double)s->retained_bytes);
		cJSON_AddItemToArray(a, e);
	}
	return (o);
}
