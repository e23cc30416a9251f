/*
 * t-rds-slot.c - Redis Cluster pieces that need no server: CRC16 and key
 * slots (Redis's own test vectors and hash-tag rules: empty tags, unbalanced
 * braces, the first tag only), which argument of a command is its key,
 * CROSSSLOT detection, and the redis+cluster:// parser as a table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rds-cluster.h"
#include "tap.h"

/* One key and the slot CLUSTER KEYSLOT gives on Redis 7.0.15. */
struct slot_case {
	const char	*key;
	int		 slot;
};

/* One cluster URI: expect its seeds, or an error containing err. */
struct uri_case {
	const char	*uri;
	const char	*seeds;		/* "h:p,h:p" when it parses, else NULL */
	const char	*auth;		/* auth_uri, or NULL */
	const char	*err;		/* substring of the error */
};

static const struct slot_case slot_cases[] = {
	{ "123456789", 12739 },		/* 0x31C3: the CRC16 XMODEM check value */
	{ "foo", 12182 },
	{ "user1000", 3443 },
	{ "{user1000}.following", 3443 },
	{ "{user1000}.followers", 3443 },
	{ "foo{}{bar}", 8363 },		/* empty first tag: whole key */
	{ "foo{{bar}}zap", 4015 },	/* tag is "{bar" */
	{ "foo{bar}{zap}", 5061 },	/* first tag only: "bar" */
	{ "bar", 5061 },
	{ "{", 4092 },			/* unbalanced: whole key */
	{ "}{", 12793 },
	{ "{}", 15257 },
	{ "", 0 },
};

static const struct uri_case uri_cases[] = {
	{ "redis+cluster://127.0.0.1:7000", "127.0.0.1:7000",
	    "redis://127.0.0.1:7000", NULL },
	{ "redis+cluster://a:7000,b:7001,c", "a:7000,b:7001,c:6379",
	    "redis://a:7000", NULL },
	{ "redis+cluster://u:p%40ss@h1:1,h2:2/", "h1:1,h2:2",
	    "redis://u:p%40ss@h1:1", NULL },
	{ "REDIS+CLUSTER://[::1]:7000,[fe80::1]", "::1:7000,fe80::1:6379",
	    "redis://[::1]:7000", NULL },
	{ "redis+cluster://h:7000/0", "h:7000", "redis://h:7000", NULL },
	{ "redis+cluster://", NULL, NULL, "empty seed" },
	{ "redis+cluster://h:7000,,h2:1", NULL, NULL, "empty seed" },
	{ "redis+cluster://h:0", NULL, NULL, "port must be 1..65535" },
	{ "redis+cluster://h:99999", NULL, NULL, "port must be 1..65535" },
	{ "redis+cluster://h:x", NULL, NULL, "port must be 1..65535" },
	{ "redis+cluster://h:7000/2", NULL, NULL, "only database 0" },
	{ "redis+cluster://h:7000?x=1", NULL, NULL, "no ?options" },
	{ "redis+cluster://::1:7000", NULL, NULL, "needs brackets" },
	{ "redis+cluster://[::1:7000", NULL, NULL, "unclosed" },
	{ "redis+cluster://secret@:7000", NULL, NULL, "empty host" },
	{ "redis://h:7000", NULL, NULL, "not a redis+cluster" },
	/* Over TLS: every node is dialled as rediss://. */
	{ "rediss+cluster://u:p%40ss@h1:1,h2:2/", "h1:1,h2:2",
	    "rediss://u:p%40ss@h1:1", NULL },
	{ "REDISS+CLUSTER://[::1]:7000,h", "::1:7000,h:6379",
	    "rediss://[::1]:7000", NULL },
	{ "rediss+cluster://h:7000/3", NULL, NULL, "only database 0" },
	{ "rediss://h:7000", NULL, NULL, "not a redis+cluster" },
	/* Found by fuzz-rdsuri: accepted here, refused when dialled. */
	{ "redis+cluster://ops:secret@%%%", NULL, NULL,
	    "seed \"%%%\": invalid character in the host" },
	{ "redis+cluster://ops:secret%zz@h:7000", NULL, NULL,
	    "user info: invalid %-escape in the password" },
};

/* The slot of a command given as words. */
static int
cmd_slot(const char *const *argv, int argc, struct mc_err *err)
{
	return (rds_cluster_cmd_slot(argc, argv, NULL, err));
}

int
main(void)
{
	struct rdsuri_cluster	 u;
	struct mc_err		 err;
	char			 seeds[512];
	size_t			 i, j, n;
	int			 rc;

	plan(13 + 12 + 3 * 22 + 4);
	for (i = 0; i < sizeof(slot_cases) / sizeof(slot_cases[0]); i++)
		is_int(rds_cluster_keyslot(slot_cases[i].key,
		    strlen(slot_cases[i].key)), slot_cases[i].slot,
		    "keyslot(\"%s\")", slot_cases[i].key);

	/* Which words are keys. */
	{
		const char *get[] = { "get", "foo" };
		const char *ping[] = { "PING" };
		const char *info[] = { "INFO", "memory" };
		const char *pub[] = { "PUBLISH", "foo", "x" };
		const char *mset_ok[] = { "MSET", "{u}a", "1", "{u}b", "foo" };
		const char *mset_bad[] = { "MSET", "foo", "1", "bar", "2" };
		const char *del_bad[] = { "DEL", "foo", "bar" };
		const char *eval[] = { "EVAL", "return 1", "2", "{t}x", "{t}y", "foo" };
		const char *eval0[] = { "EVAL", "return 1", "0", "foo" };
		const char *blpop[] = { "BLPOP", "{q}1", "{q}2", "0" };
		const char *spub[] = { "SPUBLISH", "foo", "x" };

		is_int(cmd_slot(get, 2, NULL), 12182, "GET foo -> slot of foo");
		is_int(cmd_slot(ping, 1, NULL), -1, "PING has no key");
		is_int(cmd_slot(info, 2, NULL), -1, "INFO memory has no key");
		is_int(cmd_slot(pub, 3, NULL), -1, "PUBLISH goes to any node");
		is_int(cmd_slot(mset_ok, 5, NULL), rds_cluster_keyslot("u", 1),
		    "MSET keys are every other word (values are not hashed)");
		memset(&err, 0, sizeof(err));
		is_int(cmd_slot(mset_bad, 5, &err), -2, "MSET foo bar: CROSSSLOT");
		like(err.msg, "CROSSSLOT: keys \"foo\" (slot 12182) and \"bar\" "
		    "(slot 5061)", "the error names both keys and slots");
		memset(&err, 0, sizeof(err));
		is_int(cmd_slot(del_bad, 3, &err), -2, "DEL foo bar: CROSSSLOT");
		is_int(cmd_slot(eval, 6, NULL), rds_cluster_keyslot("t", 1),
		    "EVAL: numkeys keys only (foo is an argument)");
		is_int(cmd_slot(eval0, 4, NULL), -1, "EVAL with 0 keys is keyless");
		is_int(cmd_slot(blpop, 4, NULL), rds_cluster_keyslot("q", 1),
		    "BLPOP: the timeout is not a key");
		is_int(cmd_slot(spub, 3, NULL), 12182, "SPUBLISH hashes its channel");
	}

	for (i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
		const struct uri_case *c = &uri_cases[i];

		memset(&err, 0, sizeof(err));
		rc = rdsuri_cluster_parse(c->uri, &u, &err);
		if (c->seeds != NULL) {
			seeds[0] = '\0';
			for (j = 0; rc == 0 && j < u.nseeds; j++) {
				n = strlen(seeds);
				snprintf(seeds + n, sizeof(seeds) - n, "%s%s:%d",
				    j ? "," : "", u.seeds[j].host, u.seeds[j].port);
			}
			ok(rc == 0, "%s parses: %s", c->uri, err.msg);
			is_str(seeds, c->seeds, "%s: seeds", c->uri);
			is_str(rc == 0 ? u.auth_uri : "", c->auth, "%s: auth URI",
			    c->uri);
			if (rc == 0)
				rdsuri_cluster_done(&u);
		} else {
			ok(rc == -1 && err.code == MC_E_CONFIG, "%s is refused", c->uri);
			like(err.msg, c->err, "%s: says why", c->uri);
			unlike(err.msg, "secret", "%s: no secret in the message", c->uri);
		}
	}
	ok(rdsuri_cluster_tls("rediss+cluster://h:1") &&
	    rdsuri_cluster_is("rediss+cluster://h:1"),
	    "rediss+cluster:// is a cluster target over TLS");
	ok(!rdsuri_cluster_tls("redis+cluster://h:1") &&
	    !rdsuri_cluster_tls("rediss://h:1"),
	    "redis+cluster:// and rediss:// are not");
	memset(&err, 0, sizeof(err));
	ok(rdsuri_cluster_parse("rediss+cluster://h:1", &u, &err) == 0 && u.tls,
	    "a parsed rediss+cluster:// says tls");
	rdsuri_cluster_done(&u);
	ok(rdsuri_cluster_parse("redis+cluster://h:1", &u, &err) == 0 && !u.tls,
	    "a parsed redis+cluster:// does not");
	rdsuri_cluster_done(&u);
	return (done_testing());
}
