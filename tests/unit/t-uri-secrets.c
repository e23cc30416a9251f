/*
 * t-uri-secrets.c - property test: for random passwords over all bytes
 * (1..255), written into Redis URIs and PostgreSQL URIs/conninfo in every
 * accepted form (percent-encoded or quoted where needed), no output of
 * `config show`, `config show --json`, `targets`, `targets --json`, no
 * error of a failed connect (`redis ping` to a closed port or a missing
 * socket) and no log line contains the password, raw or as written.
 * Commands run in-process through the real command table, as main runs
 * them. MCPDB_URI_CASES (default 2000) and MCPDB_URI_SEED (default fixed,
 * printed) make a failure reproducible. Needs no server.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "conn.h"
#include "log.h"
#include "out.h"
#include "rdsuri.h"
#include "tap.h"
#include "xmem.h"

#define PW_MIN	8	/* shorter could match other text by chance */
#define PW_MAX	24

static unsigned long long	 rng_state;
static char			*tmpdir;

/* xorshift64*: a fixed, portable sequence for a given seed. */
static unsigned
rng(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return ((unsigned)((rng_state * 2685821657736338717ULL) >> 33) % n);
}

/* A random password of bytes 1..255, NUL-terminated. */
static void
rand_password(char *pw)
{
	size_t	n = PW_MIN + rng(PW_MAX - PW_MIN + 1), i;

	for (i = 0; i < n; i++)
		pw[i] = (char)(1 + rng(255));
	pw[n] = '\0';
}

/*
 * Append pw for a URI part: a byte in must (and every non-ASCII or control
 * byte half of the time) is %XX-encoded, the rest raw at random, so both
 * the raw forms the parser accepts and escapes get exercised.
 */
static void
put_enc(struct buf *b, const char *pw, const char *must)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)pw; *p != '\0'; p++)
		if (strchr(must, *p) != NULL || *p == '%' || rng(3) == 0 ||
		    ((*p < 0x21 || *p > 0x7e) && rng(2) == 0))
			buf_printf(b, "%%%02X", *p);
		else
			buf_putc(b, *p);
}

/* A Redis location holding pw, in form k; *written gets the raw text. */
static char *
redis_uri(int k, const char *pw)
{
	struct buf	b;
	char		*s;

	buf_init(&b);
	switch (k % 6) {
	case 0:		/* user:password, port closed */
		buf_puts(&b, "redis://app:");
		put_enc(&b, pw, "/?#");
		buf_puts(&b, "@127.0.0.1:1/0");
		break;
	case 1:		/* password only (redis-cli): no ':' raw */
		buf_puts(&b, "redis://");
		put_enc(&b, pw, "/?#:");
		buf_puts(&b, "@127.0.0.1:1/2");
		break;
	case 2:		/* ?password= on TCP: no '&', '+', '@' raw */
		buf_puts(&b, "redis://127.0.0.1:1/?password=");
		put_enc(&b, pw, "&#+@");
		buf_puts(&b, "&db=1");
		break;
	case 3:		/* unix:///path?db=3&password= */
		buf_printf(&b, "unix://%s/none.sock?db=3&password=", tmpdir);
		put_enc(&b, pw, "&#+@");
		break;
	case 4:		/* unix://user:pw@/path?db=3 (redis-py) */
		buf_puts(&b, "unix://app:");
		put_enc(&b, pw, "/?#");
		buf_printf(&b, "@%s/none.sock?db=3", tmpdir);
		break;
	default:	/* IPv6 host */
		buf_puts(&b, "redis://u:");
		put_enc(&b, pw, "/?#");
		buf_puts(&b, "@[::1]:1");
		break;
	}
	s = buf_detach(&b);
	buf_done(&b);
	return (s);
}

/* A PostgreSQL setting holding pw (URI or conninfo, form k). */
static char *
pg_conn(int k, const char *pw)
{
	struct buf		 b;
	const unsigned char	*p;
	char			*s;

	buf_init(&b);
	switch (k % 3) {
	case 0:
		buf_puts(&b, "postgresql://app:");
		put_enc(&b, pw, "/?#@:&=");
		buf_puts(&b, "@127.0.0.1:1/db?connect_timeout=1");
		break;
	case 1:
		buf_puts(&b, "postgresql://127.0.0.1:1/db?password=");
		put_enc(&b, pw, "/?#@:&=");
		break;
	default:
		buf_puts(&b, "host=127.0.0.1 port=1 password='");
		for (p = (const unsigned char *)pw; *p != '\0'; p++) {
			if (*p == '\'' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_puts(&b, "' dbname=db");
		break;
	}
	s = buf_detach(&b);
	buf_done(&b);
	return (s);
}

/* True when hay (n bytes) contains needle. */
static bool
has(const char *hay, size_t n, const char *needle)
{
	return (memmem(hay, n, needle, strlen(needle)) != NULL);
}

/* Write a config file with target "t" = { pg, redis }. */
static void
write_config(const char *path, const char *pg, const char *redis)
{
	cJSON	*root = cJSON_CreateObject(), *ts, *t;
	char	*text;
	FILE	*fp;

	ts = cJSON_AddObjectToObject(root, "targets");
	t = cJSON_AddObjectToObject(ts, "t");
	if (pg != NULL)
		cJSON_AddStringToObject(t, "pg", pg);
	if (redis != NULL)
		cJSON_AddStringToObject(t, "redis", redis);
	text = cJSON_Print(root);
	fp = fopen(path, "w");
	if (fp == NULL)
		bail_out("cannot write %s", path);
	fputs(text, fp);
	fclose(fp);
	chmod(path, 0600);
	free(text);
	cJSON_Delete(root);
}

/*
 * Run command name with json on, for the target of the config file at
 * path; appends its output and any error message to all. Returns the
 * command's status.
 */
static int
run(const char *name, bool json, const char *path, const char *pg_flag,
    struct logger *log, struct buf *all)
{
	const struct cmd_entry	*e = cmd_lookup(name);
	struct conf_flags	 f = { 0 };
	struct cmd_ctx		 ctx = { 0 };
	struct cmd_args		*a;
	struct mc_err		 err = { 0 };
	char			*text = NULL, *argv[1] = { NULL };
	size_t			 len = 0;
	FILE			*fp;
	int			 st = -1;

	f.config_path = path;
	f.target = "t";
	f.pg = pg_flag;
	if (e == NULL || (a = cmd_args_parse(e, 0, argv, &err)) == NULL)
		bail_out("command %s: %s", name, err.msg);
	if ((ctx.conf = conf_load(&f, log, &err)) != NULL) {
		fp = open_memstream(&text, &len);
		ctx.target = conf_target(ctx.conf);
		ctx.log = log;
		ctx.out = out_new_file(fp, json, false);
		ctx.json = json;
		st = cmd_run(e, &ctx, a, &err);
		out_free(ctx.out);
		fclose(fp);
		buf_append(all, text, len);
		free(text);
		conn_close(ctx.conn);
		conf_free(ctx.conf);
	}
	buf_printf(all, "\nerror: %s\n", err.msg);
	cmd_args_free(a);
	return (st);
}

/* Values the config refuses: the error quotes no piece of the secret. */
static void
test_refused_echo(const char *cfg)
{
	static const char *const redis[] = {
		"redis://u:first/secondhalf@h", "redis://u:first?secondhalf@h",
		"redis://first secondhalf@h:x",
		"redis://h/?password=first@secondhalf",
		"redis://u:first#secondhalf@h", "redis://u:%zzfirst@h",
		"redis://u:first@h:99999?password=secondhalf",
		"rediss://u:first/secondhalf@h", "http://u:firstsecondhalf@h",
		"unix://u:firstsecondhalf@host/x.sock", "first:secondhalf@h",
	};
	static const char *const pg[] = {
		"host=x password=first secondhalf",
		"postgresql://u:first@h:5432/db?bogus_option=secondhalf",
		"host=x password='first secondhalf",
	};
	struct conf_flags	 f = { 0 };
	struct mc_err		 err;
	struct conf		*c;
	size_t			 i;

	write_config(cfg, NULL, NULL);
	f.config_path = cfg;
	f.target = "t";
	for (i = 0; i < sizeof(redis) / sizeof(redis[0]); i++) {
		mc_err_clear(&err);
		f.redis = redis[i];
		c = conf_load(&f, NULL, &err);
		ok(c == NULL && strncmp(err.msg, "--redis: ", 9) == 0 &&
		    strstr(err.msg, "first") == NULL &&
		    strstr(err.msg, "second") == NULL,
		    "--redis refused without a piece of the secret: %s",
		    err.msg);
		conf_free(c);
	}
	f.redis = NULL;
	for (i = 0; i < sizeof(pg) / sizeof(pg[0]); i++) {
		mc_err_clear(&err);
		f.pg = pg[i];
		c = conf_load(&f, NULL, &err);
		ok(c == NULL && strncmp(err.msg, "--pg: ", 6) == 0 &&
		    strstr(err.msg, "first") == NULL &&
		    strstr(err.msg, "second") == NULL,
		    "--pg refused without a piece of the secret: %s", err.msg);
		conf_free(c);
	}
}

int
main(void)
{
	const char	*cs = getenv("MCPDB_URI_CASES");
	const char	*ss = getenv("MCPDB_URI_SEED");
	const char	*tmp = getenv("TMPDIR");
	char		 pw[PW_MAX + 1], *cfg, *logpath, *uri, *pg, *tmpl;
	char		*logtext = NULL;
	struct buf	 all;
	struct logger	*log;
	struct mc_err	 err = { 0 };
	struct rdsuri	 u;
	long		 ncases = cs != NULL ? atol(cs) : 2000, i;
	unsigned long long seed = ss != NULL ? strtoull(ss, NULL, 0) :
	    0x6d63706462ULL;
	size_t		 loglen = 0, bad_parse = 0, bad_out = 0;
	size_t		 refused = 0;
	size_t		 bad_pg = 0;
	FILE		*fp;

	if (ncases <= 0)
		ncases = 2000;
	rng_state = seed;
	diag("seed 0x%llx, %ld cases (MCPDB_URI_SEED / MCPDB_URI_CASES to "
	    "change)", seed, ncases);
	tmpl = xasprintf("%s/t-uri.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : P_tmpdir);
	if ((tmpdir = mkdtemp(tmpl)) == NULL)
		bail_out("mkdtemp failed");
	cfg = xasprintf("%s/config.json", tmpdir);
	logpath = xasprintf("%s/trace.log", tmpdir);
	log = log_new(LOGL_TRACE, LOGF_TEXT);
	log_set_quiet_stderr(log, true);
	if (log_set_file(log, logpath, &err) != 0)
		bail_out("log file: %s", err.msg);
	buf_init(&all);

	for (i = 0; i < ncases; i++) {
		rand_password(pw);
		uri = redis_uri((int)i, pw);
		pg = pg_conn((int)i, pw);
		/* the parser reads back exactly the password written */
		if (rdsuri_parse(uri, &u, &err) != 0 || u.password == NULL ||
		    strcmp(u.password, pw) != 0) {
			if (bad_parse++ < 3)
				diag("case %ld: parse: %s", i, err.msg);
		}
		rdsuri_done(&u);
		write_config(cfg, pg, uri);
		buf_reset(&all);
		run("config show", false, cfg, NULL, log, &all);
		run("config show", true, cfg, NULL, log, &all);
		run("targets", false, cfg, NULL, log, &all);
		run("targets", true, cfg, NULL, log, &all);
		if (run("redis ping", false, cfg, NULL, log, &all) == 0)
			bail_out("case %ld: redis ping to a closed port "
			    "succeeded", i);
		if (!has(all.data, all.len, "error: redis "))
			refused++;
		if (i < 6 && getenv("MCPDB_URI_SHOW") != NULL)
			diag("case %ld: %s", i, all.data);
		if (has(all.data, all.len, pw) || has(all.data, all.len, uri) ||
		    !has(all.data, all.len, "***")) {
			if (bad_out++ < 3)
				diag("case %ld (form %ld): password shown "
				    "in: %s", i, i % 6, all.data);
		}
		/* the same password in --pg (URI or conninfo) */
		buf_reset(&all);
		write_config(cfg, NULL, NULL);
		run("config show", false, cfg, pg, log, &all);
		run("config show", true, cfg, pg, log, &all);
		if (has(all.data, all.len, pw) || has(all.data, all.len, pg) ||
		    !has(all.data, all.len, "***")) {
			if (bad_pg++ < 3)
				diag("case %ld (pg form %ld): password shown "
				    "in: %s", i, i % 3, all.data);
		}
		free(uri);
		free(pg);
	}
	is_int((long long)bad_parse, 0,
	    "every password reads back exactly from its URI");
	is_int((long long)bad_out, 0,
	    "no Redis password in config show/targets (text, --json) or the "
	    "failed connect");
	is_int((long long)refused, 0,
	    "every failed connect said why (a redis connect error)");
	is_int((long long)bad_pg, 0,
	    "no PostgreSQL password in config show (text, --json) for --pg");
	log_free(log);

	/* the log of everything above: no password of any case */
	if ((fp = fopen(logpath, "r")) != NULL) {
		char	chunk[65536];
		size_t	n;
		struct buf lb;

		buf_init(&lb);
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			buf_append(&lb, chunk, n);
		fclose(fp);
		logtext = buf_detach(&lb);
		loglen = strlen(logtext);
		buf_done(&lb);
	}
	rng_state = seed;
	bad_out = 0;
	for (i = 0; i < ncases; i++) {
		rand_password(pw);
		/* replay the generator's other draws for this case */
		free(redis_uri((int)i, pw));
		free(pg_conn((int)i, pw));
		if (logtext != NULL && has(logtext, loglen, pw))
			bad_out++;
	}
	ok(logtext != NULL, "a trace log was written (%zu bytes)", loglen);
	is_int((long long)bad_out, 0, "no password in any log line");
	free(logtext);

	test_refused_echo(cfg);
	buf_done(&all);
	unlink(cfg);
	unlink(logpath);
	rmdir(tmpdir);
	free(cfg);
	free(logpath);
	free(tmpl);
	return (done_testing());
}
