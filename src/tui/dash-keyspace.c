/*
 * dash-keyspace.c - the Redis pane's keyspace view (k): what `mcpdb redis
 * keyspace` shows (rdskeys.c: INFO keyspace, then a SCAN sample of at most
 * 1,000 keys, stopped by Esc), and the server's MEMORY DOCTOR report,
 * every 10 s while open.
 */
#include "config.h"

#include <stdlib.h>

#include "rdskeys.h"
#include "xmem.h"
#include "dash-view.h"

/* Keys sampled a reading. */
#define DK_SAMPLES	1000

/* A reading: the sample and the doctor's words. */
struct dk_data {
	struct rdskeys	*keys;
	char		*memory, *latency;
};

static void
dash_keyspace_free(void *arg)
{
	struct dk_data	*d = arg;

	if (d == NULL)
		return;
	rdskeys_free(d->keys);
	free(d->memory);
	free(d->latency);
	free(d);
}

static void *
dash_keyspace_read(struct conn *c, volatile sig_atomic_t *stop, struct mc_err *err)
{
	struct dk_data	*d = xcalloc(1, sizeof(*d));
	struct rds	*r;

	if ((r = conn_rds(c, err)) == NULL ||
	    (d->keys = rdskeys_read(r, DK_SAMPLES, stop, err)) == NULL ||
	    rdskeys_doctor(r, &d->memory, &d->latency, err) == -1) {
		dash_keyspace_free(d);
		return (NULL);
	}
	return (d);
}

static const char *
dash_keyspace_fill(struct textview *tv, const void *cur, const void *prev)
{
	const struct dk_data	*d = cur;
	const struct rdskeys	*s = d->keys;
	struct table		*t;
	char			*sum;

	(void)prev;
	textview_add(tv, DR_TITLE, "Databases (INFO keyspace)");
	t = rdskeys_db_table(s);
	textview_add_table(tv, t, 24, "  ", DR_NORMAL);
	table_free(t);
	sum = rdskeys_summary(s);
	textview_addf(tv, DR_NORMAL, "Sample: %s", sum);
	free(sum);
	if (s->sampled > 0) {
		textview_add(tv, DR_NORMAL, "");
		textview_add(tv, DR_TITLE, "Memory by type (sampled keys)");
		t = rdskeys_type_table(s);
		textview_add_table(tv, t, 24, "  ", DR_NORMAL);
		table_free(t);
		textview_add(tv, DR_NORMAL, "");
		textview_add(tv, DR_TITLE, "Biggest keys");
		t = rdskeys_big_table(s, false);
		textview_add_table(tv, t, 48, "  ", DR_NORMAL);
		table_free(t);
		textview_add(tv, DR_NORMAL, "");
		if (!s->lfu)
			textview_addf(tv, DR_DIM, "Hot keys: need an LFU maxmemory-policy (now %s)",
			    s->info.maxmemory_policy[0] ? s->info.maxmemory_policy : "unknown");
		else {
			textview_add(tv, DR_TITLE, "Hottest keys (OBJECT FREQ)");
			t = rdskeys_big_table(s, true);
			textview_add_table(tv, t, 48, "  ", DR_NORMAL);
			table_free(t);
		}
	}
	textview_add(tv, DR_NORMAL, "");
	textview_add(tv, DR_TITLE, "MEMORY DOCTOR");
	textview_add(tv, DR_NORMAL, d->memory);
	textview_add(tv, DR_NORMAL, "");
	textview_add(tv, DR_TITLE, "LATENCY DOCTOR");
	textview_add(tv, DR_NORMAL, d->latency);
	return (s->complete ? "whole database" : "sampled");
}

const struct dash_view_ops dash_keyspace_ops = {
	.title = "Redis keyspace", .prefs_key = "keyspace", .refresh_ms = 10000,
	.read_conn = dash_keyspace_read, .fill = dash_keyspace_fill, .free = dash_keyspace_free,
};
