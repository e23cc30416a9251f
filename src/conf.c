/* conf.c - configuration: a JSON file, the environment and flags, merged. */
/*
 * Model: conf_load finds the file, checks its JSON syntax with a strict
 * RFC 8259 scanner of our own (cJSON's error pointer is often a token or
 * two late, and an operator needs the exact line and column), parses it with
 * cJSON, and converts it into plain structs while validating every member
 * against a table of known keys. The environment and flags are applied on
 * top, to the selected target only. The cJSON tree never outlives conf_load.
 *
 * Every message names where the bad value is (FILE:LINE:COL for syntax,
 * FILE: key.path for values, VAR: or --flag: for the environment and flags)
 * and what was expected; echoed values are redacted first.
 */
#include "config.h"

#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fsafe.h"
#include "jscan.h"
#include "rdsuri.h"
#include "redact.h"
#include "xmem.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* a bigger config file is a mistake */
#define CONF_ECHO_MAX	48		/* bytes of a bad value echoed back */
#define CONF_NAME_MAX	64		/* longest target name */

struct conf {
	char			*path;		/* file read, or NULL */
	const char		*path_source;	/* how path was found */
	struct conf_target	*targets;	/* file order */
	size_t			 ntargets;
	struct conf_target	*synth;		/* made-up "default", or NULL */
	struct conf_target	*sel;		/* in targets[], or synth */
	const char		*sel_source;	/* "flag", "env", "file", ... */
	char			*default_target; /* from the file, or NULL */
	enum log_level		 log_level;
	enum log_format		 log_format;
	char			*log_file;
	bool			 no_color;
};

/* What the validator carries while it walks the file. */
struct conf_vctx {
	const char	*file;		/* for messages */
	const char	*dir;		/* the file's directory */
	struct mc_err	*err;
	bool		 has_password;	/* a pg/redis value has one */
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

/* An environment variable, or NULL when unset or empty. */
static const char *
conf_env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/* Free a NULL-terminated string vector. */
static void
conf_strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Join a key path: ("targets.x", "pool") gives "targets.x.pool". */
static void
conf_path_join(char *out, size_t n, const char *parent, const char *key)
{
	int	len;

	if (parent == NULL || *parent == '\0')
		len = snprintf(out, n, "%s", key);
	else
		len = snprintf(out, n, "%s.%s", parent, key);
	/* an absurdly long key: mark the cut */
	if (len >= 0 && (size_t)len >= n && n > 4)
		memcpy(out + n - 4, "...", 4);
	/* a key may hold "\n" and the like: keep messages on one line */
	for (; *out != '\0'; out++)
		if ((unsigned char)*out < 0x20 || *out == 0x7f)
			*out = '?';
}

/* dir/p for a relative p when dir is known, else a copy of p. Caller frees. */
static char *
conf_resolve(const char *dir, const char *p)
{
	if (p[0] == '/' || dir == NULL)
		return (xstrdup(p));
	return (xasprintf("%s/%s", dir, p));
}

/* The directory part of path ("." when it has none). Caller frees. */
static char *
conf_dirname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (xstrdup("."));
	if (slash == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(slash - path)));
}

/* Edit distance between a and b (short strings), for "did you mean". */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, row[65], prev, tmp, best;

	if (la > 64 || lb > 64)
		return (SIZE_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return (row[lb]);
}

/* The known key closest to key, or NULL when none is plausibly meant. */
static const char *
conf_suggest(const char *key, const char *const *known)
{
	const char	*best = NULL;
	size_t		 bestd = SIZE_MAX, d, limit;

	limit = strlen(key) <= 4 ? 1 : 2;
	for (; *known != NULL; known++) {
		d = conf_distance(key, *known);
		if (d < bestd) {
			bestd = d;
			best = *known;
		}
	}
	return (bestd <= limit ? best : NULL);
}

/*
 * Hide secrets in a value before it is echoed: a value is one setting, not
 * free text, so after any "scheme://" everything up to the last '@' of the
 * whole value is user info and becomes "***" (a password may hold '/', a
 * blank or quotes), then redact_text hides conninfo "password=" and the
 * like, and the text after the first hidden secret is cut. Caller frees.
 */
static char *
conf_mask(const char *s)
{
	struct buf	 b;
	const char	*q, *at;
	char		*out, *cut;

	buf_init(&b);
	if ((q = strstr(s, "://")) != NULL &&
	    (at = strrchr(q + 3, '@')) != NULL) {
		buf_append(&b, s, (size_t)(q + 3 - s));
		buf_puts(&b, "***");
		buf_puts(&b, at);
	} else
		buf_puts(&b, s);
	out = redact_text(b.data);
	buf_done(&b);
	/*
	 * A refused value has no structure to say where a secret ends ("a b"
	 * unquoted): show nothing after the first one.
	 */
	if ((q = strstr(out, "***")) != NULL && q[3] != '\0' &&
	    redact_has_secret(s)) {
		/* rebuilt: "..." may not fit where the rest of out was */
		cut = xasprintf("%.*s...", (int)(q + 3 - out), out);
		free(out);
		out = cut;
	}
	return (out);
}

/* Append s (already redacted) quoted JSON-ish, cut to CONF_ECHO_MAX bytes. */
static void
conf_echo_raw(struct buf *b, const char *s)
{
	const char	*p;
	size_t		 n = 0;

	buf_putc(b, '"');
	for (p = s; *p != '\0'; p++, n++) {
		if (n >= CONF_ECHO_MAX && ((unsigned char)*p & 0xC0) != 0x80) {
			buf_puts(b, "...");
			break;
		}
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", (unsigned)(unsigned char)*p);
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

/* Append s to b redacted (conf_mask) and quoted (conf_echo_raw). */
static void
conf_echo_str(struct buf *b, const char *s)
{
	char	*m = conf_mask(s);

	conf_echo_raw(b, m);
	free(m);
}

/* Describe a JSON value for "got ...": "ten", 10.5, true, null, an object. */
static void
conf_echo(struct buf *b, const cJSON *j)
{
	double	d;

	if (cJSON_IsString(j))
		conf_echo_str(b, j->valuestring);
	else if (cJSON_IsNumber(j)) {
		d = j->valuedouble;
		if (d == floor(d) && fabs(d) < 1e15)
			buf_printf(b, "%.0f", d);
		else
			buf_printf(b, "%g", d);
	} else if (cJSON_IsTrue(j))
		buf_puts(b, "true");
	else if (cJSON_IsFalse(j))
		buf_puts(b, "false");
	else if (cJSON_IsNull(j))
		buf_puts(b, "null");
	else if (cJSON_IsArray(j))
		buf_puts(b, "an array");
	else if (cJSON_IsObject(j))
		buf_puts(b, "an object");
	else
		buf_puts(b, "an invalid value");
}

/* Set err to "[FILE: ]PATH: MSG". Always returns -1. */
static int __attribute__((format(printf, 3, 4)))
conf_fail(struct conf_vctx *v, const char *path, const char *fmt, ...)
{
	struct buf	b;
	va_list		ap;

	buf_init(&b);
	if (v->file != NULL)
		buf_printf(&b, "%s: ", v->file);
	if (path != NULL && *path != '\0')
		buf_printf(&b, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mc_err_set(v->err, MC_E_CONFIG, "%s", b.data);
	buf_done(&b);
	return (-1);
}

/* Set err to "[FILE: ]PATH: expected WHAT, got VALUE". Returns -1. */
static int
conf_fail_got(struct conf_vctx *v, const char *path, const char *what,
    const cJSON *j)
{
	struct buf	b;

	buf_init(&b);
	conf_echo(&b, j);
	conf_fail(v, path, "expected %s, got %s", what, b.data);
	buf_done(&b);
	return (-1);
}

/* ------------------------------------------------------------------ */
/* Host and port lists (Redis URIs themselves: rdsuri.c)                */
/* ------------------------------------------------------------------ */

/* Parse decimal digits s[0..n) into [min, max]; -1 when not. */
static int
conf_parse_uint(const char *s, size_t n, long min, long max, long *out)
{
	long	v = 0;
	size_t	i;

	if (n == 0 || n > 10)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/*
 * Parse "host[:port]" or "[v6addr][:port]" of s[0..n); needs_port demands
 * the port. Sets *host (caller frees) and *port. Returns a static reason on
 * failure (nothing of s is quoted), NULL on success.
 */
static const char *
conf_parse_hostport(const char *s, size_t n, bool needs_port, char **host,
    int *port)
{
	const char	*h, *rest, *e = s + n, *p;
	size_t		 hl;
	long		 v;

	if (n > 0 && s[0] == '[') {
		p = memchr(s, ']', n);
		if (p == NULL)
			return ("unclosed '[' in the host");
		h = s + 1;
		hl = (size_t)(p - h);
		rest = p + 1;
		for (p = h; p < h + hl; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return ("invalid IPv6 address");
	} else {
		for (p = s; p < e && *p != ':'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				return ("invalid character in the host name");
		h = s;
		hl = (size_t)(p - s);
		rest = p;
	}
	if (hl == 0)
		return ("missing host");
	if (rest < e) {
		if (*rest != ':')
			return ("unexpected text after the host");
		if (conf_parse_uint(rest + 1, (size_t)(e - rest - 1), 1, 65535,
			&v) == -1)
			return ("the port must be a number 1..65535");
		*port = (int)v;
	} else if (needs_port)
		return ("missing port");
	*host = xstrndup(h, hl);
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Defaults and targets                                                 */
/* ------------------------------------------------------------------ */

void
conf_target_defaults(struct conf_target *t)
{
	t->pool.min = 1;
	t->pool.max = 10;
	t->pool.acquire_timeout_ms = 5000;
	t->pool.idle_timeout_ms = 600000;
	t->pool.max_lifetime_ms = 1800000;
	t->pool.validate_after_idle_ms = 1000;
	t->pool.leak_threshold_ms = 60000;
	t->pool.statement_timeout_ms = 0;
	t->pool.connect_timeout_s = 5;
	t->pool.keepalives_idle_s = 30;
	t->pool.keepalives_interval_s = 10;
	t->pool.keepalives_count = 3;
	t->pool.backoff_base_ms = 100;
	t->pool.backoff_cap_ms = 10000;
	t->pool.breaker_threshold = 3;
	t->pool.breaker_open_ms = 2000;	/* cap of the probe schedule */

	t->redis_opts.connect_timeout_ms = 2000;
	t->redis_opts.command_timeout_ms = 2000;
	t->redis_opts.keepalive = 1;
	t->redis_opts.backoff_base_ms = 100;
	t->redis_opts.backoff_cap_ms = 5000;
	t->redis_opts.breaker_threshold = 3;
	t->redis_opts.breaker_open_ms = 2000;	/* probe schedule cap */
	t->redis_opts.min_connections = 0;
	t->redis_opts.max_connections = 4;
	t->redis_opts.acquire_timeout_ms = 0;
	t->redis_opts.sentinels = NULL;
	t->redis_opts.nsentinels = 0;
	t->redis_opts.sentinel_master = NULL;

	t->migrate.lock_timeout_ms = 10000;
	t->migrate.ddl_lock_timeout_ms = 5000;
	t->migrate.statement_timeout_ms = 0;
	t->replication.max_lag_bytes = 64 * 1024 * 1024;
	t->replication.max_lag_s = 60;
}

/* Start a target called name with defaults everywhere. */
static void
conf_target_init(struct conf_target *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	conf_target_defaults(t);
	t->name = xstrdup(name);
	t->pg = xstrdup("");
	t->pg_source = "default";
	t->redis_source = "default";
}

/* Free what a target owns (not the struct). */
static void
conf_target_done(struct conf_target *t)
{
	free(t->name);
	free(t->pg);
	free(t->pg_read);
	free(t->redis);
	free(t->migrations_dir);
	free(t->seeds_dir);
	conf_strv_free(t->redis_opts.sentinels);
	free(t->redis_opts.sentinel_master);
	conf_strv_free(t->migrate.ph_names);
	conf_strv_free(t->migrate.ph_values);
	memset(t, 0, sizeof(*t));
}

/* A target name is 1..64 of [A-Za-z0-9._-]. */
static bool
conf_name_ok(const char *name)
{
	size_t	i;

	if (*name == '\0' || strlen(name) > CONF_NAME_MAX)
		return (false);
	for (i = 0; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return (false);
	return (true);
}

/* ------------------------------------------------------------------ */
/* Validation of values                                                 */
/* ------------------------------------------------------------------ */

/* An integer key and its range; off is the int's offset in its struct. */
struct conf_ikey {
	const char	*name;
	int		 min;
	int		 max;
	size_t		 off;
};

#define POOL(f, lo, hi)	{ #f, lo, hi, offsetof(struct conf_pool, f) }
#define RDS(f, lo, hi)	{ #f, lo, hi, offsetof(struct conf_redis, f) }
#define MIG(f, lo, hi)	{ #f, lo, hi, offsetof(struct conf_migrate, f) }
#define REPL(f, lo, hi)	{ #f, lo, hi, offsetof(struct conf_replication, f) }

static const struct conf_ikey conf_pool_keys[] = {
	POOL(min, 0, 1000),
	POOL(max, 1, 1000),
	POOL(acquire_timeout_ms, 0, INT_MAX),
	POOL(idle_timeout_ms, 0, INT_MAX),
	POOL(max_lifetime_ms, 0, INT_MAX),
	POOL(validate_after_idle_ms, 0, INT_MAX),
	POOL(leak_threshold_ms, 0, INT_MAX),
	POOL(statement_timeout_ms, 0, INT_MAX),
	POOL(connect_timeout_s, 0, 86400),
	POOL(keepalives_idle_s, 1, 32767),	/* Linux TCP_KEEPIDLE range */
	POOL(keepalives_interval_s, 1, 32767),
	POOL(keepalives_count, 1, 127),		/* Linux TCP_KEEPCNT range */
	POOL(backoff_base_ms, 1, INT_MAX),	/* 0 would spin */
	POOL(backoff_cap_ms, 1, INT_MAX),
	POOL(breaker_threshold, 1, 1000),
	POOL(breaker_open_ms, 0, INT_MAX),
	{ NULL, 0, 0, 0 }
};

static const struct conf_ikey conf_redis_keys[] = {
	RDS(connect_timeout_ms, 1, INT_MAX),	/* 0: hiredis times out */
	RDS(command_timeout_ms, 0, INT_MAX),	/* 0 = no timeout */
	RDS(backoff_base_ms, 1, INT_MAX),
	RDS(backoff_cap_ms, 1, INT_MAX),
	RDS(breaker_threshold, 1, 1000),
	RDS(breaker_open_ms, 0, INT_MAX),
	RDS(min_connections, 0, 256),
	RDS(max_connections, 1, 256),
	RDS(acquire_timeout_ms, 0, INT_MAX),
	{ NULL, 0, 0, 0 }
};

static const struct conf_ikey conf_migrate_keys[] = {
	MIG(lock_timeout_ms, 0, INT_MAX),
	MIG(ddl_lock_timeout_ms, 0, INT_MAX),
	MIG(statement_timeout_ms, 0, INT_MAX),
	{ NULL, 0, 0, 0 }
};

static const struct conf_ikey conf_replication_keys[] = {
	REPL(max_lag_bytes, 0, INT_MAX),
	REPL(max_lag_s, 0, 86400 * 7),
	{ NULL, 0, 0, 0 }
};

static const char *const conf_top_names[] = {
	"default_target", "log", "targets", NULL
};
static const char *const conf_log_names[] = { "level", "format", "file", NULL };
static const char *const conf_target_names[] = {
	"pg", "pg_read", "redis", "protected", "read_only", "migrations_dir",
	"seeds_dir", "pool", "redis_options", "migrate", "replication", NULL
};

/* The names of an ikey table plus extra names, in a static-sized array. */
static void
conf_ikey_names(const struct conf_ikey *keys, const char *const *extra,
    const char **out, size_t n)
{
	size_t	i = 0;

	for (; keys->name != NULL && i + 1 < n; keys++)
		out[i++] = keys->name;
	for (; extra != NULL && *extra != NULL && i + 1 < n; extra++)
		out[i++] = *extra;
	out[i] = NULL;
}

/*
 * Check that obj is an object whose member names are all in known and
 * unique; the first offender (in file order) is the error.
 */
static int
conf_check_members(struct conf_vctx *v, const char *path, const cJSON *obj,
    const char *const *known)
{
	const cJSON	*m, *o;
	const char	*const *k, *hint;
	char		 sub[256];
	struct buf	 b;

	if (!cJSON_IsObject(obj))
		return (conf_fail_got(v, path, "an object", obj));
	for (m = obj->child; m != NULL; m = m->next) {
		conf_path_join(sub, sizeof(sub), path, m->string);
		for (o = obj->child; o != m; o = o->next)
			if (strcmp(o->string, m->string) == 0)
				return (conf_fail(v, sub, "duplicate key"));
		if (known == NULL)
			continue;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, m->string) == 0)
				break;
		if (*k != NULL)
			continue;
		if ((hint = conf_suggest(m->string, known)) != NULL)
			return (conf_fail(v, sub,
			    "unknown key (did you mean \"%s\"?)", hint));
		buf_init(&b);
		for (k = known; *k != NULL; k++)
			buf_printf(&b, "%s%s", k == known ? "" : ", ", *k);
		conf_fail(v, sub, "unknown key (known keys: %s)", b.data);
		buf_done(&b);
		return (-1);
	}
	return (0);
}

/* An integer in [min, max]. */
static int
conf_get_int(struct conf_vctx *v, const char *path, const cJSON *j, int min,
    int max, int *out)
{
	char	what[64];
	double	d;

	if (max == INT_MAX)
		snprintf(what, sizeof(what), "an integer >= %d", min);
	else
		snprintf(what, sizeof(what), "an integer %d..%d", min, max);
	if (!cJSON_IsNumber(j))
		return (conf_fail_got(v, path, what, j));
	d = j->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < min || d > max)
		return (conf_fail_got(v, path, what, j));
	*out = (int)d;
	return (0);
}

/* A JSON boolean. */
static int
conf_get_bool(struct conf_vctx *v, const char *path, const cJSON *j, bool *out)
{
	if (!cJSON_IsBool(j))
		return (conf_fail_got(v, path, "true or false", j));
	*out = cJSON_IsTrue(j);
	return (0);
}

/* A string, non-empty unless empty_ok, into *out (old value freed). */
static int
conf_get_str(struct conf_vctx *v, const char *path, const cJSON *j,
    bool empty_ok, char **out)
{
	if (!cJSON_IsString(j) || (!empty_ok && *j->valuestring == '\0'))
		return (conf_fail_got(v, path, empty_ok ? "a string" :
		    "a non-empty string", j));
	free(*out);
	*out = xstrdup(j->valuestring);
	return (0);
}

/* Fill the int fields of base from the members of obj named in keys. */
static int
conf_get_ints(struct conf_vctx *v, const char *path, const cJSON *obj,
    const struct conf_ikey *keys, void *base)
{
	const struct conf_ikey	*k;
	const cJSON		*m;
	char			 sub[256];

	for (m = obj->child; m != NULL; m = m->next)
		for (k = keys; k->name != NULL; k++) {
			if (strcmp(k->name, m->string) != 0)
				continue;
			conf_path_join(sub, sizeof(sub), path, m->string);
			if (conf_get_int(v, sub, m, k->min, k->max,
			    (int *)((char *)base + k->off)) == -1)
				return (-1);
		}
	return (0);
}

/* Reject a > b for two named settings of one object. */
static int
conf_check_order(struct conf_vctx *v, const char *path, const char *an, int a,
    const char *bn, int b)
{
	if (a > b)
		return (conf_fail(v, path, "%s (%d) is greater than %s (%d)",
		    an, a, bn, b));
	return (0);
}

/* libpq's port: a comma-separated list (one per host) of 1..65535 or empty. */
static int
conf_check_ports(struct conf_vctx *v, const char *path, const char *ports)
{
	const char	*p = ports, *e;
	long		 n;
	struct buf	 b;

	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p &&
		    conf_parse_uint(p, (size_t)(e - p), 1, 65535, &n) == -1) {
			buf_init(&b);
			conf_echo_str(&b, ports);
			conf_fail(v, path,
			    "expected a port 1..65535 in the connection "
			    "string, got port %s",
			    b.data);
			buf_done(&b);
			return (-1);
		}
		if (*e == '\0')
			return (0);
		p = e + 1;
	}
}

/*
 * Validate a PostgreSQL conninfo or URI with libpq's own parser; note a
 * password. Errors quote the value redacted, and quote libpq's reason only
 * when the value holds no secret (libpq may echo part of it).
 */
static int
conf_check_pg(struct conf_vctx *v, const char *path, const char *s)
{
	PQconninfoOption	*opts, *o;
	char			*why = NULL, *p;
	struct buf		 b;
	bool			 secret;

	if ((opts = PQconninfoParse(s, &why)) != NULL) {
		for (o = opts; o->keyword != NULL; o++) {
			if (o->val == NULL || *o->val == '\0')
				continue;
			if (strcmp(o->keyword, "password") == 0)
				v->has_password = true;
			else if (strcmp(o->keyword, "port") == 0 &&
			    conf_check_ports(v, path, o->val) == -1) {
				PQconninfoFree(opts);
				return (-1);
			}
		}
		PQconninfoFree(opts);
		return (0);
	}
	secret = redact_has_secret(s) || (strstr(s, "://") != NULL &&
	    strchr(s, '@') != NULL);
	buf_init(&b);
	if (why != NULL && !secret) {
		for (p = why + strlen(why);
		     p > why && isspace((unsigned char)p[-1]); p--)
			p[-1] = '\0';
		buf_printf(&b, " (%s)", why);
	}
	if (why != NULL)
		PQfreemem(why);
	buf_puts(&b, ", got ");
	conf_echo_str(&b, s);
	conf_fail(v, path, "expected a libpq connection string or "
	    "postgresql:// URI%s", b.data);
	buf_done(&b);
	return (-1);
}

/* Validate a redis+cluster:// seed list (rds-cluster.c parses it); note a password. */
static int
conf_check_redis_cluster(struct conf_vctx *v, const char *path, const char *s)
{
	struct rdsuri_cluster	 u;
	struct mc_err		 e = { 0 };

	if (rdsuri_cluster_parse(s, &u, &e) == -1) {
		conf_fail(v, path, "invalid Redis Cluster URI (%s): expected "
		    "redis+cluster://[user:password@]host:port[,host:port...]",
		    e.msg);
		return (-1);
	}
	if (strchr(s, '@') != NULL)
		v->has_password = true;
	rdsuri_cluster_done(&u);
	return (0);
}


/*
 * Validate a Redis URI or socket path with the client's own parser; note a
 * password. The value is echoed only through rdsuri_echo (everything that
 * could be user info or a query secret hidden), since a refused value has no
 * parsed structure to redact from.
 */
static int
conf_check_redis(struct conf_vctx *v, const char *path, const char *s)
{
	struct rdsuri	 u;
	struct mc_err	 e = { 0 };
	struct buf	 b;
	char		*echo;
	const char	*form = NULL;

	if (rdsuri_cluster_is(s))
		return (conf_check_redis_cluster(v, path, s));
	if (rdsuri_parse(s, &u, &e) == 0) {
		if (u.password != NULL)
			v->has_password = true;
		rdsuri_done(&u);
		return (0);
	}
	echo = rdsuri_echo(s);
	buf_init(&b);
	conf_echo_raw(&b, echo);
	free(echo);
	if (strncasecmp(s, "unix://", 7) == 0)
		form = "unix://[user:password@]/path/to/redis.sock[?db=N]";
	else if (strncasecmp(s, "redis://", 8) == 0)
		form = "redis://[user:password@]host[:port][/db]";
	else if (strncasecmp(s, "rediss://", 9) == 0)
		form = "rediss://[user:password@]host[:port][/db]";
	if (form != NULL)
		conf_fail(v, path, "invalid Redis URI: %s; expected %s, got %s",
		    e.msg, form, b.data);
	else	/* the scheme or the kind of value is wrong */
		conf_fail(v, path, "%s, got %s", e.msg, b.data);
	buf_done(&b);
	return (-1);
}

/* The "sentinels" array: each element "host:port". */
static int
conf_get_sentinels(struct conf_vctx *v, const char *path, const cJSON *j,
    struct conf_redis *r)
{
	const cJSON	*e;
	char		 sub[280], *host;
	const char	*why;
	size_t		 n, i = 0;
	int		 port;

	if (!cJSON_IsArray(j) || (n = (size_t)cJSON_GetArraySize(j)) == 0)
		return (conf_fail_got(v, path,
		    "a non-empty array of \"host:port\" strings", j));
	conf_strv_free(r->sentinels);
	r->sentinels = xcalloc(n + 1, sizeof(char *));
	r->nsentinels = 0;
	cJSON_ArrayForEach(e, j) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i++);
		if (!cJSON_IsString(e))
			return (conf_fail_got(v, sub, "a \"host:port\" string",
			    e));
		host = NULL;
		why = conf_parse_hostport(e->valuestring,
		    strlen(e->valuestring), true, &host, &port);
		free(host);
		if (why != NULL) {
			struct buf	b;

			buf_init(&b);
			conf_echo_str(&b, e->valuestring);
			conf_fail(v, sub, "expected \"host:port\" (%s), got %s",
			    why, b.data);
			buf_done(&b);
			return (-1);
		}
		r->sentinels[r->nsentinels++] = xstrdup(e->valuestring);
	}
	return (0);
}

/* The "pool" object. */
static int
conf_parse_pool(struct conf_vctx *v, const char *path, const cJSON *j,
    struct conf_pool *p)
{
	const char	*names[32];

	conf_ikey_names(conf_pool_keys, NULL, names, 32);
	if (conf_check_members(v, path, j, names) == -1 ||
	    conf_get_ints(v, path, j, conf_pool_keys, p) == -1)
		return (-1);
	if (conf_check_order(v, path, "min", p->min, "max", p->max) == -1 ||
	    conf_check_order(v, path, "backoff_base_ms", p->backoff_base_ms,
	    "backoff_cap_ms", p->backoff_cap_ms) == -1)
		return (-1);
	return (0);
}

/* One of the fixed-size strings of "redis_options" (tls_*, sentinel_username/password). */
static int
conf_get_fixed_str(struct conf_vctx *v, const char *path, const cJSON *m,
    struct conf_redis *r)
{
	char	*val = NULL, *dst;
	size_t	 cap;

	if (strcmp(m->string, "tls_ca_file") == 0) {
		dst = r->tls_ca_file;
		cap = sizeof(r->tls_ca_file);
	} else if (strcmp(m->string, "tls_cert_file") == 0) {
		dst = r->tls_cert_file;
		cap = sizeof(r->tls_cert_file);
	} else if (strcmp(m->string, "tls_key_file") == 0) {
		dst = r->tls_key_file;
		cap = sizeof(r->tls_key_file);
	} else if (strcmp(m->string, "sentinel_username") == 0) {
		dst = r->sentinel_username;
		cap = sizeof(r->sentinel_username);
	} else if (strcmp(m->string, "sentinel_password") == 0) {
		dst = r->sentinel_password;
		cap = sizeof(r->sentinel_password);
		v->has_password = true;
	} else {
		dst = r->tls_server_name;
		cap = sizeof(r->tls_server_name);
	}
	if (conf_get_str(v, path, m, false, &val) == -1)
		return (-1);
	if (strlen(val) >= cap) {
		free(val);
		return (conf_fail(v, path, "too long (at most %zu bytes)",
		    cap - 1));
	}
	memcpy(dst, val, strlen(val) + 1);
	free(val);
	return (0);
}

/* The "redis_options" object. */
static int
conf_parse_redis_opts(struct conf_vctx *v, const char *path, const cJSON *j,
    struct conf_redis *r)
{
	static const char *const extra[] = { "keepalive", "sentinels",
	    "sentinel_master", "sentinel_username", "sentinel_password",
	    "tls_ca_file", "tls_cert_file", "tls_key_file",
	    "tls_server_name", "tls_insecure", NULL };
	const char	*names[32];
	const cJSON	*m;
	char		 sub[256];
	bool		 b;

	conf_ikey_names(conf_redis_keys, extra, names, 32);
	if (conf_check_members(v, path, j, names) == -1 ||
	    conf_get_ints(v, path, j, conf_redis_keys, r) == -1)
		return (-1);
	for (m = j->child; m != NULL; m = m->next) {
		conf_path_join(sub, sizeof(sub), path, m->string);
		if (strcmp(m->string, "keepalive") == 0) {
			if (conf_get_bool(v, sub, m, &b) == -1)
				return (-1);
			r->keepalive = b;
		} else if (strcmp(m->string, "sentinels") == 0) {
			if (conf_get_sentinels(v, sub, m, r) == -1)
				return (-1);
		} else if (strcmp(m->string, "sentinel_master") == 0) {
			if (conf_get_str(v, sub, m, false,
				&r->sentinel_master) == -1)
				return (-1);
		} else if (strcmp(m->string, "tls_insecure") == 0) {
			if (conf_get_bool(v, sub, m, &b) == -1)
				return (-1);
			r->tls_insecure = b;
		} else if (strncmp(m->string, "tls_", 4) == 0 ||
		    strcmp(m->string, "sentinel_username") == 0 ||
		    strcmp(m->string, "sentinel_password") == 0) {
			if (conf_get_fixed_str(v, sub, m, r) == -1)
				return (-1);
		}
	}
	if (conf_check_order(v, path, "min_connections", r->min_connections,
	    "max_connections", r->max_connections) == -1)
		return (-1);
	if ((r->tls_cert_file[0] == '\0') != (r->tls_key_file[0] == '\0'))
		return (conf_fail(v, path, "\"tls_cert_file\" and "
		    "\"tls_key_file\" go together (a client certificate "
		    "needs its key)"));
	if (r->sentinels != NULL && r->sentinel_master == NULL)
		return (conf_fail(v, path,
		    "\"sentinels\" needs \"sentinel_master\" "
		    "(the master name the sentinels know)"));
	if (r->sentinels == NULL && (r->sentinel_username[0] || r->sentinel_password[0]))
		return (conf_fail(v, path,
		    "\"sentinel_username\"/\"sentinel_password\" need \"sentinels\" "
		    "(they authenticate to the Sentinels; the data nodes' user is in the "
		    "redis URI)"));
	if (r->sentinel_username[0] && !r->sentinel_password[0])
		return (conf_fail(v, path,
		    "\"sentinel_username\" needs \"sentinel_password\""));
	if (r->sentinels == NULL && r->sentinel_master != NULL)
		return (conf_fail(v, path,
		    "\"sentinel_master\" needs \"sentinels\" "
		    "(a list of \"host:port\")"));
	return (conf_check_order(v, path, "backoff_base_ms", r->backoff_base_ms,
	    "backoff_cap_ms", r->backoff_cap_ms));
}

/*
 * The "placeholders" object of "migrate": names like SQL identifiers
 * ([A-Za-z_][A-Za-z0-9_]*, at most 63 bytes), values one-line strings.
 */
static int
conf_get_placeholders(struct conf_vctx *v, const char *path, const cJSON *j,
    struct conf_migrate *mg)
{
	const cJSON	*m;
	const char	*p;
	char		 sub[256];
	size_t		 n = 0, i;

	if (conf_check_members(v, path, j, NULL) == -1)
		return (-1);
	for (m = j->child; m != NULL; m = m->next)
		n++;
	conf_strv_free(mg->ph_names);
	conf_strv_free(mg->ph_values);
	mg->ph_names = xcalloc(n + 1, sizeof(char *));
	mg->ph_values = xcalloc(n + 1, sizeof(char *));
	mg->nph = 0;
	for (m = j->child, i = 0; m != NULL; m = m->next, i++) {
		conf_path_join(sub, sizeof(sub), path, m->string);
		p = m->string;
		if (!(isalpha((unsigned char)*p) || *p == '_') ||
		    strlen(p) > 63)
			return (conf_fail(v, sub, "bad placeholder name (letters, "
			    "digits and _, not starting with a digit, at most 63)"));
		for (; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return (conf_fail(v, sub, "bad placeholder name "
				    "(letters, digits and _, not starting with a "
				    "digit, at most 63)"));
		if (!cJSON_IsString(m))
			return (conf_fail_got(v, sub, "a string", m));
		for (p = m->valuestring; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return (conf_fail(v, sub, "a placeholder value is "
				    "one line without control characters"));
		mg->ph_names[i] = xstrdup(m->string);
		mg->ph_values[i] = xstrdup(m->valuestring);
		mg->nph++;
	}
	return (0);
}

/* The "migrate" object. */
static int
conf_parse_migrate(struct conf_vctx *v, const char *path, const cJSON *j,
    struct conf_migrate *mg)
{
	static const char *const extra[] = { "placeholders", NULL };
	const char	*names[8];
	const cJSON	*m;
	char		 sub[256];

	conf_ikey_names(conf_migrate_keys, extra, names, 8);
	if (conf_check_members(v, path, j, names) == -1 ||
	    conf_get_ints(v, path, j, conf_migrate_keys, mg) == -1)
		return (-1);
	for (m = j->child; m != NULL; m = m->next)
		if (strcmp(m->string, "placeholders") == 0) {
			conf_path_join(sub, sizeof(sub), path, m->string);
			if (conf_get_placeholders(v, sub, m, mg) == -1)
				return (-1);
		}
	return (0);
}

/* The "replication" object: health's lag thresholds. */
static int
conf_parse_replication(struct conf_vctx *v, const char *path, const cJSON *j,
    struct conf_replication *r)
{
	const char	*names[8];

	conf_ikey_names(conf_replication_keys, NULL, names, 8);
	if (conf_check_members(v, path, j, names) == -1)
		return (-1);
	return (conf_get_ints(v, path, j, conf_replication_keys, r));
}

/* One member of "targets": name -> object. t is initialised by the caller. */
static int
conf_parse_target(struct conf_vctx *v, const cJSON *j, struct conf_target *t)
{
	const cJSON	*m;
	char		 path[128], sub[256], *s;

	snprintf(path, sizeof(path), "targets.%s", t->name);
	if (conf_check_members(v, path, j, conf_target_names) == -1)
		return (-1);
	for (m = j->child; m != NULL; m = m->next) {
		conf_path_join(sub, sizeof(sub), path, m->string);
		if (strcmp(m->string, "pg") == 0) {
			if (conf_get_str(v, sub, m, true, &t->pg) == -1 ||
			    conf_check_pg(v, sub, t->pg) == -1)
				return (-1);
			t->pg_source = "file";
		} else if (strcmp(m->string, "pg_read") == 0) {
			if (conf_get_str(v, sub, m, false, &t->pg_read) == -1 ||
			    conf_check_pg(v, sub, t->pg_read) == -1)
				return (-1);
		} else if (strcmp(m->string, "redis") == 0) {
			if (conf_get_str(v, sub, m, false, &t->redis) == -1 ||
			    conf_check_redis(v, sub, t->redis) == -1)
				return (-1);
			t->redis_source = "file";
		} else if (strcmp(m->string, "protected") == 0) {
			if (conf_get_bool(v, sub, m, &t->protected_) == -1)
				return (-1);
		} else if (strcmp(m->string, "read_only") == 0) {
			if (conf_get_bool(v, sub, m, &t->read_only) == -1)
				return (-1);
		} else if (strcmp(m->string, "migrations_dir") == 0 ||
		    strcmp(m->string, "seeds_dir") == 0) {
			s = NULL;
			if (conf_get_str(v, sub, m, false, &s) == -1)
				return (-1);
			if (m->string[0] == 'm') {
				free(t->migrations_dir);
				t->migrations_dir = conf_resolve(v->dir, s);
			} else {
				free(t->seeds_dir);
				t->seeds_dir = conf_resolve(v->dir, s);
			}
			free(s);
		} else if (strcmp(m->string, "pool") == 0) {
			if (conf_parse_pool(v, sub, m, &t->pool) == -1)
				return (-1);
		} else if (strcmp(m->string, "redis_options") == 0) {
			if (conf_parse_redis_opts(v, sub, m, &t->redis_opts) ==
			    -1)
				return (-1);
		} else if (strcmp(m->string, "migrate") == 0) {
			if (conf_parse_migrate(v, sub, m, &t->migrate) == -1)
				return (-1);
		} else if (strcmp(m->string, "replication") == 0) {
			if (conf_parse_replication(v, sub, m,
			    &t->replication) == -1)
				return (-1);
		}
	}
	return (0);
}

/* The "targets" object: appends to c->targets in file order. */
static int
conf_parse_targets(struct conf_vctx *v, const cJSON *j, struct conf *c)
{
	const cJSON	*m;
	size_t		 n;
	struct buf	 b;

	if (conf_check_members(v, "targets", j, NULL) == -1)
		return (-1);
	n = (size_t)cJSON_GetArraySize(j);
	c->targets = xcalloc(n ? n : 1, sizeof(*c->targets));
	for (m = j->child; m != NULL; m = m->next) {
		if (*m->string == '\0')
			return (conf_fail(v, "targets",
			    "a target name must not be empty"));
		if (!conf_name_ok(m->string)) {
			buf_init(&b);
			conf_echo_str(&b, m->string);
			conf_fail(v, "targets",
			    "invalid target name %s (use up to %d "
			    "letters, digits, '.', '_' or '-')",
			    b.data, CONF_NAME_MAX);
			buf_done(&b);
			return (-1);
		}
		conf_target_init(&c->targets[c->ntargets], m->string);
		c->ntargets++;
		if (conf_parse_target(v, m, &c->targets[c->ntargets - 1]) == -1)
			return (-1);
	}
	return (0);
}

/* Parse a log level name; msg names where it came from. */
static int
conf_level(struct conf_vctx *v, const char *where, const char *s,
    enum log_level *out)
{
	struct buf	b;

	if (log_level_parse(s, out, NULL) == 0)
		return (0);
	buf_init(&b);
	conf_echo_str(&b, s);
	conf_fail(v, where,
	    "expected one of trace, debug, info, warn, error, off, "
	    "got %s",
	    b.data);
	buf_done(&b);
	return (-1);
}

/* Parse a log format name. */
static int
conf_format(struct conf_vctx *v, const char *where, const char *s,
    enum log_format *out)
{
	struct buf	b;

	if (log_format_parse(s, out, NULL) == 0)
		return (0);
	buf_init(&b);
	conf_echo_str(&b, s);
	conf_fail(v, where, "expected text or json, got %s", b.data);
	buf_done(&b);
	return (-1);
}

/* The "log" object. */
static int
conf_parse_log(struct conf_vctx *v, const cJSON *j, struct conf *c)
{
	const cJSON	*m;
	char		 sub[64], *s = NULL;

	if (conf_check_members(v, "log", j, conf_log_names) == -1)
		return (-1);
	for (m = j->child; m != NULL; m = m->next) {
		conf_path_join(sub, sizeof(sub), "log", m->string);
		if (!cJSON_IsString(m))
			return (conf_fail_got(v, sub,
			    strcmp(m->string, "file") == 0 ? "a file name"
				: strcmp(m->string, "level") == 0
				? "one of trace, debug, info, warn, error, off"
				: "text or json",
			    m));
		if (strcmp(m->string, "level") == 0) {
			if (conf_level(v, sub, m->valuestring, &c->log_level) ==
			    -1)
				return (-1);
		} else if (strcmp(m->string, "format") == 0) {
			if (conf_format(v, sub, m->valuestring,
				&c->log_format) == -1)
				return (-1);
		} else {
			if (conf_get_str(v, sub, m, false, &s) == -1)
				return (-1);
			free(c->log_file);
			c->log_file = conf_resolve(v->dir, s);
			free(s);
		}
	}
	return (0);
}

/* The list of known target names for an "unknown target" message. */
static void
conf_known_names(const struct conf *c, struct buf *b)
{
	size_t	i;

	if (c->ntargets == 0) {
		if (c->path != NULL)
			buf_printf(b, "%s defines no targets", c->path);
		else
			buf_puts(b,
			    "no config file was found, so no targets are "
			    "defined");
		return;
	}
	buf_puts(b, "known targets: ");
	for (i = 0; i < c->ntargets; i++)
		buf_printf(b, "%s%s", i ? ", " : "", c->targets[i].name);
}

/* default_target must name a target of the file. */
static int
conf_check_default(struct conf_vctx *v, const struct conf *c)
{
	struct buf	b;
	size_t		i;

	for (i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, c->default_target) == 0)
			return (0);
	buf_init(&b);
	buf_puts(&b, "unknown target ");
	conf_echo_str(&b, c->default_target);
	buf_puts(&b, "; ");
	conf_known_names(c, &b);
	conf_fail(v, "default_target", "%s", b.data);
	buf_done(&b);
	return (-1);
}

/* The whole document. */
static int
conf_parse_root(struct conf_vctx *v, const cJSON *root, struct conf *c)
{
	const cJSON	*m;

	if (!cJSON_IsObject(root))
		return (conf_fail_got(v, NULL, "a JSON object at the top level",
		    root));
	if (conf_check_members(v, "", root, conf_top_names) == -1)
		return (-1);
	/* targets first, so default_target can be checked against them */
	for (m = root->child; m != NULL; m = m->next)
		if (strcmp(m->string, "targets") == 0 &&
		    conf_parse_targets(v, m, c) == -1)
			return (-1);
	for (m = root->child; m != NULL; m = m->next) {
		if (strcmp(m->string, "log") == 0) {
			if (conf_parse_log(v, m, c) == -1)
				return (-1);
		} else if (strcmp(m->string, "default_target") == 0) {
			if (conf_get_str(v, "default_target", m, false,
			    &c->default_target) == -1 ||
			    conf_check_default(v, c) == -1)
				return (-1);
		}
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

/*
 * Read path into *out (NUL-terminated, caller frees) and its stat into *st.
 * Returns 0, 1 when the file does not exist and missing_ok, -1 on error.
 */
static int
conf_file_read(const char *path, const char *named_by, bool missing_ok,
    char **out, size_t *lenp, struct stat *st, struct mc_err *err)
{
	int		 fd;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && missing_ok)
			return (1);
		mc_err_set(err, MC_E_CONFIG,
		    "%s: cannot open config file%s%s%s: %s", path,
		    named_by ? " (named by " : "", named_by ? named_by : "",
		    named_by ? ")" : "", strerror(errno));
		return (-1);
	}
	if (fstat(fd, st) == -1) {
		mc_err_set(err, MC_E_CONFIG, "%s: cannot stat config file: %s",
		    path, strerror(errno));
		close(fd);
		return (-1);
	}
	if (!S_ISREG(st->st_mode) || st->st_size > CONF_FILE_MAX) {
		mc_err_set(err, MC_E_CONFIG, "%s: %s", path,
		    !S_ISREG(st->st_mode) ? "not a regular file" :
		    "config file larger than 1 MiB");
		close(fd);
		return (-1);
	}
	buf = xmalloc((size_t)st->st_size + 1);
	while (len < (size_t)st->st_size) {
		n = read(fd, buf + len, (size_t)st->st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			mc_err_set(err, MC_E_CONFIG,
			    "%s: cannot read config file: %s", path,
			    n == 0 ? "file shrank while reading"
				   : strerror(errno));
			free(buf);
			close(fd);
			return (-1);
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return (0);
}

/* Check syntax and parse text[0..len) as JSON (BOM skipped). NULL with err. */
static cJSON *
conf_json_parse(const char *file, const char *text, size_t len,
    struct mc_err *err)
{
	cJSON		*root;
	const char	*end = NULL;
	int		 line, col;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (jscan_check_unique(file, text, len, MC_E_CONFIG, err) == -1)
		return (NULL);
	if ((root = cJSON_ParseWithLengthOpts(text, len, &end, false)) ==
	    NULL) {
		/* the scanner accepted it; only cJSON's own limits get here */
		jscan_linecol(text, end != NULL ? end : text, &line, &col);
		mc_err_set(err, MC_E_CONFIG,
		    "%s:%d:%d: JSON could not be parsed "
		    "(nested too deeply or out of memory)",
		    file, line, col);
	}
	return (root);
}

char *
conf_default_path(void)
{
	const char *xdg = conf_env("XDG_CONFIG_HOME"), *home = conf_env("HOME");
	struct passwd	*pw;

	/* XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored */
	if (xdg != NULL && xdg[0] == '/')
		return (xasprintf("%s/mcpdb/config.json", xdg));
	if (home == NULL && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL)
		return (NULL);
	return (xasprintf("%s/.config/mcpdb/config.json", home));
}

/* ------------------------------------------------------------------ */
/* Loading and merging                                                  */
/* ------------------------------------------------------------------ */

/* Pick the target; see conf.h for the rule. */
static int
conf_select(struct conf *c, const struct conf_flags *f, struct mc_err *err)
{
	const char	*name = NULL, *from = NULL;
	struct buf	 b;
	size_t		 i;

	if (f != NULL && f->target != NULL) {
		name = f->target;
		from = "--target";
		c->sel_source = "flag";
	} else if ((name = conf_env("MCPDB_TARGET")) != NULL) {
		from = "MCPDB_TARGET";
		c->sel_source = "env";
	} else if (c->default_target != NULL) {
		name = c->default_target;
		from = "default_target";
		c->sel_source = "file";
	} else if (c->path != NULL && c->ntargets == 1) {
		c->sel = &c->targets[0];
		c->sel_source = "only";
		return (0);
	} else if (c->path != NULL) {
		/* never an implicit target beside the configured ones */
		buf_init(&b);
		conf_known_names(c, &b);
		if (c->ntargets == 0)
			mc_err_set(err, MC_E_USAGE,
			    "%s; add a target under \"targets\" (or move the "
			    "file away to use the PG* and REDIS_URL "
			    "environment alone)", b.data);
		else
			mc_err_set(err, MC_E_USAGE,
			    "no target selected: %s defines %zu targets and no "
			    "default_target; choose one with --target NAME "
			    "(or MCPDB_TARGET, or set default_target); %s",
			    c->path, c->ntargets, b.data);
		buf_done(&b);
		return (-1);
	} else {
		name = "default";
		c->sel_source = "default";
	}
	for (i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, name) == 0) {
			c->sel = &c->targets[i];
			return (0);
		}
	if (c->path == NULL && strcmp(name, "default") == 0) {
		c->synth = xmalloc(sizeof(*c->synth));
		conf_target_init(c->synth, "default");
		c->sel = c->synth;
		return (0);
	}
	buf_init(&b);
	conf_known_names(c, &b);
	if (*name == '\0')
		mc_err_set(err, MC_E_CONFIG,
		    "%s: expected a target name, got \"\"", from);
	else {
		struct buf	e;

		buf_init(&e);
		conf_echo_str(&e, name);
		mc_err_set(err, MC_E_CONFIG, "unknown target %s (from %s); %s",
		    e.data, from, b.data);
		buf_done(&e);
	}
	buf_done(&b);
	return (-1);
}

/*
 * DATABASE_URL or REDIS_URL (var) would replace the setting what of the
 * selected file target: refuse when the target has its own value, so an
 * environment left over in a shell can never redirect a named target.
 */
static int
conf_env_conflict(const struct conf *c, const char *var, const char *what,
    const char *have, struct mc_err *err)
{
	if (c->synth == c->sel || have == NULL || *have == '\0')
		return (0);
	return (mc_err_set(err, MC_E_USAGE,
	    "%s is set, but target %s (%s) has its own \"%s\" in %s; unset "
	    "%s, or override deliberately with --%s", var, c->sel->name,
	    conf_target_why(c), what, c->path, var, what));
}

/*
 * Apply flag/env overrides to the selected target. A flag always applies;
 * DATABASE_URL/REDIS_URL fill in what a file target leaves unset and are
 * refused where it sets its own (protection stays with the target).
 */
static int
conf_override(struct conf *c, const struct conf_flags *f, struct mc_err *err)
{
	struct conf_vctx	 v = { NULL, NULL, err, false };
	struct conf_target	*t = c->sel;
	const char		*s;

	if (f != NULL && f->pg != NULL) {
		if (conf_check_pg(&v, "--pg", f->pg) == -1)
			return (-1);
		free(t->pg);
		t->pg = xstrdup(f->pg);
		t->pg_source = "flag";
		/* its standbys are another cluster's: read where --pg says */
		free(t->pg_read);
		t->pg_read = NULL;
	} else if ((s = conf_env("DATABASE_URL")) != NULL) {
		if (conf_env_conflict(c, "DATABASE_URL", "pg", t->pg,
		    err) == -1 ||
		    conf_check_pg(&v, "DATABASE_URL", s) == -1)
			return (-1);
		free(t->pg);
		t->pg = xstrdup(s);
		t->pg_source = "env";
		free(t->pg_read);
		t->pg_read = NULL;
	}
	if (f != NULL && f->redis != NULL) {
		if (conf_check_redis(&v, "--redis", f->redis) == -1)
			return (-1);
		free(t->redis);
		t->redis = xstrdup(f->redis);
		t->redis_source = "flag";
	} else if ((s = conf_env("REDIS_URL")) != NULL) {
		if (conf_env_conflict(c, "REDIS_URL", "redis", t->redis,
		    err) == -1 ||
		    conf_check_redis(&v, "REDIS_URL", s) == -1)
			return (-1);
		free(t->redis);
		t->redis = xstrdup(s);
		t->redis_source = "env";
	}
	return (0);
}

/* Merge log settings: flags > MCPDB_LOG_* > file (already in c) > defaults. */
static int
conf_merge_log(struct conf *c, const struct conf_flags *f, struct mc_err *err)
{
	struct conf_vctx	 v = { NULL, NULL, err, false };
	const char		*s;

	if (f != NULL && f->log_level != NULL) {
		if (conf_level(&v, "--log-level", f->log_level,
			&c->log_level) == -1)
			return (-1);
	} else if ((s = conf_env("MCPDB_LOG_LEVEL")) != NULL &&
	    conf_level(&v, "MCPDB_LOG_LEVEL", s, &c->log_level) == -1)
		return (-1);
	if (f != NULL && f->log_format != NULL) {
		if (conf_format(&v, "--log-format", f->log_format,
			&c->log_format) == -1)
			return (-1);
	} else if ((s = conf_env("MCPDB_LOG_FORMAT")) != NULL &&
	    conf_format(&v, "MCPDB_LOG_FORMAT", s, &c->log_format) == -1)
		return (-1);
	if (f != NULL && f->log_file != NULL)
		s = f->log_file;
	else
		s = conf_env("MCPDB_LOG_FILE");
	if (s != NULL) {
		free(c->log_file);
		c->log_file = *s != '\0' ? xstrdup(s) : NULL;
	}
	return (0);
}

/*
 * Refuse a config file that someone else could have written, as ssh does:
 * writable by group or others, or owned by another user than the invoker
 * (root's files aside). Whoever can write it can point mcpdb anywhere.
 */
static int
conf_check_owner(const char *path, const struct stat *st, struct mc_err *err)
{
	uid_t	me = geteuid();

	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return (mc_err_set(err, MC_E_CONFIG,
		    "%s: config file is writable by %s (mode %04o), so "
		    "another user could redirect mcpdb; fix: chmod go-w %s",
		    path, (st->st_mode & S_IWOTH) ? "others" : "its group",
		    (unsigned)(st->st_mode & 07777), path));
	if (st->st_uid != me && st->st_uid != 0)
		return (mc_err_set(err, MC_E_CONFIG,
		    "%s: config file is owned by uid %u, not by you (uid %u) "
		    "or root; fix: chown %u %s, or use your own file",
		    path, (unsigned)st->st_uid, (unsigned)me, (unsigned)me,
		    path));
	return (0);
}

/* Read, check and convert the file at c->path into c. */
static int
conf_load_file(struct conf *c, const char *named_by, struct logger *log,
    struct mc_err *err)
{
	struct conf_vctx	 v = { c->path, NULL, err, false };
	struct stat		 st;
	char			*text = NULL, *dir;
	size_t			 len = 0;
	cJSON			*root;
	int			 rc;

	rc = conf_file_read(c->path, named_by, named_by == NULL, &text, &len,
	    &st, err);
	if (rc == 1) {
		free(c->path);
		c->path = NULL;
		return (0);
	}
	if (rc == -1)
		return (-1);
	if (conf_check_owner(c->path, &st, err) == -1) {
		free(text);
		return (-1);
	}
	root = conf_json_parse(c->path, text, len, err);
	free(text);
	if (root == NULL)
		return (-1);
	dir = conf_dirname(c->path);
	v.dir = dir;
	rc = conf_parse_root(&v, root, c);
	cJSON_Delete(root);
	free(dir);
	if (rc == -1)
		return (-1);
	/* like libpq's .pgpass check: any group or other permission bit */
	if (v.has_password && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warn(log,
		    "config file %s has group or world access and contains "
		    "passwords; permissions should be u=rw (0600) or less",
		    c->path);
	return (0);
}

struct conf *
conf_load(const struct conf_flags *f, struct logger *log, struct mc_err *err)
{
	struct conf	*c = xcalloc(1, sizeof(*c));
	const char	*named_by = NULL, *s;

	c->log_level = LOGL_INFO;
	c->log_format = LOGF_TEXT;
	c->no_color = conf_env("NO_COLOR") != NULL;
	if (f != NULL && f->config_path != NULL) {
		c->path = xstrdup(f->config_path);
		named_by = "--config";
		c->path_source = "--config";
	} else if ((s = conf_env("MCPDB_CONFIG")) != NULL) {
		c->path = xstrdup(s);
		named_by = "MCPDB_CONFIG";
		c->path_source = "MCPDB_CONFIG";
	} else {
		c->path = conf_default_path();
		c->path_source = "default location";
	}
	if (c->path != NULL && *c->path == '\0') {
		mc_err_set(err, MC_E_CONFIG,
		    "%s: expected a file name, got \"\"", named_by);
		goto fail;
	}
	if (c->path != NULL && conf_load_file(c, named_by, log, err) == -1)
		goto fail;
	if (f != NULL && f->no_select) {
		if (f->target != NULL)
			c->sel = (struct conf_target *)conf_find_target(c,
			    f->target);
		c->sel_source = "flag";
		return (c);
	}
	if (conf_merge_log(c, f, err) == -1 || conf_select(c, f, err) == -1 ||
	    conf_override(c, f, err) == -1)
		goto fail;
	return (c);
fail:
	conf_free(c);
	return (NULL);
}

void
conf_free(struct conf *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ntargets; i++)
		conf_target_done(&c->targets[i]);
	free(c->targets);
	if (c->synth != NULL) {
		conf_target_done(c->synth);
		free(c->synth);
	}
	free(c->path);
	free(c->default_target);
	free(c->log_file);
	free(c);
}

const struct conf_target *
conf_target(const struct conf *c)
{
	return (c->sel);
}

const char *
conf_target_why(const struct conf *c)
{
	const char	*s = c->sel_source;

	if (strcmp(s, "flag") == 0)
		return ("from --target");
	if (strcmp(s, "env") == 0)
		return ("from MCPDB_TARGET");
	if (strcmp(s, "file") == 0)
		return ("default_target of the config file");
	if (strcmp(s, "only") == 0)
		return ("the only target in the config file");
	return ("no config file: PG* variables, DATABASE_URL, REDIS_URL");
}

const char *
conf_target_source(const struct conf *c)
{
	return (c->sel_source);
}

const struct conf_target *
conf_find_target(const struct conf *c, const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].name, name) == 0)
			return (&c->targets[i]);
	if (c->synth != NULL && strcmp(c->synth->name, name) == 0)
		return (c->synth);
	return (NULL);
}

size_t
conf_ntargets(const struct conf *c)
{
	return (c->ntargets);
}

const struct conf_target *
conf_target_at(const struct conf *c, size_t i)
{
	return (i < c->ntargets ? &c->targets[i] : NULL);
}

const char *
conf_path(const struct conf *c)
{
	return (c->path);
}

const char *
conf_path_source(const struct conf *c)
{
	return (c->path != NULL ? c->path_source : "no file found");
}

enum log_level
conf_log_level(const struct conf *c)
{
	return (c->log_level);
}

enum log_format
conf_log_format(const struct conf *c)
{
	return (c->log_format);
}

const char *
conf_log_file(const struct conf *c)
{
	return (c->log_file);
}

bool
conf_no_color(const struct conf *c)
{
	return (c->no_color);
}

/* ------------------------------------------------------------------ */
/* Writing a target                                                     */
/* ------------------------------------------------------------------ */

/* mkdir -p the directory part of path, new directories 0700. */
static int
conf_mkdirs(const char *path, struct mc_err *err)
{
	char	*dir = conf_dirname(path), *p;
	int	 rc = 0;

	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			char	save = *p;

			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
				rc = mc_err_sys(err,
				    "%s: cannot create directory", dir);
				*p = save;
				break;
			}
			*p = save;
		}
		if (*p == '\0')
			break;
	}
	free(dir);
	return (rc);
}

/*
 * Write text to path atomically: a 0600 mkstemp file beside it, then
 * rename (fsafe.c; a symbolic link at path is refused, never followed).
 */
static int
conf_write_atomic(const char *path, const char *text, struct mc_err *err)
{
	return (fsafe_write(path, text, strlen(text), 0600, err));
}

/* Set or (value NULL) remove the string member key of obj. */
static void
conf_json_set(cJSON *obj, const char *key, const char *value)
{
	if (value == NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key,
		    cJSON_CreateString(value));
	else
		cJSON_AddItemToObject(obj, key, cJSON_CreateString(value));
}

/*
 * conf_file_put_target on a path that is not a symlink; with defaulted
 * non-NULL, also make name the default_target when the file has none.
 */
static int
conf_put_target(const char *path, const char *name, const char *pg,
    const char *redis, bool *defaulted, struct mc_err *err)
{
	struct conf_vctx	 v = { path, NULL, err, false };
	struct conf		 check = { 0 };
	struct stat		 st;
	cJSON			*root = NULL, *targets, *t;
	char			*text = NULL, *out = NULL;
	size_t			 len = 0, i;
	int			 rc;

	if (!conf_name_ok(name))
		return (mc_err_set(err, MC_E_CONFIG,
		    "invalid target name \"%s\" (use up "
		    "to %d letters, digits, '.', '_' or '-')",
		    name, CONF_NAME_MAX));
	rc = conf_file_read(path, NULL, true, &text, &len, &st, err);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		root = conf_json_parse(path, text, len, err);
		free(text);
		if (root == NULL)
			return (-1);
		if (!cJSON_IsObject(root)) {
			conf_fail_got(&v, NULL,
			    "a JSON object at the top level", root);
			goto fail;
		}
	} else
		root = cJSON_CreateObject();
	if ((targets = cJSON_GetObjectItemCaseSensitive(root, "targets")) ==
	    NULL)
		targets = cJSON_AddObjectToObject(root, "targets");
	if (!cJSON_IsObject(targets)) {
		conf_fail_got(&v, "targets", "an object", targets);
		goto fail;
	}
	if ((t = cJSON_GetObjectItemCaseSensitive(targets, name)) == NULL)
		t = cJSON_AddObjectToObject(targets, name);
	if (!cJSON_IsObject(t)) {
		cJSON_ReplaceItemInObjectCaseSensitive(targets, name,
		    cJSON_CreateObject());
		t = cJSON_GetObjectItemCaseSensitive(targets, name);
	}
	conf_json_set(t, "pg", pg);
	conf_json_set(t, "redis", redis);
	if (defaulted != NULL && cJSON_GetObjectItemCaseSensitive(root,
	    "default_target") == NULL) {
		cJSON_AddItemToObject(root, "default_target",
		    cJSON_CreateString(name));
		*defaulted = true;
	}
	/* never write a file that conf_load would refuse */
	v.dir = NULL;
	rc = conf_parse_root(&v, root, &check);
	for (i = 0; i < check.ntargets; i++)
		conf_target_done(&check.targets[i]);
	free(check.targets);
	free(check.default_target);
	free(check.log_file);
	if (rc == -1)
		goto fail;
	if ((out = cJSON_Print(root)) == NULL) {
		mc_err_set(err, MC_E_INTERNAL, "%s: cannot format JSON", path);
		goto fail;
	}
	text = xasprintf("%s\n", out);
	cJSON_free(out);
	cJSON_Delete(root);
	if (conf_mkdirs(path, err) == -1 ||
	    conf_write_atomic(path, text, err) == -1) {
		free(text);
		return (-1);
	}
	free(text);
	return (0);
fail:
	cJSON_Delete(root);
	return (-1);
}

int
conf_file_put_target(const char *path, const char *name, const char *pg,
    const char *redis, struct mc_err *err)
{
	struct stat	 lst;
	char		*real;
	int		 rc;

	/* a symlinked config (dotfile managers) is updated where it points */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
	    (real = realpath(path, NULL)) != NULL) {
		rc = conf_put_target(real, name, pg, redis, NULL, err);
		free(real);
		return (rc);
	}
	return (conf_put_target(path, name, pg, redis, NULL, err));
}

int
conf_file_put_target_default(const char *path, const char *name,
    const char *pg, const char *redis, bool *defaulted, struct mc_err *err)
{
	struct stat	 lst;
	char		*real;
	int		 rc;

	*defaulted = false;
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
	    (real = realpath(path, NULL)) != NULL) {
		rc = conf_put_target(real, name, pg, redis, defaulted, err);
		free(real);
		return (rc);
	}
	return (conf_put_target(path, name, pg, redis, defaulted, err));
}
