/*
 * t-rds-uri.c - Redis client pieces that need no server: URI parsing
 * (including the rediss:// refusal and user:password), rds_new's checks,
 * and the latency histogram's percentiles.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rds-hist.h"
#include "rds.h"
#include "tap.h"

/* Parse s and expect success. */
static void
parse_ok(const char *s, struct rds_uri *u)
{
	struct mc_err	err = { 0 };

	if (rds_uri_parse(s, u, &err) != 0)
		diag("%s: %s", s, err.msg);
}

/* Parse s, expect failure, and return the message (static storage). */
static const char *
parse_fail(const char *s, enum mc_code *code)
{
	static struct mc_err	err;
	struct rds_uri		u;

	mc_err_clear(&err);
	if (rds_uri_parse(s, &u, &err) == 0) {
		rds_uri_done(&u);
		return (NULL);
	}
	*code = err.code;
	return (err.msg);
}

/* URI forms. */
static void
test_uri(void)
{
	struct rds_uri	 u;
	const char	*m;
	enum mc_code	 code = MC_OK;

	parse_ok("redis://127.0.0.1:6390/2", &u);
	is_str(u.host, "127.0.0.1", "host");
	is_int(u.port, 6390, "port");
	is_int(u.db, 2, "db");
	ok(u.user == NULL && u.password == NULL && u.path == NULL, "no auth, no path");
	rds_uri_done(&u);

	parse_ok("redis://cache1", &u);
	is_str(u.host, "cache1", "bare host");
	is_int(u.port, 6379, "default port");
	is_int(u.db, 0, "default db");
	rds_uri_done(&u);

	parse_ok("redis://ops:s3cr%40t@cache1:6379/0", &u);
	is_str(u.user, "ops", "ACL user");
	is_str(u.password, "s3cr@t", "password with a %%-escape");
	rds_uri_done(&u);

	parse_ok("redis://:onlypass@h/1", &u);
	ok(u.user == NULL, "empty user means password-only AUTH");
	is_str(u.password, "onlypass", "password only");
	rds_uri_done(&u);

	parse_ok("redis://lonesecret@h", &u);
	ok(u.user == NULL, "a lone user info is the password (redis-cli -u)");
	is_str(u.password, "lonesecret", "lone user info as password");
	rds_uri_done(&u);

	parse_ok("redis://u:p@ss@h:1", &u);
	is_str(u.password, "p@ss", "'@' inside the password: last '@' splits");
	is_str(u.host, "h", "host after the last '@'");
	rds_uri_done(&u);

	parse_ok("redis://[::1]:6380", &u);
	is_str(u.host, "::1", "IPv6 host without brackets");
	is_int(u.port, 6380, "IPv6 port");
	rds_uri_done(&u);

	parse_ok("/run/redis/redis.sock", &u);
	is_str(u.path, "/run/redis/redis.sock", "absolute socket path");
	ok(u.host == NULL, "no host for a socket");
	rds_uri_done(&u);

	parse_ok("unix://app:pw@/run/redis/r.sock?db=3", &u);
	is_str(u.path, "/run/redis/r.sock", "unix:// path");
	is_str(u.user, "app", "unix:// user");
	is_str(u.password, "pw", "unix:// password");
	is_int(u.db, 3, "unix:// ?db=");
	rds_uri_done(&u);

	parse_ok("REDIS://H:1", &u);
	is_str(u.host, "H", "scheme is case-insensitive");
	rds_uri_done(&u);

	m = parse_fail("rediss://user:topsecret@h:6380/0", &code);
	like(m, "TLS (rediss://) is not supported by hiredis 0.14", "rediss:// refused: %s", m);
	is_int(code, MC_E_CONFIG, "as a config error");
	unlike(m, "topsecret", "the password is not in the message");

	m = parse_fail("redis://u:topsecret@h:99999", &code);
	like(m, "bad port", "port out of range: %s", m);
	unlike(m, "topsecret", "no password in the port error");
	m = parse_fail("redis://u:topsecret@h:12ab/0", &code);
	like(m, "bad port \"12ab\"", "junk port named: %s", m);
	m = parse_fail("redis://h/x", &code);
	like(m, "bad database number", "bad db: %s", m);
	m = parse_fail("redis://u:topsecret@/0", &code);
	like(m, "no host", "missing host: %s", m);
	unlike(m, "topsecret", "no password in the host error");
	m = parse_fail("redis://u:bad%zzpw@h", &code);
	like(m, "bad %-escape in the password", "bad escape: %s", m);
	unlike(m, "bad%zzpw", "the broken password is not echoed");
	m = parse_fail("http://h", &code);
	like(m, "expected redis://", "other schemes: %s", m);
	m = parse_fail("", &code);
	like(m, "empty", "empty string");
	m = parse_fail("relative.sock", &code);
	ok(m != NULL, "a relative socket path is refused");
	m = parse_fail("redis://[::1:6379", &code);
	like(m, "unterminated", "unterminated IPv6: %s", m);
	m = parse_fail("redis://h?user=x", &code);
	like(m, "unsupported query", "unknown query: %s", m);
	m = parse_fail("unix://relative/path", &code);
	like(m, "absolute socket path", "unix:// with a relative path: %s", m);
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
	ok(rds_new(&t, NULL, "cli", &err) == NULL, "rediss:// refused by rds_new");
	like(err.msg, "target prod: TLS (rediss://) is not supported by hiredis 0.14",
	    "names target and TLS: %s", err.msg);
	unlike(err.msg, "topsecret", "no password");

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
	test_uri();
	test_new();
	test_hist();
	return (done_testing());
}
