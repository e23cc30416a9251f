/*
 * cmd-stmt.c - `statements top`: the top queries of pg_stat_statements
 * (pgstmt.c), cumulative or as deltas over --interval seconds.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "pgstmt.h"
#include "pool.h"
#include "xmem.h"

static const struct cmd_opt cmd_stmt_opts[] = {
	{ "sort", 0, "KEY", "total (default), mean, calls, rows or read (shared blocks read)", CC_NONE },
	{ "interval", 0, "S", "deltas over S seconds instead of totals since the last reset", CC_NONE },
	{ "limit", 0, "N", "statements shown (default 20)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* One sample through the pool. */
static struct pgstmt *
cmd_stmt_read(struct pool *p, struct mc_err *err)
{
	PGconn		*pc;
	struct pgstmt	*v;

	if ((pc = pool_acquire(p, "statements", err)) == NULL)
		return (NULL);
	v = pgstmt_read(pc, err);
	pool_release(p, pc);
	return (v);
}

/* statements top [--sort KEY] [--interval S] [--limit N] */
static int
cmd_stmt_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct pgstmt	*s0 = NULL, *s1;
	struct conn	*c;
	struct pool	*p;
	struct table	*t;
	const char	*so = cmd_opt(a, "sort");
	long		 interval, limit;
	int		 sort = PGSTMT_TOTAL;

	if (so != NULL && (sort = pgstmt_sort_parse(so)) < 0)
		return (mc_err_set(err, MC_E_USAGE, "--sort: expected total, mean, calls, rows "
		    "or read, got \"%s\"", so));
	if (cmd_opt_int(a, "interval", 0, 0, 3600, &interval, err) != 0 ||
	    cmd_opt_int(a, "limit", 20, 1, 5000, &limit, err) != 0)
		return (-1);
	if ((c = cmd_conn(ctx, err)) == NULL || (p = conn_pool(c, err)) == NULL)
		return (-1);
	if (interval > 0) {
		if ((s0 = cmd_stmt_read(p, err)) == NULL)
			return (-1);
		if (cmd_wait(ctx, interval * 1000)) {
			pgstmt_free(s0);
			return (mc_err_set(err, MC_E_CANCELLED, "interrupted before the second sample"));
		}
	}
	if ((s1 = cmd_stmt_read(p, err)) == NULL) {
		pgstmt_free(s0);
		return (-1);
	}
	if (!s1->available && !ctx->json) {
		mc_err_set(err, MC_E_STATE, "%s", s1->why);
		pgstmt_free(s0);
		pgstmt_free(s1);
		return (-1);
	}
	if (ctx->json)
		out_doc(ctx->out, pgstmt_to_json(s0, s1, (enum pgstmt_sort)sort, (size_t)limit));
	else {
		if (s0 != NULL)
			out_printf(ctx->out, "Top statements by %s over %.1f s:\n",
			    pgstmt_sort_name((enum pgstmt_sort)sort), s1->t - s0->t);
		else
			out_printf(ctx->out, "Top statements by %s since %s:\n",
			    pgstmt_sort_name((enum pgstmt_sort)sort),
			    s1->reset ? s1->reset : "the last reset");
		t = pgstmt_top(s0, s1, (enum pgstmt_sort)sort, (size_t)limit);
		out_table(ctx->out, t);
		table_free(t);
		if (s1->dealloc > 0)
			out_printf(ctx->out, "(%lld entries were evicted since the reset: raise "
			    "pg_stat_statements.max if this list misses statements)\n", s1->dealloc);
	}
	pgstmt_free(s0);
	pgstmt_free(s1);
	return (0);
}

static const struct cmd_entry cmd_stmt_entry = {
	.name = "statements top",
	.summary = "top queries from pg_stat_statements: time, calls, rows, blocks (--interval: deltas)",
	.help = "Total and mean execution time, calls, rows, shared blocks hit and read per\n"
	    "statement, sorted by --sort. Without --interval: totals since the last reset;\n"
	    "with it, the deltas between two samples S seconds apart, reset-aware (a\n"
	    "pg_stat_statements_reset() or an evicted statement counts from zero). When the\n"
	    "extension is not installed it says how to enable it (exit 1; --json says so\n"
	    "in \"why\"). Reads only; pg_monitor is enough to see every user's queries.",
	.opts = cmd_stmt_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_stmt_exec,
};

const struct cmd_entry *const cmd_stmt_entries[] = {
	&cmd_stmt_entry, NULL,
};
