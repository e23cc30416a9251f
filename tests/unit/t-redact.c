/* t-redact.c - redact: exact outputs for text with and without secrets. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "tap.h"

/* One case: input, exact expected output (NULL: unchanged, no secret). */
struct rcase {
	const char	*in;
	const char	*want;
};

static const struct rcase cases[] = {
	/* libpq conninfo */
	{ "host=db port=5432 dbname=app user=app password=secret",
	  "host=db port=5432 dbname=app user=app password=***" },
	{ "host=db password='se cret' user=x",
	  "host=db password='***' user=x" },
	{ "host=db password='it\\'s \\\\ x' user=x",
	  "host=db password='***' user=x" },
	{ "host=db password = spaced user=x", "host=db password = *** user=x" },
	{ "host=db password=a\\ b user=x", "host=db password=*** user=x" },
	{ "host=db sslpassword=keypass sslmode=verify-full",
	  "host=db sslpassword=*** sslmode=verify-full" },
	{ "connecting to \"host=db password=secret\" now",
	  "connecting to \"host=db password=***\" now" },
	{ "dsn='host=db password=secret'", "dsn='host=db password=***'" },
	{ "PGPASSWORD=abc psql -h db", "PGPASSWORD=*** psql -h db" },
	/* URIs */
	{ "postgres://app:s3cret@db.example.com:5432/app?sslmode=require",
	  "postgres://app:***@db.example.com:5432/app?sslmode=require" },
	{ "postgresql://app:s3cret@db1:5432,db2:5433/app",
	  "postgresql://app:***@db1:5432,db2:5433/app" },
	{ "postgres://u:p@ss@host/db", "postgres://u:***@host/db" },
	{ "postgres://db/app?user=app&password=s3cret&sslmode=require",
	  "postgres://db/app?user=app&password=***&sslmode=require" },
	{ "postgresql://db/app?sslpassword=k",
	  "postgresql://db/app?sslpassword=***" },
	{ "redis://user:pass@cache:6379/0", "redis://user:***@cache:6379/0" },
	{ "redis://:pass@cache:6379", "redis://:***@cache:6379" },
	{ "rediss://:pass@cache:6380", "rediss://:***@cache:6380" },
	{ "redis://pass@cache:6379", "redis://***@cache:6379" },
	{ "redis+cluster://pass@c1:7000,c2:7001", "redis+cluster://***@c1:7000,c2:7001" },
	{ "redis+cluster://u:pass@c1:7000,c2", "redis+cluster://u:***@c1:7000,c2" },
	{ "rediss+cluster://pass@c1:7000,c2", "rediss+cluster://***@c1:7000,c2" },
	{ "REDISS+CLUSTER://u:pass@c1", "REDISS+CLUSTER://u:***@c1" },
	{ "https://user:tok@example.com/x", "https://user:***@example.com/x" },
	/* a password with '/', quotes, '\\', '`', '<', '>' in free text */
	{ "dial redis://u:p/a\"s`s<w>\\d@cache:6379/0 failed",
	  "dial redis://u:***@cache:6379/0 failed" },
	{ "url=\"redis://pw/x@h\" next", "url=\"redis://***@h\" next" },
	/* Redis command lines */
	{ "AUTH secret", "AUTH ***" },
	{ "AUTH default secret", "AUTH default ***" },
	{ "auth secret", "auth ***" },
	{ "redis> AuTh default secret", "redis> AuTh default ***" },
	{ "\"AUTH\" \"secret\"", "\"AUTH\" \"***\"" },
	{ "1700000000.1 [0 127.0.0.1:5555] \"AUTH\" \"user\" \"secret\"",
	  "1700000000.1 [0 127.0.0.1:5555] \"AUTH\" \"user\" \"***\"" },
	{ "ran \"AUTH secret\" in 2 ms", "ran \"AUTH ***\" in 2 ms" },
	{ "AUTH secret\nPING", "AUTH ***\nPING" },
	{ "HELLO 3 AUTH default secret SETNAME mcpdb",
	  "HELLO 3 AUTH default *** SETNAME mcpdb" },
	{ "CONFIG SET requirepass newsecret", "CONFIG SET requirepass ***" },
	{ "config set maxmemory 1gb masterauth x",
	  "config set maxmemory 1gb masterauth ***" },
	{ "ACL SETUSER svc on >secret ~svc:* +@all",
	  "ACL SETUSER svc on >*** ~svc:* +@all" },
	{ "MIGRATE h 6379 \"\" 0 5000 AUTH2 user secret KEYS a",
	  "MIGRATE h 6379 \"\" 0 5000 AUTH2 user *** KEYS a" },
	{ "MIGRATE h 6379 k 0 5000 COPY AUTH secret KEYS token=abc",
	  "MIGRATE h 6379 k 0 5000 COPY AUTH *** KEYS token=***" },
	{ "HELLO 3 AUTH default secret\nAUTH secret2",
	  "HELLO 3 AUTH default ***\nAUTH ***" },
	/* JSON-ish and SQL */
	{ "{\"user\":\"app\",\"password\":\"s3cret\",\"host\":\"db\"}",
	  "{\"user\":\"app\",\"password\":\"***\",\"host\":\"db\"}" },
	{ "{\"password\": \"s3\\\"cret\"}", "{\"password\": \"***\"}" },
	{ "{\"api_token\":12345}", "{\"api_token\":***}" },
	{ "{\"cmd\":\"AUTH default secret\"}",
	  "{\"cmd\":\"AUTH default ***\"}" },
	{ "ALTER ROLE svc_a LOGIN PASSWORD 'p''w'",
	  "ALTER ROLE svc_a LOGIN PASSWORD '***'" },
	{ "CREATE ROLE s PASSWORD E'x\\'y' VALID UNTIL 'infinity'",
	  "CREATE ROLE s PASSWORD E'***' VALID UNTIL 'infinity'" },
	{ "ünïcödé password=sëcret ok", "ünïcödé password=*** ok" },
	/* No secrets: must come back byte for byte. */
	{ "postgres://app@db/app", NULL },
	{ "redis://cache:6379/0", NULL },
	{ "pool: auth failed for user app", NULL },
	{ "redis: auth ok", NULL },
	{ "NOAUTH Authentication required.", NULL },
	{ "ERR AUTH <password> called without any password configured for "
	  "the default user.", NULL },
	{ "FATAL:  password authentication failed for user \"app\"", NULL },
	{ "WRONGPASS invalid username-password pair or user is disabled.",
	  NULL },
	{ "applied 0003_users.sql in 12 ms", NULL },
	{ "migrate up applied 3 migrations", NULL },
	{ "config set failed", NULL },
	{ "method 'auth' failed", NULL },
	{ "the \"AUTH\" command failed", NULL },
	{ "see https://example.com/a@b for docs", NULL },
	{ "mail admin@example.com about host:5432", NULL },
	{ "{\"url\":\"redis://h:6379\",\"mail\":\"x@y\"}", NULL },
	{ "{\"password\":\"\"}", NULL },
	{ "{\"password\":null}", NULL },
	{ "ALTER ROLE x PASSWORD NULL", NULL },
	{ "the secret is safe; token count 5", NULL },
	{ "password=", NULL },
	{ "password=''", NULL },
	{ "host=db password=*** user=x", NULL },
	{ "AUTH", NULL },
	{ "", NULL },
};

/* Endpoint cases: conninfo or URI, exact description. */
static const struct rcase endpoints[] = {
	{ "host=db port=6432 dbname=app user=app password=secret",
	  "db:6432/app as app" },
	{ "postgresql://app:s3cret@db1:5432,db2:5433/app",
	  "db1:5432,db2:5433/app as app" },
	{ "postgresql://[::1]:5433/app?user=u&password=x",
	  "[::1]:5433/app as u" },
	{ "host=/var/run/postgresql dbname=app user=app",
	  "[local:/var/run/postgresql]:5432/app as app" },
	{ "host=a,b port=1,2", "a:1,b:2" },
	{ "hostaddr=10.0.0.1 user=u password='x y'", "10.0.0.1:5432/u as u" },
	{ "", "[local]:5432" },
	{ "service=prod", "[local]:5432 (service prod)" },
	{ "dbname='host=x password=leak'", "[local]:5432/host=x password=***" },
	{ "host='unterminated password=secret",
	  "(unparsable connection string)" },
	{ "postgres://u:secret@h/d?bogus=1", "(unparsable connection string)" },
};

/* s with newlines shown as \n, for one-line TAP descriptions. Static buffer. */
static const char *
esc(const char *s)
{
	static char	out[512];
	size_t		n = 0;

	for (; *s != '\0' && n + 3 < sizeof(out); s++) {
		if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else
			out[n++] = *s;
	}
	out[n] = '\0';
	return (out);
}

/*
 * redact_pg_conninfo: the operator's text when libpq reads the masked text
 * as the same settings, else keyword=value rebuilt from libpq's parse.
 */
static const struct rcase pgcases[] = {
	{ "host=/nowhere dbname=devdb", "host=/nowhere dbname=devdb" },
	{ "postgresql://u@envhost/envdb", "postgresql://u@envhost/envdb" },
	{ "host=db password=secret user=x", "host=db password=*** user=x" },
	{ "postgresql://app:s%2Fe%20c@db:5432/app",
	  "postgresql://app:***@db:5432/app" },
	/* the text scanner misses these: rebuilt from the parse */
	{ "postgresql://db/app?pass%77ord=secret",
	  "password=*** dbname=app host=db" },
	{ "host=db password = 'se cret' password=x2 user=u",
	  "host=db password = '***' password=*** user=u" },
	{ "postgresql://u:a@b@db/app", "user=u password=*** dbname=app "
	  "host=b@db" },
	{ "host=db user='it''s'", "(unparsable connection string)" },
	{ "password=", "password=" },
};

int
main(void)
{
	size_t	k, nc = sizeof(cases) / sizeof(cases[0]);
	size_t	ne = sizeof(endpoints) / sizeof(endpoints[0]);
	char	*got, *again;
	const char *want;

	plan((int)(nc * 3 + ne * 2 + 7 +
	    sizeof(pgcases) / sizeof(pgcases[0])));
	for (k = 0; k < nc; k++) {
		want = cases[k].want != NULL ? cases[k].want : cases[k].in;
		got = redact_text(cases[k].in);
		is_str(got, want, "redact: %s", esc(cases[k].in));
		ok(redact_has_secret(cases[k].in) == (cases[k].want != NULL),
		    "has_secret %s: %s", cases[k].want ? "yes" : "no",
		    esc(cases[k].in));
		again = redact_text(got);
		ok(strcmp(again, got) == 0 && !redact_has_secret(got),
		    "idempotent: %s", esc(got));
		free(again);
		free(got);
	}
	for (k = 0; k < ne; k++) {
		got = redact_pg_endpoint(endpoints[k].in);
		is_str(got, endpoints[k].want, "endpoint: %s", endpoints[k].in);
		ok(got != NULL && strstr(got, "secret") == NULL &&
		    strstr(got, "s3cret") == NULL, "no password in endpoint");
		free(got);
	}
	for (k = 0; k < sizeof(pgcases) / sizeof(pgcases[0]); k++) {
		got = redact_pg_conninfo(pgcases[k].in);
		is_str(got, pgcases[k].want, "pg conninfo: %s",
		    esc(pgcases[k].in));
		free(got);
	}
	ok(redact_pg_conninfo(NULL) == NULL, "pg conninfo(NULL) is NULL");
	ok(redact_text(NULL) == NULL, "redact_text(NULL) is NULL");
	ok(!redact_has_secret(NULL), "NULL has no secret");
	ok(redact_pg_endpoint(NULL) == NULL, "endpoint(NULL) is NULL");
	ok(redact_key_is_secret("sslpassword") &&
	    redact_key_is_secret("API_TOKEN") &&
	    redact_key_is_secret("requirepass"), "secret key names");
	ok(!redact_key_is_secret("password_file") &&
	    !redact_key_is_secret("user") && !redact_key_is_secret(NULL),
	    "ordinary key names");
	{
		/* A long line: linear scan, every secret found. */
		char	*big = malloc(200000), *p = big;

		for (k = 0; k < 5000; k++)
			p += sprintf(p, "migrate auth password=s%zu ", k);
		got = redact_text(big);
		ok(strstr(got, "=s") == NULL && strlen(got) < strlen(big),
		    "5000 secrets in one long line are all hidden");
		free(got);
		free(big);
	}
	return (done_testing());
}
