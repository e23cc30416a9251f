/*
 * t-rds-uri.c - Redis client pieces that need no server: every accepted and
 * refused form of the one Redis URI parser (rdsuri, table-driven), its
 * redacted printing and echo, rds_new's checks, and the latency histogram's
 * percentiles.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rds-hist.h"
#include "rds.h"
#include "rdsuri.h"
#include "rds-watch.h"
#include "tap.h"

/* One accepted form: the parts it gives and how it prints redacted. */
struct ok_case {
	const char	*in;
	bool		 tls;
	const char	*host;
	int		 port;
	const char	*path;
	const char	*user;
	const char	*password;
	int		 db;
	const char	*redacted;
};

static const struct ok_case ok_cases[] = {
	{ "redis://127.0.0.1:6390/2", false, "127.0.0.1", 6390, NULL, NULL,
	    NULL, 2, "redis://127.0.0.1:6390/2" },
	{ "redis://cache1", false, "cache1", 6379, NULL, NULL, NULL, 0,
	    "redis://cache1:6379/0" },
	{ "redis://cache1/", false, "cache1", 6379, NULL, NULL, NULL, 0,
	    "redis://cache1:6379/0" },
	{ "REDIS://H:1", false, "H", 1, NULL, NULL, NULL, 0,
	    "redis://H:1/0" },
	{ "redis://ops:s3cr%40t@cache1:6379/0", false, "cache1", 6379, NULL,
	    "ops", "s3cr@t", 0, "redis://ops:***@cache1:6379/0" },
	{ "redis://:onlypass@h/1", false, "h", 6379, NULL, NULL, "onlypass", 1,
	    "redis://***@h:6379/1" },
	{ "redis://lonesecret@h", false, "h", 6379, NULL, NULL, "lonesecret", 0,
	    "redis://***@h:6379/0" },
	{ "redis://u:p@ss@h:1", false, "h", 1, NULL, "u", "p@ss", 0,
	    "redis://u:***@h:1/0" },
	{ "redis://app%40x:p%2Fs%20s%22%5C%60%3C%3E@c:6380/4", false, "c", 6380,
	    NULL, "app@x", "p/s s\"\\`<>", 4, "redis://app%40x:***@c:6380/4" },
	{ "redis://us er:top secret\"<>`\\@h", false, "h", 6379, NULL, "us er",
	    "top secret\"<>`\\", 0, "redis://us%20er:***@h:6379/0" },
	{ "redis://pw@h?username=a@b", false, "h", 6379, NULL, "a@b", "pw", 0,
	    "redis://a%40b:***@h:6379/0" },
	{ "redis://u:@h", false, "h", 6379, NULL, "u", "", 0,
	    "redis://u:***@h:6379/0" },
	{ "redis://:@h", false, "h", 6379, NULL, NULL, NULL, 0,
	    "redis://h:6379/0" },
	{ "redis://[::1]:6380", false, "::1", 6380, NULL, NULL, NULL, 0,
	    "redis://[::1]:6380/0" },
	{ "rediss://ops:topsecret@cache:6380/1", true, "cache", 6380, NULL,
	    "ops", "topsecret", 1, "rediss://ops:***@cache:6380/1" },
	{ "REDISS://[::1]", true, "::1", 6379, NULL, NULL, NULL, 0,
	    "rediss://[::1]:6379/0" },
	{ "redis://u:pw@[fe80::1]/3", false, "fe80::1", 6379, NULL, "u", "pw",
	    3, "redis://u:***@[fe80::1]:6379/3" },
	{ "redis://h?db=5", false, "h", 6379, NULL, NULL, NULL, 5,
	    "redis://h:6379/5" },
	{ "redis://h/?password=a%26b+c", false, "h", 6379, NULL, NULL, "a&b c",
	    0, "redis://***@h:6379/0" },
	{ "redis://h?username=app&password=pw&db=2", false, "h", 6379, NULL,
	    "app", "pw", 2, "redis://app:***@h:6379/2" },
	{ "redis://app@h?password=pw", false, "h", 6379, NULL, "app", "pw", 0,
	    "redis://app:***@h:6379/0" },
	{ "redis://h?", false, "h", 6379, NULL, NULL, NULL, 0,
	    "redis://h:6379/0" },
	{ "/run/redis/redis.sock", false, NULL, 0, "/run/redis/redis.sock",
	    NULL, NULL, 0, "/run/redis/redis.sock" },
	{ "/tmp/odd dir/r.sock", false, NULL, 0, "/tmp/odd dir/r.sock", NULL,
	    NULL, 0, "/tmp/odd dir/r.sock" },
	{ "unix:///run/r.sock", false, NULL, 0, "/run/r.sock", NULL, NULL, 0,
	    "/run/r.sock" },
	{ "unix:///run/r.sock?db=3&password=p%3Dw", false, NULL, 0,
	    "/run/r.sock", NULL, "p=w", 3, "unix://***@/run/r.sock?db=3" },
	{ "unix://app:pw@/run/redis/r.sock?db=3", false, NULL, 0,
	    "/run/redis/r.sock", "app", "pw", 3,
	    "unix://app:***@/run/redis/r.sock?db=3" },
	{ "unix://app@/run/r.sock?password=pw", false, NULL, 0, "/run/r.sock",
	    "app", "pw", 0, "unix://app:***@/run/r.sock" },
	{ "UNIX:///run/my%20r.sock", false, NULL, 0, "/run/my r.sock", NULL,
	    NULL, 0, "/run/my r.sock" },
};

/* One refused form and a piece of the reason. */
struct fail_case {
	const char	*in;
	const char	*why;
};

static const struct fail_case fail_cases[] = {
	{ "", "expected a redis://, rediss:// or unix:// URI or an absolute "
	    "unix socket path" },
	{ "localhost:6379", "expected a redis://, rediss:// or unix:// URI" },
	{ "relative.sock", "a unix socket path must be absolute" },
	{ "run/redis.sock", "a unix socket path must be absolute" },
	{ "/", "is not a unix socket path" },
	{ "rediss://user:topsecret@h:0/0", "the port must be a number" },
	{ "http://u:topsecret@h", "unsupported URI scheme (use redis://, "
	    "rediss://, unix:// or an absolute unix socket path)" },
	{ "redis+sentinel://h", "unsupported URI scheme" },
	{ "redis://u:topsecret@h:99999", "the port must be a number 1..65535" },
	{ "redis://u:topsecret@h:0", "the port must be a number 1..65535" },
	{ "redis://u:topsecret@h:12ab/0", "the port must be a number" },
	{ "redis://h/x", "the database must be a number >= 0" },
	{ "redis://h/-1", "the database must be a number >= 0" },
	{ "redis://u:topsecret@/0", "missing host" },
	{ "redis://", "missing host" },
	{ "redis://u:bad%zztopsecret@h", "invalid %-escape in the password" },
	{ "redis://u:topsecret%00@h", "invalid %-escape in the password" },
	{ "redis://u%zz:topsecret@h", "invalid %-escape in the user name" },
	{ "redis://[::1:6379", "unclosed '['" },
	{ "redis://[zz]:1", "invalid IPv6 address" },
	{ "redis://[::1]x", "unexpected text after the host" },
	{ "redis://h?user=topsecret", "unknown query parameter" },
	{ "redis://u:topsecret@h?password2=x", "unknown query parameter" },
	{ "redis://h?socket_timeout=5", "timeouts go in redis_options" },
	{ "redis://h?topsecret", "a query parameter without '='" },
	{ "redis://h/1?db=2", "the database is given twice" },
	{ "redis://h?db=1&db=1", "the database is given twice" },
	{ "redis://u:topsecret@h?password=x", "the password is given twice" },
	{ "redis://h?db=x", "the database must be a number" },
	{ "redis://h?password=%zz", "invalid %-escape in the password" },
	{ "redis://h?username=app", "a user name needs a password" },
	{ "redis://u:top/secret@h", "an '@' after the host" },
	{ "redis://u:top?secret@h", "an '@' after the host" },
	{ "redis://h/?password=top@secret", "an '@' after the host" },
	{ "redis://u:top#secret@h", "a '#' is not allowed" },
	{ "redis://top\"host:1", "invalid character in the host name" },
	{ "redis://h\\x:1", "invalid character in the host name" },
	{ "unix://relative/path", "unix:// needs an absolute socket path" },
	{ "unix://", "unix:// needs an absolute socket path" },
	{ "unix:///", "unix:// needs an absolute socket path" },
	{ "unix://u:topsecret@host/path", "unix:// needs an absolute" },
	{ "unix:///r.sock?db=x", "the database must be a number" },
	{ "unix:///r%zz.sock", "invalid %-escape in the socket path" },
};

/* Every accepted form gives the expected parts and redacted text. */
static void
test_accepted(void)
{
	const struct ok_case	*c;
	struct rdsuri		 u;
	struct mc_err		 err;
	char			*red;
	size_t			 i;

	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		c = &ok_cases[i];
		mc_err_clear(&err);
		if (!ok(rdsuri_parse(c->in, &u, &err) == 0, "accepted: %s",
		    c->in)) {
			diag("reason: %s", err.msg);
			continue;
		}
		ok(u.tls == c->tls && u.port == c->port && u.db == c->db,
		    "  tls %d port %d db %d", u.tls, u.port, u.db);
		is_str(u.host, c->host, "  host");
		is_str(u.path, c->path, "  path");
		is_str(u.user, c->user, "  user");
		is_str(u.password, c->password, "  password");
		red = rdsuri_redact(&u);
		is_str(red, c->redacted, "  redacted");
		if (c->password != NULL && strlen(c->password) > 2)
			ok(strstr(red, c->password) == NULL,
			    "  the password is not in the redacted form");
		free(red);
		rdsuri_done(&u);
		ok(u.host == NULL && u.password == NULL, "  done zeroes it");
	}
}

/* Every refused form gives its reason, quoting nothing of the input. */
static void
test_refused(void)
{
	const struct fail_case	*c;
	struct rdsuri		 u;
	struct mc_err		 err;
	char			*echo;
	size_t			 i;

	for (i = 0; i < sizeof(fail_cases) / sizeof(fail_cases[0]); i++) {
		c = &fail_cases[i];
		mc_err_clear(&err);
		if (!ok(rdsuri_parse(c->in, &u, &err) == -1, "refused: %s",
		    c->in)) {
			rdsuri_done(&u);
			continue;
		}
		like(err.msg, c->why, "  reason: %s", err.msg);
		is_int(err.code, MC_E_CONFIG, "  a config error");
		ok(strstr(err.msg, "secret") == NULL &&
		    (strlen(c->in) < 10 || strstr(err.msg, c->in) == NULL),
		    "  the reason quotes nothing of the input");
		ok(u.host == NULL && u.user == NULL && u.password == NULL &&
		    u.path == NULL, "  nothing left allocated");
		echo = rdsuri_echo(c->in);
		ok(strstr(echo, "secret") == NULL, "  echo hides it: %s", echo);
		free(echo);
	}
	ok(rdsuri_parse(NULL, &u, &err) == -1, "NULL refused");
	ok(rdsuri_echo(NULL) == NULL, "rdsuri_echo(NULL) is NULL");
	rdsuri_done(NULL);
}

/* The echo of a refused value keeps what helps and hides the rest. */
static void
test_echo(void)
{
	static const char *const cases[][2] = {
		{ "redis://cache1:99999/0", "redis://cache1:99999/0" },
		{ "redis://u:pw@cache1:6379/zero",
		    "redis://***@cache1:6379/zero" },
		{ "redis://u:p/w@cache1:6379/zero", "redis://***" },
		{ "redis://h/?password=a@b", "redis://***" },
		{ "redis://u:a@b@h", "redis://***@h" },
		{ "http://cache1:6379", "http://cache1:6379" },
		{ "redis://h?db=x&password=pw&junk",
		    "redis://h?db=x&password=***&***" },
		{ "redis://h?pass%77ord=pw", "redis://h?***" },
		{ "u:pw@h", "***@h" },
		{ "/run/r?password=x", "/run/r?password=x" },
	};
	char	*e;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = rdsuri_echo(cases[i][0]);
		is_str(e, cases[i][1], "echo of %s", cases[i][0]);
		free(e);
	}
}

/* rds_new refuses what it cannot serve, without dialling. */
static void
test_new(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	char			*sent[] = { "127.0.0.1:1", NULL };

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = "prod";
	t.redis = NULL;
	ok(rds_new(&t, NULL, "cli", &err) == NULL, "no redis configured: NULL");
	like(err.msg, "target prod has no Redis configured", "says which target: %s", err.msg);
	is_int(err.code, MC_E_CONFIG, "config error");

	t.redis = "rediss://ops:topsecret@cache:6380";
	r = rds_new(&t, NULL, "cli", &err);
	ok(r != NULL, "rediss:// without a CA file: a client (system trust "
	    "store), nothing dialled");
	rds_free(r);
	snprintf(t.redis_opts.tls_ca_file, sizeof(t.redis_opts.tls_ca_file),
	    "%s", "/nonexistent/ca.crt");
	mc_err_clear(&err);
	ok(rds_new(&t, NULL, "cli", &err) == NULL, "an unreadable CA file is "
	    "refused by rds_new");
	like(err.msg, "target prod: redis_options: TLS CA file "
	    "/nonexistent/ca.crt: cannot read it", "names target and file: %s",
	    err.msg);
	is_int(err.code, MC_E_CONFIG, "a config error (exit 2)");
	unlike(err.msg, "topsecret", "no password");
	t.redis_opts.tls_ca_file[0] = '\0';
	t.redis_opts.sentinels = sent;
	t.redis_opts.nsentinels = 1;
	t.redis_opts.sentinel_master = "mymaster";
	mc_err_clear(&err);
	r = rds_new(&t, NULL, "cli", &err);
	ok(r != NULL, "rediss:// with sentinels makes a client (TLS to "
	    "sentinels and master): %s", err.msg);
	rds_free(r);
	t.redis_opts.sentinels = NULL;
	t.redis_opts.nsentinels = 0;
	t.redis_opts.sentinel_master = NULL;

	t.redis = "redis://127.0.0.1:1/0";
	r = rds_new(&t, NULL, "my tool", &err);
	ok(r != NULL, "a good URL makes a client without dialling");
	is_str(r ? rds_name(r) : NULL, "127.0.0.1:1", "its name is host:port");
	rds_free(r);

	t.redis = NULL;
	t.redis_opts.sentinels = sent;
	t.redis_opts.nsentinels = 1;
	t.redis_opts.sentinel_master = NULL;
	ok(rds_new(&t, NULL, "cli", &err) == NULL, "sentinels without a master name refused");
	like(err.msg, "sentinel_master", "says what is missing: %s", err.msg);
	t.redis_opts.sentinel_master = "mymaster";
	r = rds_new(&t, NULL, "cli", &err);
	ok(r != NULL, "sentinels alone are enough");
	is_str(r ? rds_name(r) : NULL, "master mymaster", "named after the master");
	rds_free(r);
	rds_free(NULL);
}

/* Histogram percentiles against exact values. */
static void
test_hist(void)
{
	struct rds_hist	*h = malloc(sizeof(*h));
	uint64_t	 v, p50, p95, p99;
	int		 i;

	rds_hist_init(h);
	is_int((long long)rds_hist_pct(h, 50), 0, "empty: 0");
	for (v = 1; v <= 10000; v++)
		rds_hist_add(h, v);
	p50 = rds_hist_pct(h, 50);
	p95 = rds_hist_pct(h, 95);
	p99 = rds_hist_pct(h, 99);
	ok(p50 >= 4850 && p50 <= 5150, "p50 of 1..10000 within 3%% of 5000 (%llu)",
	    (unsigned long long)p50);
	ok(p95 >= 9215 && p95 <= 9785, "p95 within 3%% of 9500 (%llu)", (unsigned long long)p95);
	ok(p99 >= 9603 && p99 <= 10000, "p99 within 3%% of 9900 (%llu)", (unsigned long long)p99);
	is_int((long long)rds_hist_pct(h, 100), 10000, "p100 is the exact max");
	is_int((long long)h->max_us, 10000, "max");
	is_int((long long)h->min_us, 1, "min");
	ok(rds_hist_mean(h) > 5000.4 && rds_hist_mean(h) < 5000.6, "mean 5000.5");

	rds_hist_init(h);
	for (i = 0; i < 990; i++)
		rds_hist_add(h, 100);
	for (i = 0; i < 10; i++)
		rds_hist_add(h, 50000);
	ok(rds_hist_pct(h, 50) >= 97 && rds_hist_pct(h, 50) <= 103,
	    "p50 of the bulk within 3%% of 100 (%llu)", (unsigned long long)rds_hist_pct(h, 50));
	ok(rds_hist_pct(h, 99) <= 103, "p99 at the 990th of 1000 is still the bulk");
	ok(rds_hist_pct(h, 99.5) >= 48500 && rds_hist_pct(h, 99.5) <= 50000,
	    "p99.5 lands in the spike (%llu)", (unsigned long long)rds_hist_pct(h, 99.5));
	rds_hist_init(h);
	rds_hist_add(h, 0);
	rds_hist_add(h, 1ULL << 50);
	is_int((long long)rds_hist_pct(h, 100), (long long)(1ULL << 50), "huge values keep an exact max");
	ok(rds_hist_pct(h, 50) == 0, "zero is a valid sample");
	for (v = 1; v < (1ULL << 39); v = v * 3 + 1)
		rds_hist_add(h, v);
	ok(rds_hist_pct(h, 90) <= h->max_us, "percentiles never exceed max");
	free(h);
}

int
main(void)
{
	test_accepted();
	test_refused();
	test_echo();
	test_new();
	test_hist();
	/* The watcher's sentinel URI and its +switch-master parser. */
	{
		struct rdsuri	 u;
		char		*b = rdsuri_build(false, "127.0.0.1", 26379, "ops", "p@ss:w/rd%");
		char		 host[128];
		int		 port = 0;

		ok(rdsuri_parse(b, &u, NULL) == 0 && strcmp(u.host, "127.0.0.1") == 0 &&
		    u.port == 26379 && u.user != NULL && strcmp(u.user, "ops") == 0 &&
		    u.password != NULL && strcmp(u.password, "p@ss:w/rd%") == 0,
		    "rdsuri_build: a password with @ : / %% survives the round trip");
		rdsuri_done(&u);
		free(b);
		b = rdsuri_build(true, "::1", 26380, "", "");
		is_str(b, "rediss://[::1]:26380/0", "rdsuri_build: IPv6 in brackets, no credentials");
		free(b);
		ok(rds_watch_parse_switch("mymaster 127.0.0.1 6379 127.0.0.2 6380", "mymaster",
		    host, sizeof(host), &port) && strcmp(host, "127.0.0.2") == 0 && port == 6380,
		    "+switch-master: the new address");
		ok(!rds_watch_parse_switch("other 127.0.0.1 6379 127.0.0.2 6380", "mymaster",
		    host, sizeof(host), &port), "+switch-master of another master is ignored");
		ok(!rds_watch_parse_switch("mymaster 127.0.0.1 6379", "mymaster", host,
		    sizeof(host), &port), "a short payload is ignored");
	}
	return (done_testing());
}
