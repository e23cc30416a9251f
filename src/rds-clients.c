/*
 * rds-clients.c - CLIENT LIST and INFO commandstats/errorstats parsing
 * (see rds-clients.h). Unknown fields are ignored, missing ones stay -1,
 * so newer and older servers parse alike.
 */
#include "config.h"

#include "rds-clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

/* Copy the value of field "key=" from line [s, e) into dst; false if absent. */
static bool
rds_clients_field(const char *s, const char *e, const char *key, char *dst,
    size_t size)
{
	size_t		 kl = strlen(key);
	const char	*p = s, *v, *ve;

	while (p < e) {
		if ((p == s || p[-1] == ' ') && (size_t)(e - p) > kl &&
		    memcmp(p, key, kl) == 0 && p[kl] == '=') {
			v = p + kl + 1;
			for (ve = v; ve < e && *ve != ' '; ve++)
				;
			snprintf(dst, size, "%.*s", (int)(ve - v), v);
			return (true);
		}
		p++;
	}
	return (false);
}

/* A number field, -1 when absent. */
static long long
rds_clients_num(const char *s, const char *e, const char *key)
{
	char	buf[32];

	if (!rds_clients_field(s, e, key, buf, sizeof(buf)))
		return (-1);
	return (strtoll(buf, NULL, 10));
}

size_t
rds_clients_parse(const char *text, size_t len, struct rds_client **out)
{
	const char		*p = text, *end = text + len, *e;
	struct rds_client	*v = NULL, *c;
	size_t			 n = 0, cap = 0;
	char			 id[32];

	while (p < end) {
		for (e = p; e < end && *e != '\n'; e++)
			;
		if (e > p && e[-1] == '\r')
			e--;
		if (rds_clients_field(p, e, "id", id, sizeof(id))) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			c = &v[n++];
			memset(c, 0, sizeof(*c));
			c->id = strtoll(id, NULL, 10);
			rds_clients_field(p, e, "addr", c->addr, sizeof(c->addr));
			rds_clients_field(p, e, "name", c->name, sizeof(c->name));
			rds_clients_field(p, e, "user", c->user, sizeof(c->user));
			rds_clients_field(p, e, "flags", c->flags,
			    sizeof(c->flags));
			rds_clients_field(p, e, "cmd", c->cmd, sizeof(c->cmd));
			c->age_s = rds_clients_num(p, e, "age");
			c->idle_s = rds_clients_num(p, e, "idle");
			c->db = rds_clients_num(p, e, "db");
			c->tot_mem = rds_clients_num(p, e, "tot-mem");
			c->tot_cmds = rds_clients_num(p, e, "tot-cmds");
		}
		p = e;
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
	}
	*out = v;
	return (n);
}

/* Descending by a, then ascending by id. */
static int
rds_clients_cmp3(long long a, long long b, long long ida, long long idb)
{
	if (a != b)
		return (a > b ? -1 : 1);
	return (ida < idb ? -1 : ida > idb);
}

static int
rds_clients_by_idle(const void *x, const void *y)
{
	const struct rds_client	*a = x, *b = y;

	return (rds_clients_cmp3(a->idle_s, b->idle_s, a->id, b->id));
}

static int
rds_clients_by_mem(const void *x, const void *y)
{
	const struct rds_client	*a = x, *b = y;

	return (rds_clients_cmp3(a->tot_mem, b->tot_mem, a->id, b->id));
}

static int
rds_clients_by_cmds(const void *x, const void *y)
{
	const struct rds_client	*a = x, *b = y;

	return (rds_clients_cmp3(a->tot_cmds, b->tot_cmds, a->id, b->id));
}

void
rds_clients_sort(struct rds_client *v, size_t n, enum rds_clients_sort k)
{
	if (n < 2)
		return;
	qsort(v, n, sizeof(*v), k == RCS_MEM ? rds_clients_by_mem :
	    k == RCS_CMDS ? rds_clients_by_cmds : rds_clients_by_idle);
}

int
rds_clients_sort_key(const char *s)
{
	if (strcmp(s, "idle") == 0)
		return (RCS_IDLE);
	if (strcmp(s, "mem") == 0)
		return (RCS_MEM);
	if (strcmp(s, "cmds") == 0)
		return (RCS_CMDS);
	return (-1);
}

/* The next "name:fields" line of an INFO section; false at the end. */
static bool
rds_clients_line(const char **p, const char *prefix, char *name, size_t nsize,
    const char **vs, const char **ve)
{
	const char	*s, *e, *c;
	size_t		 pl = strlen(prefix);

	while (**p != '\0') {
		s = *p;
		for (e = s; *e != '\0' && *e != '\n'; e++)
			;
		*p = *e ? e + 1 : e;
		if (e > s && e[-1] == '\r')
			e--;
		if ((size_t)(e - s) <= pl || strncmp(s, prefix, pl) != 0)
			continue;
		if ((c = memchr(s, ':', (size_t)(e - s))) == NULL)
			continue;
		snprintf(name, nsize, "%.*s", (int)(c - s - (long)pl), s + pl);
		*vs = c + 1;
		*ve = e;
		return (true);
	}
	return (false);
}

/* A number field of "k=v,k=v", -1 when absent. */
static double
rds_clients_kv(const char *s, const char *e, const char *key)
{
	size_t		 kl = strlen(key);
	const char	*p;

	for (p = s; p < e; p++)
		if ((p == s || p[-1] == ',') && (size_t)(e - p) > kl &&
		    memcmp(p, key, kl) == 0 && p[kl] == '=')
			return (strtod(p + kl + 1, NULL));
	return (-1);
}

size_t
rds_cmdstats_parse(const char *text, struct rds_cmdstat **out)
{
	struct rds_cmdstat	*v = NULL, *c;
	size_t			 n = 0, cap = 0;
	const char		*p = text, *vs, *ve;
	char			 name[64];

	while (rds_clients_line(&p, "cmdstat_", name, sizeof(name), &vs, &ve)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		c = &v[n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->calls = (long long)rds_clients_kv(vs, ve, "calls");
		c->usec = (long long)rds_clients_kv(vs, ve, "usec");
		c->usec_per_call = rds_clients_kv(vs, ve, "usec_per_call");
		c->rejected_calls = (long long)rds_clients_kv(vs, ve,
		    "rejected_calls");
		c->failed_calls = (long long)rds_clients_kv(vs, ve,
		    "failed_calls");
	}
	*out = v;
	return (n);
}

size_t
rds_errstats_parse(const char *text, struct rds_errstat **out)
{
	struct rds_errstat	*v = NULL, *c;
	size_t			 n = 0, cap = 0;
	const char		*p = text, *vs, *ve;
	char			 name[64];

	while (rds_clients_line(&p, "errorstat_", name, sizeof(name), &vs,
	    &ve)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		c = &v[n++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->count = (long long)rds_clients_kv(vs, ve, "count");
	}
	*out = v;
	return (n);
}
