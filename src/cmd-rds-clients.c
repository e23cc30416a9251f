/*
 * cmd-rds-clients.c - `mcpdb redis clients`, `redis kill-client`,
 * `redis slowlog` and `redis errors`: who is connected and what they cost
 * (CLIENT LIST), which commands are slow (SLOWLOG GET, LATENCY LATEST) and
 * which fail (INFO commandstats and errorstats). Parsing is in
 * rds-clients.c; this file asks the server through the Redis layer's public
 * API and prints. Only kill-client changes anything, and it asks first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "conn.h"
#include "out.h"
#include "rds-clients.h"
#include "rds.h"
#include "redact.h"
#include "xmem.h"

#define CMD_RC_SLOW	32	/* SLOWLOG GET this many */

/* The selected target's Redis client (borrowed). */
static struct rds *
cmd_rc_client(struct cmd_ctx *ctx, struct mc_err *err)
{
	struct conn	*c;

	if ((c = cmd_conn(ctx, err)) == NULL)
		return (NULL);
	return (conn_rds(c, err));
}

/* CLIENT LIST, parsed. Returns the count or -1 with err; caller frees *out. */
static long
cmd_rc_list(struct rds *r, struct rds_client **out, struct mc_err *err)
{
	static const char *const argv[] = { "CLIENT", "LIST" };
	struct rds_reply	*rep;
	size_t			 n;

	if ((rep = rds_command(r, RDS_F_IDEMPOTENT, 2, argv, NULL, err)) ==
	    NULL)
		return (mc_err_prefix(err, "CLIENT LIST: "));
	if (rep->type != RDS_STRING) {
		rds_reply_free(rep);
		return (mc_err_set(err, MC_E_REDIS, "CLIENT LIST: unexpected "
		    "reply"));
	}
	n = rds_clients_parse(rep->str, rep->len, out);
	rds_reply_free(rep);
	return ((long)n);
}

/* A number cell; "-" when unknown. */
static const char *
cmd_rc_num(char *buf, size_t len, long long v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
	return (buf);
}

/* Unix seconds as UTC "2026-12-03 17:30:05". */
static const char *
cmd_rc_when(char *buf, size_t len, long long t)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
	return (buf);
}

/* A JSON number, or null when unknown. */
static void
cmd_rc_jnum(cJSON *o, const char *k, double v)
{
	if (v < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

/* redis clients: CLIENT LIST, sorted. */
static int
cmd_rc_clients_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	const char		*sort = cmd_opt(a, "sort");
	struct rds		*r;
	struct rds_client	*v = NULL;
	struct table		*tb;
	cJSON			*doc, *arr, *o;
	long			 n, i;
	int			 key = RCS_IDLE;
	bool			 nocmds = false;
	char			 b[6][32];

	if (sort != NULL && (key = rds_clients_sort_key(sort)) < 0)
		return (mc_err_set(err, MC_E_USAGE, "--sort %s: expected idle, "
		    "mem or cmds", sort));
	if ((r = cmd_rc_client(ctx, err)) == NULL)
		return (-1);
	if ((n = cmd_rc_list(r, &v, err)) < 0)
		return (-1);
	if (key == RCS_CMDS && n > 0 && v[0].tot_cmds < 0) {
		/* tot-cmds is Redis 7.4+: say so and sort by idle time */
		nocmds = true;
		key = RCS_IDLE;
	}
	rds_clients_sort(v, (size_t)n, (enum rds_clients_sort)key);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "sort", key == RCS_MEM ? "mem" :
		    key == RCS_CMDS ? "cmds" : "idle");
		if (nocmds)
			cJSON_AddStringToObject(doc, "note", "this server does "
			    "not count commands per client (tot-cmds, Redis "
			    "7.4+); sorted by idle time");
		arr = cJSON_AddArrayToObject(doc, "clients");
		for (i = 0; i < n; i++) {
			o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", (double)v[i].id);
			cJSON_AddStringToObject(o, "addr", v[i].addr);
			cJSON_AddStringToObject(o, "name", v[i].name);
			cJSON_AddStringToObject(o, "user", v[i].user);
			cJSON_AddStringToObject(o, "flags", v[i].flags);
			cJSON_AddStringToObject(o, "cmd", v[i].cmd);
			cmd_rc_jnum(o, "db", (double)v[i].db);
			cmd_rc_jnum(o, "age_s", (double)v[i].age_s);
			cmd_rc_jnum(o, "idle_s", (double)v[i].idle_s);
			cmd_rc_jnum(o, "tot_mem", (double)v[i].tot_mem);
			cmd_rc_jnum(o, "tot_cmds", (double)v[i].tot_cmds);
			cJSON_AddItemToArray(arr, o);
		}
		out_doc(ctx->out, doc);
		free(v);
		return (0);
	}
	if (nocmds)
		out_note(ctx->out, "mcpdb: this server does not count commands "
		    "per client (tot-cmds, Redis 7.4+); sorted by idle time");
	out_printf(ctx->out, "%ld client%s, sorted by %s\n", n, n == 1 ? "" :
	    "s", key == RCS_MEM ? "memory" : key == RCS_CMDS ? "commands" :
	    "idle time");
	tb = table_new(NULL, 10, "ID", "ADDR", "NAME", "USER", "DB", "AGE",
	    "IDLE", "MEM", "CMDS", "LAST CMD");
	for (i = 0; i < n; i++)
		table_add(tb, cmd_rc_num(b[0], sizeof(b[0]), v[i].id),
		    v[i].addr, v[i].name, v[i].user,
		    cmd_rc_num(b[1], sizeof(b[1]), v[i].db),
		    cmd_rc_num(b[2], sizeof(b[2]), v[i].age_s),
		    cmd_rc_num(b[3], sizeof(b[3]), v[i].idle_s),
		    cmd_rc_num(b[4], sizeof(b[4]), v[i].tot_mem),
		    cmd_rc_num(b[5], sizeof(b[5]), v[i].tot_cmds), v[i].cmd);
	out_table(ctx->out, tb);
	table_free(tb);
	free(v);
	return (0);
}

/* redis kill-client ID: name the client, ask, CLIENT KILL ID. */
static int
cmd_rc_kill_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	const char		*id = cmd_arg(a, 0);
	const char		*argv[4] = { "CLIENT", "KILL", "ID", id };
	struct rds		*r;
	struct rds_client	*v = NULL, *c = NULL;
	struct rds_reply	*rep;
	long			 n, i;
	char			*end, *what;
	long long		 want = strtoll(id, &end, 10), killed;
	cJSON			*doc;
	int			 rc;

	if (*id == '\0' || *end != '\0' || want <= 0)
		return (mc_err_set(err, MC_E_USAGE, "kill-client %s: expected a "
		    "client id (the ID column of `mcpdb redis clients`)", id));
	if ((r = cmd_rc_client(ctx, err)) == NULL)
		return (-1);
	if ((n = cmd_rc_list(r, &v, err)) < 0)
		return (-1);
	for (i = 0; i < n; i++)
		if (v[i].id == want)
			c = &v[i];
	if (c == NULL) {
		free(v);
		return (mc_err_set(err, MC_E_NOTFOUND, "no Redis client with "
		    "id %lld (gone already?); nothing was killed", want));
	}
	what = xasprintf("kill Redis client %lld (%s, name \"%s\", user %s, "
	    "idle %lld s, last command %s)", c->id, c->addr, c->name, c->user,
	    c->idle_s, c->cmd);
	free(v);
	rc = cmd_confirm(ctx, what, err);
	free(what);
	if (rc == -1)
		return (-1);
	if ((rep = rds_command(r, 0, 4, argv, NULL, err)) == NULL)
		return (mc_err_prefix(err, "CLIENT KILL ID %lld: ", want));
	killed = rep->type == RDS_INTEGER ? rep->integer : 0;
	rds_reply_free(rep);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(doc, "id", (double)want);
		cJSON_AddNumberToObject(doc, "killed", (double)killed);
		out_doc(ctx->out, doc);
	} else if (killed > 0)
		out_printf(ctx->out, "killed Redis client %lld\n", want);
	else
		out_printf(ctx->out, "Redis client %lld had gone already; "
		    "nothing killed\n", want);
	return (killed > 0 ? 0 : 1);
}

/* The words of a SLOWLOG entry's command, joined, each cut at 64 bytes. Caller frees. */
static char *
cmd_rc_argv(const struct rds_reply *a)
{
	char	buf[256], *red;
	size_t	j, o = 0;

	buf[0] = '\0';
	for (j = 0; a->type == RDS_ARRAY && j < a->n && o + 2 < sizeof(buf);
	    j++) {
		const struct rds_reply	*w = &a->elem[j];
		int			 l = (int)(w->str ? (w->len > 64 ? 64 :
		    w->len) : 0);

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%.*s",
		    j ? " " : "", l, w->str ? w->str : "");
		if (o >= sizeof(buf))
			o = sizeof(buf) - 1;
	}
	red = redact_text(buf);
	return (red);
}

/* redis slowlog: SLOWLOG GET and LATENCY LATEST. */
static int
cmd_rc_slowlog_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	static const char *const slow[] = { "SLOWLOG", "GET", "32" };
	static const char *const lat[] = { "LATENCY", "LATEST" };
	struct rds		*r;
	struct rds_reply	*sr, *lr;
	struct table		*ts, *tl;
	cJSON			*doc = NULL, *arr = NULL, *o;
	size_t			 i;
	char			 b[4][32], *cmd;

	(void)a;
	if ((r = cmd_rc_client(ctx, err)) == NULL)
		return (-1);
	if ((sr = rds_command(r, RDS_F_IDEMPOTENT, 3, slow, NULL, err)) == NULL)
		return (mc_err_prefix(err, "SLOWLOG GET: "));
	if ((lr = rds_command(r, RDS_F_IDEMPOTENT | RDS_F_ERROR_REPLY, 2, lat,
	    NULL, err)) == NULL) {
		rds_reply_free(sr);
		return (mc_err_prefix(err, "LATENCY LATEST: "));
	}
	ts = table_new(NULL, 6, "ID", "WHEN", "USEC", "COMMAND", "CLIENT",
	    "NAME");
	if (ctx->json) {
		doc = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(doc, "slowlog");
	}
	for (i = 0; sr->type == RDS_ARRAY && i < sr->n; i++) {
		const struct rds_reply	*e = &sr->elem[i];
		const char		*cl = "", *nm = "";

		if (e->type != RDS_ARRAY || e->n < 4)
			continue;
		if (e->n >= 6) {
			cl = e->elem[4].str ? e->elem[4].str : "";
			nm = e->elem[5].str ? e->elem[5].str : "";
		}
		cmd = cmd_rc_argv(&e->elem[3]);
		if (ctx->json) {
			o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id",
			    (double)e->elem[0].integer);
			cJSON_AddNumberToObject(o, "when",
			    (double)e->elem[1].integer);
			cJSON_AddNumberToObject(o, "usec",
			    (double)e->elem[2].integer);
			cJSON_AddStringToObject(o, "command", cmd);
			cJSON_AddStringToObject(o, "client", cl);
			cJSON_AddStringToObject(o, "name", nm);
			cJSON_AddItemToArray(arr, o);
		} else
			table_add(ts, cmd_rc_num(b[0], sizeof(b[0]),
			    e->elem[0].integer), cmd_rc_when(b[1], sizeof(b[1]),
			    e->elem[1].integer), cmd_rc_num(b[2], sizeof(b[2]),
			    e->elem[2].integer), cmd, cl, nm);
		free(cmd);
	}
	tl = table_new(NULL, 4, "EVENT", "WHEN", "LATEST MS", "MAX MS");
	if (ctx->json)
		arr = cJSON_AddArrayToObject(doc, "latency");
	for (i = 0; lr->type == RDS_ARRAY && i < lr->n; i++) {
		const struct rds_reply	*e = &lr->elem[i];

		if (e->type != RDS_ARRAY || e->n < 4 || e->elem[0].str == NULL)
			continue;
		if (ctx->json) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "event", e->elem[0].str);
			cJSON_AddNumberToObject(o, "when",
			    (double)e->elem[1].integer);
			cJSON_AddNumberToObject(o, "latest_ms",
			    (double)e->elem[2].integer);
			cJSON_AddNumberToObject(o, "max_ms",
			    (double)e->elem[3].integer);
			cJSON_AddItemToArray(arr, o);
		} else
			table_add(tl, e->elem[0].str, cmd_rc_when(b[0],
			    sizeof(b[0]), e->elem[1].integer), cmd_rc_num(b[1],
			    sizeof(b[1]), e->elem[2].integer), cmd_rc_num(b[2],
			    sizeof(b[2]), e->elem[3].integer));
	}
	if (ctx->json) {
		if (lr->type == RDS_ERROR)
			cJSON_AddStringToObject(doc, "latency_error", lr->str);
		out_doc(ctx->out, doc);
	} else {
		out_printf(ctx->out, "slow log (newest first, at most %d):\n",
		    CMD_RC_SLOW);
		if (ts->nrows == 0)
			out_printf(ctx->out, "  (empty)\n");
		else
			out_table(ctx->out, ts);
		out_printf(ctx->out, "latency events (LATENCY LATEST):\n");
		if (lr->type == RDS_ERROR)
			out_printf(ctx->out, "  not available: %s\n", lr->str);
		else if (tl->nrows == 0)
			out_printf(ctx->out, "  (none: the latency monitor is "
			    "off or nothing crossed its threshold)\n");
		else
			out_table(ctx->out, tl);
	}
	table_free(ts);
	table_free(tl);
	rds_reply_free(sr);
	rds_reply_free(lr);
	return (0);
}

/* redis errors: INFO commandstats and errorstats. */
static int
cmd_rc_errors_exec(struct cmd_ctx *ctx, const struct cmd_args *a,
    struct mc_err *err)
{
	struct rds		*r;
	char			*cs, *es, b[5][32];
	struct rds_cmdstat	*cv = NULL;
	struct rds_errstat	*ev = NULL;
	size_t			 nc, ne, i;
	struct table		*tc, *te;
	cJSON			*doc, *arr, *o;

	(void)a;
	if ((r = cmd_rc_client(ctx, err)) == NULL)
		return (-1);
	if ((cs = rds_info_text(r, "commandstats", err)) == NULL)
		return (mc_err_prefix(err, "INFO commandstats: "));
	if ((es = rds_info_text(r, "errorstats", err)) == NULL) {
		free(cs);
		return (mc_err_prefix(err, "INFO errorstats: "));
	}
	nc = rds_cmdstats_parse(cs, &cv);
	ne = rds_errstats_parse(es, &ev);
	free(cs);
	free(es);
	if (ctx->json) {
		doc = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(doc, "commands");
		for (i = 0; i < nc; i++) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "command", cv[i].name);
			cmd_rc_jnum(o, "calls", (double)cv[i].calls);
			cmd_rc_jnum(o, "usec", (double)cv[i].usec);
			cmd_rc_jnum(o, "usec_per_call", cv[i].usec_per_call);
			cmd_rc_jnum(o, "rejected_calls",
			    (double)cv[i].rejected_calls);
			cmd_rc_jnum(o, "failed_calls",
			    (double)cv[i].failed_calls);
			cJSON_AddItemToArray(arr, o);
		}
		arr = cJSON_AddArrayToObject(doc, "errors");
		for (i = 0; i < ne; i++) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "error", ev[i].name);
			cJSON_AddNumberToObject(o, "count", (double)ev[i].count);
			cJSON_AddItemToArray(arr, o);
		}
		out_doc(ctx->out, doc);
	} else {
		te = table_new(NULL, 2, "ERROR", "COUNT");
		for (i = 0; i < ne; i++)
			table_add(te, ev[i].name, cmd_rc_num(b[0], sizeof(b[0]),
			    ev[i].count));
		out_printf(ctx->out, "errors by prefix (INFO errorstats; OOM "
		    "is a rejected write):\n");
		if (ne == 0)
			out_printf(ctx->out, "  (none since the last restart "
			    "or CONFIG RESETSTAT)\n");
		else
			out_table(ctx->out, te);
		table_free(te);
		tc = table_new(NULL, 6, "COMMAND", "CALLS", "USEC", "USEC/CALL",
		    "REJECTED", "FAILED");
		for (i = 0; i < nc; i++) {
			snprintf(b[3], sizeof(b[3]), "%.2f", cv[i].usec_per_call);
			table_add(tc, cv[i].name, cmd_rc_num(b[0], sizeof(b[0]),
			    cv[i].calls), cmd_rc_num(b[1], sizeof(b[1]),
			    cv[i].usec), b[3], cmd_rc_num(b[2], sizeof(b[2]),
			    cv[i].rejected_calls), cmd_rc_num(b[4],
			    sizeof(b[4]), cv[i].failed_calls));
		}
		out_printf(ctx->out, "commands (INFO commandstats):\n");
		out_table(ctx->out, tc);
		table_free(tc);
	}
	free(cv);
	free(ev);
	return (0);
}

static const struct cmd_opt cmd_rc_clients_opts[] = {
	{ "sort", 0, "KEY", "idle (default), mem or cmds (cmds needs Redis 7.4+)", CC_NONE },
	{ NULL, 0, NULL, NULL, CC_NONE },
};

static const struct cmd_entry cmd_rc_clients_entry = {
	.name = "redis clients",
	.summary = "connected clients (CLIENT LIST), sorted by idle, mem or cmds",
	.help = "One row per client: id, address, name, user, db, age, idle time,\n"
	    "memory (tot-mem), commands (tot-cmds, Redis 7.4+) and its last\n"
	    "command. Kill one with `mcpdb redis kill-client ID` (asks first).",
	.opts = cmd_rc_clients_opts,
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_rc_clients_exec,
};

static const struct cmd_entry cmd_rc_kill_entry = {
	.name = "redis kill-client", .args = "ID",
	.summary = "disconnect one Redis client (CLIENT KILL ID; asks first)",
	.help = "ID is the ID column of `mcpdb redis clients`. The question names\n"
	    "the client (address, name, user, idle time, last command); exit 1\n"
	    "when it had gone already.",
	.min_args = 1, .max_args = 1,
	.flags = CMD_NEEDS_TARGET | CMD_WRITES | CMD_DESTRUCTIVE,
	.exec = cmd_rc_kill_exec,
};

static const struct cmd_entry cmd_rc_slowlog_entry = {
	.name = "redis slowlog",
	.summary = "slow commands (SLOWLOG GET 32) and latency events (LATENCY LATEST)",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_rc_slowlog_exec,
};

static const struct cmd_entry cmd_rc_errors_entry = {
	.name = "redis errors",
	.summary = "errors by prefix and per-command calls, latency and failures",
	.help = "INFO errorstats (error counts by prefix: ERR, WRONGTYPE, OOM...)\n"
	    "and INFO commandstats (calls, usec, usec_per_call, rejected_calls,\n"
	    "failed_calls per command), since the last restart or CONFIG RESETSTAT.",
	.min_args = 0, .max_args = 0, .flags = CMD_NEEDS_TARGET,
	.exec = cmd_rc_errors_exec,
};

const struct cmd_entry *const cmd_rds_clients_entries[] = {
	&cmd_rc_clients_entry, &cmd_rc_kill_entry, &cmd_rc_slowlog_entry,
	&cmd_rc_errors_entry, NULL,
};
