/*
 * cmd-pg.c - `mcpdb pg ...`: PostgreSQL views an operator reaches for at
 * 3 a.m. `pg locks` prints the blocking chains as a tree (pg-locks.c):
 * who holds the lock everyone queues behind, who waits for what, on which
 * relation, for how long. Read-only, one statement.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "cmd.h"
#include "conn.h"
#include "out.h"
#include "pg-locks.h"
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

const struct cmd_entry *const cmd_pg_entries[] = { &cmd_pg_locks_entry, NULL };
