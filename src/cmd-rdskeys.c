/*
 * cmd-rdskeys.c - `redis keyspace` (a bounded SCAN sample: keys per
 * database, memory by type, the biggest and hottest keys, TTLs) and `redis
 * doctor` (MEMORY DOCTOR, LATENCY DOCTOR), both from rdskeys.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "rdskeys.h"
#include "xmem.h"

static const struct cmd_opt cmd_rdskeys_opts[] = {
	{ "samples", 0, "N", "keys to sample by SCAN, at most (default 1000; Ctrl-C stops early)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

/* Print the sample as text. */
static void
cmd_rdskeys_print(struct cmd_ctx *ctx, const struct rdskeys *s)
{
	struct table	*t;
	char		*sum;

	out_printf(ctx->out, "Databases (INFO keyspace):\n");
	t = rdskeys_db_table(s);
	out_table(ctx->out, t);
	table_free(t);
	sum = rdskeys_summary(s);
	out_printf(ctx->out, "\nSample: %s\n", sum);
	free(sum);
	if (s->sampled == 0)
		return;
	out_printf(ctx->out, "\nMemory by type (sampled keys):\n");
	t = rdskeys_type_table(s);
	out_table(ctx->out, t);
	table_free(t);
	out_printf(ctx->out, "\nBiggest keys:\n");
	t = rdskeys_big_table(s, false);
	out_table(ctx->out, t);
	table_free(t);
	if (!s->lfu)
		out_printf(ctx->out, "\nHot keys: need an LFU maxmemory-policy (now %s) for "
		    "OBJECT FREQ, as redis-cli --hotkeys does\n",
		    s->info.maxmemory_policy[0] ? s->info.maxmemory_policy : "unknown");
	else {
		out_printf(ctx->out, "\nHottest keys (OBJECT FREQ, logarithmic):\n");
		t = rdskeys_big_table(s, true);
		out_table(ctx->out, t);
		table_free(t);
	}
}

/* redis keyspace [--samples N] */
static int
cmd_rdskeys_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct conn	*c;
	struct rds	*r;
	struct rdskeys	*s;
	long		 samples;

	if (cmd_opt_int(a, "samples", 1000, 1, 1000000, &samples, err) != 0)
		return (-1);
	if ((c = cmd_conn(ctx, err)) == NULL || (r = conn_rds(c, err)) == NULL)
		return (-1);
	if ((s = rdskeys_read(r, samples, ctx->stop, err)) == NULL)
		return (-1);
	if (ctx->json)
		out_doc(ctx->out, rdskeys_to_json(s));
	else
		cmd_rdskeys_print(ctx, s);
	rdskeys_free(s);
	return (0);
}

/* redis doctor */
static int
cmd_rdsdoctor_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct mc_err *err)
{
	struct conn	*c;
	struct rds	*r;
	char		*mem, *lat;
	cJSON		*doc;

	(void)a;
	if ((c = cmd_conn(ctx, err)) == NULL || (r = conn_rds(c, err)) == NULL)
		return (-1);
	if (rdskeys_doctor(r, &mem, &lat, err) == -1)
		return (-1);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "memory_doctor", mem);
		cJSON_AddStringToObject(doc, "latency_doctor", lat);
		out_doc(ctx->out, doc);
	} else {
		out_printf(ctx->out, "MEMORY DOCTOR:\n");
		out_value(ctx->out, mem, strlen(mem));
		out_printf(ctx->out, "\n\nLATENCY DOCTOR:\n");
		out_value(ctx->out, lat, strlen(lat));
		out_printf(ctx->out, "\n");
	}
	free(mem);
	free(lat);
	return (0);
}

static const struct cmd_entry cmd_rdskeys_entry = {
	.name = "redis keyspace",
	.summary = "keys per database, and a bounded SCAN sample: memory by type, biggest and hottest keys, TTLs",
	.help = "Never KEYS: SCAN COUNT 100 a step until --samples keys (default 1000) or the\n"
	    "end of the database, with TYPE, PTTL and MEMORY USAGE of each key pipelined in\n"
	    "one batch a step (and OBJECT FREQ under an LFU maxmemory-policy, the only way to\n"
	    "tell hot keys). Ctrl-C stops the sample early and shows what it has. Key names\n"
	    "are shown escaped. A Redis Cluster is sampled per node: point --redis at one.",
	.opts = cmd_rdskeys_opts, .min_args = 0, .max_args = 0,
	.flags = CMD_NEEDS_TARGET, .exec = cmd_rdskeys_exec,
};

static const struct cmd_entry cmd_rdsdoctor_entry = {
	.name = "redis doctor",
	.summary = "the server's own MEMORY DOCTOR and LATENCY DOCTOR reports",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET, .exec = cmd_rdsdoctor_exec,
};

const struct cmd_entry *const cmd_rdskeys_entries[] = {
	&cmd_rdskeys_entry, &cmd_rdsdoctor_entry, NULL,
};
