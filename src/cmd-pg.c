/*
 * cmd-pg.c - `mcpdb pg ...`: PostgreSQL views an operator reaches for at
 * 3 a.m. `pg locks` prints the blocking chains as a tree (pg-locks.c):
 * who holds the lock everyone queues behind, who waits for what, on which
 * relation, for how long. Read-only, one statement. `pg session PID` shows
 * one session in detail (pgsession.c): whole query, locks, blockers, and
 * EXPLAIN of its query (ANALYZE only after asking, never for a write).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "cmd.h"
#include "conn.h"
#include "out.h"
#include "pg-locks.h"
#include "pgsession.h"
#include "pool.h"
#include "xmem.h"

#define CMD_PG_DEADLINE_MS	10000

/* The lock cell: "ShareLock (transactionid)", "-" when not waiting. */
static void
cmd_pg_lock_cell(const struct pg_lock_node *x, char *buf, size_t len)
{
	if (x->mode[0] == '\0')
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s (%s)", x->mode, x->locktype);
}

/* Print the tree as a table, the PID column indented by depth. */
static void
cmd_pg_locks_print(struct cmd_ctx *ctx, const struct pg_locks *t)
{
	struct table	*tb;
	size_t		 i;
	int		 roots = 0;

	for (i = 0; i < pg_locks_count(t); i++)
		if (pg_locks_at(t, i)->depth == 0)
			roots++;
	if (pg_locks_waiters(t) == 0) {
		out_printf(ctx->out, "no session waits on a lock\n");
		return;
	}
	out_printf(ctx->out, "%d session%s waiting on a lock, behind %d "
	    "blocker%s at the root\n", pg_locks_waiters(t),
	    pg_locks_waiters(t) == 1 ? "" : "s", roots, roots == 1 ? "" : "s");
	tb = table_new(NULL, 9, "PID", "USER", "APPLICATION", "STATE", "LOCK",
	    "RELATION", "WAITING", "XACT", "QUERY");
	for (i = 0; i < pg_locks_count(t); i++) {
		const struct pg_lock_node	*x = pg_locks_at(t, i);
		char				 pid[96], lock[80], w[24], xa[24];
		int				 d;

		pid[0] = '\0';
		for (d = 1; d < x->depth && d < 20; d++)
			strcat(pid, "   ");
		snprintf(pid + strlen(pid), sizeof(pid) - strlen(pid), "%s%d",
		    x->depth > 0 ? "`- " : "", x->pid);
		cmd_pg_lock_cell(x, lock, sizeof(lock));
		table_add(tb, pid, x->user[0] ? x->user : "-",
		    x->app[0] ? x->app : "-", x->state[0] ? x->state : "-",
		    lock, x->relation[0] ? x->relation : "-",
		    pg_locks_fmt_dur(x->wait_s, w, sizeof(w)),
		    pg_locks_fmt_dur(x->xact_s, xa, sizeof(xa)), x->query);
	}
	out_table(ctx->out, tb);
	table_free(tb);
}

/* pg locks: read the tree on one pooled connection and print it. */
static int
cmd_pg_locks_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	struct conn	*c;
	struct pool	*p;
	PGconn		*pc;
	PGresult	*res;
	struct pg_locks	*t;

	(void)a;
	if ((c = cmd_conn(ctx, err)) == NULL || (p = conn_pool(c, err)) == NULL)
		return (-1);
	if ((pc = pool_acquire(p, "pg locks", err)) == NULL)
		return (-1);
	res = pool_query_deadline(p, pc, pg_locks_sql(PQserverVersion(pc)), 0,
	    NULL, CMD_PG_DEADLINE_MS, err);
	pool_release(p, pc);
	if (res == NULL)
		return (mc_err_prefix(err, "lock tree: "));
	t = pg_locks_from_result(res);
	PQclear(res);
	if (ctx->json)
		out_doc(ctx->out, pg_locks_json(t));
	else
		cmd_pg_locks_print(ctx, t);
	pg_locks_free(t);
	return (0);
}

static const struct cmd_entry cmd_pg_locks_entry = {
	.name = "pg locks",
	.summary = "blocking chains as a tree: who waits on whom, for which lock",
	.help = "Sessions waiting on a lock (pg_blocking_pids()) under the sessions\n"
	    "they wait on, depth first: the root holds what the others queue for.\n"
	    "Each row: pid, user, application, state, the lock it waits for (mode\n"
	    "and type), the relation, how long it has waited, its transaction's\n"
	    "age and the start of its query. One read-only statement; needs\n"
	    "pg_monitor (or superuser) to see other roles' sessions. --json gives\n"
	    "{\"waiters\": N, \"roots\": [{\"pid\": ..., \"blocked\": [...]}]}.\n"
	    "In the TUI: L on the Dashboard, where c/K cancel/terminate (asks first).",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_TARGET,
	.exec = cmd_pg_locks_exec,
};

/* Print one session and its plan (NULL: not asked). */
static void
cmd_pg_session_print(struct cmd_ctx *ctx, const struct pgsession *s, const char *plan)
{
	char	a[32], line[256];
	size_t	i;
	int	k;

	out_printf(ctx->out, "session %d  user %s  application %s  database %s\n",
	    s->pid, s->user[0] ? s->user : "-", s->app[0] ? s->app : "-",
	    s->datname[0] ? s->datname : "-");
	pgsession_state_line(s, line, sizeof(line));
	out_printf(ctx->out, "%s\n", line);
	if (s->nblockers > 0) {
		out_printf(ctx->out, "blocked by");
		for (k = 0; k < s->nblockers; k++)
			out_printf(ctx->out, " %d", s->blockers[k]);
		out_printf(ctx->out, " (mcpdb pg session PID for each)\n");
	}
	out_printf(ctx->out, "query:\n%s\n", s->query[0] ? s->query :
	    "(hidden from this role)");
	out_printf(ctx->out, "locks (%zu%s):\n", s->nlocks,
	    s->nlocks >= PGSESSION_MAX_LOCKS ? ", the first" : "");
	for (i = 0; i < s->nlocks; i++) {
		const struct pgsession_lock	*l = &s->locks[i];

		out_printf(ctx->out, "  %-8s %-24s %-14s %s", l->granted ? "held" :
		    "WAITING", l->mode, l->locktype, l->object);
		if (!l->granted && l->wait_s >= 0)
			out_printf(ctx->out, "  for %s", pg_locks_fmt_dur(l->wait_s, a,
			    sizeof(a)));
		out_printf(ctx->out, "\n");
	}
	if (plan != NULL)
		out_printf(ctx->out, "plan:\n%s", plan);
}

/* pg session PID: the detail, and EXPLAIN on request. */
static int
cmd_pg_session_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	struct conn		*c;
	struct pool		*p;
	PGconn			*pc;
	struct pgsession	*s;
	char			*plan = NULL, *end, what[200];
	long			 pid, ms;
	bool			 analyze = cmd_flag(a, "analyze");
	bool			 explain = analyze || cmd_flag(a, "explain");
	int			 rc = 0;

	pid = strtol(cmd_arg(a, 0), &end, 10);
	if (*end != '\0' || pid < 1 || pid > 0x7fffffff)
		return (mc_err_set(err, MC_E_USAGE, "pg session: expected a backend "
		    "pid (a positive number), got \"%s\"", cmd_arg(a, 0)));
	if (cmd_opt_int(a, "timeout", 5000, 100, 3600000, &ms, err) == -1)
		return (-1);
	if ((c = cmd_conn(ctx, err)) == NULL || (p = conn_pool(c, err)) == NULL)
		return (-1);
	if ((pc = pool_acquire(p, "pg session", err)) == NULL)
		return (-1);
	s = pgsession_read(p, pc, (int)pid, 0, CMD_PG_DEADLINE_MS, err);
	if (s != NULL && analyze) {
		/* ANALYZE executes the query: ask, as for anything that acts. */
		snprintf(what, sizeof(what), "run session %ld's query under EXPLAIN "
		    "ANALYZE (read-only, at most %ld ms)", pid, ms);
		pool_release(p, pc);
		pc = NULL;
		if (cmd_confirm(ctx, what, err) == -1) {
			pgsession_free(s);
			return (-1);
		}
		if ((pc = pool_acquire(p, "pg session", err)) == NULL) {
			pgsession_free(s);
			return (-1);
		}
	}
	if (s != NULL && explain)
		rc = pgsession_explain(p, pc, s, analyze, (int)ms, &plan, err);
	pool_release(p, pc);
	if (s == NULL)
		return (-1);
	if (rc == 0 || !ctx->json) {
		if (ctx->json)
			out_doc(ctx->out, pgsession_json(s, plan));
		else
			cmd_pg_session_print(ctx, s, plan);
	}
	pgsession_free(s);
	free(plan);
	return (rc);
}

static const struct cmd_opt cmd_pg_session_opts[] = {
	{ "explain", 'e', NULL, "also EXPLAIN its query (the plan only: nothing runs)", CC_NONE },
	{ "analyze", 0, NULL, "EXPLAIN ANALYZE: runs the query read-only (asks first; never for a write)", CC_NONE },
	{ "timeout", 0, "MS", "statement_timeout of the EXPLAIN (default 5000)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_pg_session_entry = {
	.name = "pg session",
	.args = "PID",
	.summary = "one session in detail: whole query, locks held and awaited, blockers, EXPLAIN",
	.help = "The session's user, application, database, state and wait, how\n"
	    "long its transaction and query have run, the sessions blocking it\n"
	    "(pg_blocking_pids()), its whole query and its pg_locks rows (held or\n"
	    "WAITING, mode, what on, for how long). One read-only statement.\n"
	    "--explain adds the plan of its query (EXPLAIN: nothing runs), in a\n"
	    "READ ONLY transaction with statement_timeout and a 1 s lock_timeout,\n"
	    "so it never queues behind the locks you are looking at. --analyze\n"
	    "runs the query (EXPLAIN ANALYZE, BUFFERS) after asking; it is refused\n"
	    "for INSERT/UPDATE/DELETE/MERGE, data-modifying WITH, SELECT INTO and\n"
	    "FOR UPDATE/SHARE. Queries with $N parameters get a generic plan on\n"
	    "PostgreSQL 16+ and are refused before. The session must be in the\n"
	    "database mcpdb is connected to. --json gives the session with \"locks\",\n"
	    "\"blocked_by\" and \"plan\". In the TUI: Enter on a Dashboard session.",
	.opts = cmd_pg_session_opts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_TARGET,
	.exec = cmd_pg_session_exec,
};

const struct cmd_entry *const cmd_pg_entries[] = { &cmd_pg_locks_entry,
	&cmd_pg_session_entry, NULL };
