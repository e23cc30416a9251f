/*
 * cmd-io.c - `io status`: I/O and WAL rates (pgio.c) between two samples
 * --interval seconds apart, as tables or one JSON document.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "pgio.h"
#include "pool.h"
#include "xmem.h"

static const struct cmd_opt cmd_io_status_opts[] = {
	{ "interval", 0, "S", "seconds between the two samples (default 2)", CC_NONE },
	{ "limit", 0, "N", "tables shown, most inserts+updates+deletes per second first (default 10)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* io status [--interval S] [--limit N]: two samples, then the rates between them. */
static int
cmd_io_status_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct pgio_sample	*s0 = NULL, *s1 = NULL;
	struct conn		*c;
	struct pool		*p;
	struct table		*t;
	PGconn			*pc;
	long			 interval, limit;

	if (cmd_opt_int(a, "interval", 2, 1, 3600, &interval, err) != 0 ||
	    cmd_opt_int(a, "limit", 10, 1, 500, &limit, err) != 0)
		return (-1);
	if ((c = cmd_conn(ctx, err)) == NULL || (p = conn_pool(c, err)) == NULL)
		return (-1);
	if ((pc = pool_acquire(p, "io", err)) == NULL)
		return (-1);
	s0 = pgio_read(pc, err);
	pool_release(p, pc);
	if (s0 == NULL)
		return (-1);
	if (cmd_wait(ctx, interval * 1000)) {
		pgio_free(s0);
		return (mc_err_set(err, MC_E_CANCELLED, "interrupted before the second sample"));
	}
	if ((pc = pool_acquire(p, "io", err)) == NULL) {
		pgio_free(s0);
		return (-1);
	}
	s1 = pgio_read(pc, err);
	pool_release(p, pc);
	if (s1 == NULL) {
		pgio_free(s0);
		return (-1);
	}
	if (ctx->json)
		out_doc(ctx->out, pgio_to_json(s0, s1, (size_t)limit));
	else {
		t = pgio_summary(s0, s1);
		out_table(ctx->out, t);
		table_free(t);
		t = pgio_table_rates(s0, s1, (size_t)limit);
		if (t->nrows == 0)
			out_printf(ctx->out, "\nTables: no inserts, updates or deletes in %s "
			    "during the interval\n", s1->db);
		else {
			out_printf(ctx->out, "\nTables of %s with the most writes per second:\n",
			    s1->db);
			out_table(ctx->out, t);
		}
		table_free(t);
	}
	pgio_free(s0);
	pgio_free(s1);
	return (0);
}

static const struct cmd_entry cmd_io_status_entry = {
	.name = "io status",
	.summary = "checkpoints, buffer writes, WAL/s, temp files, database growth, per-table writes/s",
	.help = "Two samples --interval seconds apart (two statements each, read-only,\n"
	    "pg_monitor is enough) and the rates between them: checkpoints timed and\n"
	    "requested (30% requested or more: max_wal_size is too small), buffers\n"
	    "written by the checkpointer, the background writer and backends (backends\n"
	    "writing most: the bgwriter is not keeping up), WAL bytes, records and\n"
	    "full-page images per second, temporary files, the database's size and\n"
	    "growth, and the tables with the most inserts, updates (HOT share) and\n"
	    "deletes per second.",
	.opts = cmd_io_status_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_io_status_exec,
};

const struct cmd_entry *const cmd_io_entries[] = {
	&cmd_io_status_entry, NULL,
};
