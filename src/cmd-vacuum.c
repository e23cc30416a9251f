/*
 * cmd-vacuum.c - `vacuum status`: vacuum and wraparound health (pgvac.c)
 * as tables or one JSON document; exit 3 when a database needs an
 * anti-wraparound vacuum or is in the server's warning zone.
 */
#include "config.h"

#include <stdlib.h>

#include "cmd.h"
#include "conn.h"
#include "pgvac.h"
#include "pool.h"
#include "xmem.h"

static const struct cmd_opt cmd_vacuum_status_opts[] = {
	{ "limit", 0, "N", "tables shown, most dead rows first (default 20)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* Print a reading as text. */
static void
cmd_vacuum_print(struct cmd_ctx *ctx, const struct pgvac *v, int limit)
{
	struct table	*t;
	char		*w;
	size_t		 i;

	out_printf(ctx->out, "Databases (autovacuum_freeze_max_age %lld, "
	    "autovacuum_multixact_freeze_max_age %lld):\n", v->freeze_max_age,
	    v->mfreeze_max_age);
	t = pgvac_db_table(v);
	out_table(ctx->out, t);
	table_free(t);
	for (i = 0; i < v->ndbs; i++)
		if (v->dbs[i].level != PGVAC_OK) {
			w = pgvac_db_words(v, &v->dbs[i]);
			out_printf(ctx->out, "%s: %s\n", v->dbs[i].name, w);
			free(w);
		}
	if (v->nruns == 0)
		out_printf(ctx->out, "\nRunning vacuums: none\n");
	else {
		out_printf(ctx->out, "\nRunning vacuums:\n");
		t = pgvac_run_table(v);
		out_table(ctx->out, t);
		table_free(t);
	}
	if (v->horizon_kind == NULL)
		out_printf(ctx->out, "\nOldest xmin: nothing holds back VACUUM\n");
	else
		out_printf(ctx->out, "\nOldest xmin: %s %s holds back %lld transaction IDs "
		    "(VACUUM cannot remove rows deleted after it started)\n", v->horizon_kind,
		    v->horizon_who ? v->horizon_who : "?", v->horizon_age);
	out_printf(ctx->out, "\nTables (at most %d, most dead rows first; bloat estimated from "
	    "pg_stats):\n", limit);
	t = pgvac_table_table(v);
	out_table(ctx->out, t);
	table_free(t);
}

/* vacuum status [--limit N]: one reading; exit 3 when a database needs attention. */
static int
cmd_vacuum_status_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct conn	*c;
	struct pool	*p;
	struct pgvac	*v;
	PGconn		*pc;
	long		 limit;
	int		 status;

	if (cmd_opt_int(a, "limit", 20, 1, 10000, &limit, err) != 0)
		return (-1);
	if ((c = cmd_conn(ctx, err)) == NULL || (p = conn_pool(c, err)) == NULL ||
	    (pc = pool_acquire(p, "vacuum", err)) == NULL)
		return (-1);
	v = pgvac_read(pc, (int)limit, err);
	pool_release(p, pc);
	if (v == NULL)
		return (-1);
	if (ctx->json)
		out_doc(ctx->out, pgvac_to_json(v));
	else
		cmd_vacuum_print(ctx, v, (int)limit);
	status = v->level != PGVAC_OK ? 3 : 0;
	pgvac_free(v);
	return (status);
}

static const struct cmd_entry cmd_vacuum_status_entry = {
	.name = "vacuum status",
	.summary = "vacuum and wraparound health: xid ages, running vacuums, dead rows (exit 3 when due)",
	.help = "Each database's transaction ID and multixact age against\n"
	    "autovacuum_freeze_max_age and the wraparound limit; the vacuums running now\n"
	    "with their progress; the oldest xmin horizon (the session, prepared\n"
	    "transaction or replication slot that stops VACUUM from removing dead rows);\n"
	    "and the connected database's tables with the most dead rows: the dead rows\n"
	    "at which autovacuum picks them up, last (auto)vacuum and analyze, their own\n"
	    "xid age, size and an estimated bloat (unknown without pg_stats for every\n"
	    "column). Four statements; reads only; works with pg_monitor. Exit 3 when a\n"
	    "database has reached autovacuum_freeze_max_age or is within 40 M IDs of the\n"
	    "wraparound limit.",
	.opts = cmd_vacuum_status_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_vacuum_status_exec,
};

const struct cmd_entry *const cmd_vacuum_entries[] = {
	&cmd_vacuum_status_entry, NULL,
};
