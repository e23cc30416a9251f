/*
 * t-rds.c - the Redis client against the harness server (MCPDB_TEST_REDIS
 * = unix socket, MCPDB_TEST_REDIS_URL = redis://127.0.0.1:PORT/0): socket
 * options (hiredis traps 1, 2, 3, 4), AUTH with an ACL user, SELECT,
 * SETNAME, commands and error replies, JSON helpers, pipelining, 8 threads
 * on one client, tracking, health, Pub/Sub with a quiet channel, and an
 * over-deep reply. Non-destructive: keys live under a per-run prefix and
 * are deleted at the end; the ACL user is dropped.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "log.h"
#include "rds.h"
#include "rds-run.h"
#include "rds-warm.h"
#include "tap.h"

static const char	*sock_path;
static const char	*tcp_url;
static char		 prefix[64];

/* Monotonic milliseconds. */
static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Sleep ms milliseconds. */
static void
sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* An admin command on a raw connection to the harness socket. */
static redisReply *
admin(const char *fmt, ...)
{
	struct timeval	 tv = { 2, 0 };
	redisContext	*c = redisConnectUnixWithTimeout(sock_path, tv);
	redisReply	*r;
	va_list		 ap;

	if (c == NULL || c->err) {
		redisFree(c);
		return (NULL);
	}
	redisSetTimeout(c, tv);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	return (r);
}

/* A target for url with test-friendly timeouts. */
static void
target_for(struct conf_target *t, const char *url)
{
	memset(t, 0, sizeof(*t));
	conf_target_defaults(t);
	t->name = "itest";
	t->redis = (char *)url;
	t->redis_opts.connect_timeout_ms = 1000;
	t->redis_opts.command_timeout_ms = 1500;
	t->redis_opts.keepalive = 1;
	t->redis_opts.backoff_base_ms = 20;
	t->redis_opts.backoff_cap_ms = 200;
}

/* A new client or bail out. */
static struct rds *
client(const char *url, struct logger *log)
{
	struct conf_target	t;
	struct mc_err		err = { 0 };
	struct rds		*r;

	target_for(&t, url);
	if ((r = rds_new(&t, log, "itest", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	return (r);
}

/* "<prefix>name" in a static buffer. */
static const char *
key(const char *name)
{
	static char	k[64][128];	/* a ring: callers keep up to 63 at once */
	static int	i;

	i = (i + 1) % 64;
	snprintf(k[i], sizeof(k[i]), "%s%s", prefix, name);
	return (k[i]);
}

/* Traps 1-4 and connection setup on the unix socket and on TCP. */
static void
test_sockets(void)
{
	struct rds		*r;
	struct rds_sockinfo	 si, si2;
	struct mc_err		 err = { 0 };
	struct rds_stats	*st;
	struct rds_reply	*rep;
	redisReply		*k;
	const char		*argv[] = { "CLIENT", "GETNAME" };

	/* Unix socket with keepalive requested: trap 4 says never on a socket. */
	r = client(sock_path, NULL);
	ok(rds_ping(r, NULL, &err) == 0, "PING over the unix socket: %s", err.msg);
	ok(rds_sockinfo(r, &si, &err) == 0, "sockinfo: %s", err.msg);
	ok(si.unix_socket, "it is a unix socket");
	ok(!si.keepalive, "trap 4: no keepalive on a unix socket (context survives)");
	is_int(si.rcvtimeo_ms, 1500, "trap 1: the command timeout is set (SO_RCVTIMEO)");
	is_int(si.sndtimeo_ms, 1500, "trap 1: SO_SNDTIMEO too");
	rep = rds_command(r, 0, 2, argv, NULL, &err);
	is_str(rep ? rep->str : err.msg, "mcpdb-itest", "CLIENT SETNAME mcpdb-<component>");
	rds_reply_free(rep);
	rds_free(r);

	if (tcp_url == NULL) {
		skip(11, "MCPDB_TEST_REDIS_URL not set: no TCP tests");
		return;
	}
	r = client(tcp_url, NULL);
	ok(rds_sockinfo(r, &si, &err) == 0, "TCP sockinfo: %s", err.msg);
	ok(!si.unix_socket && si.keepalive, "TCP: keepalive on");
	is_int(si.rcvtimeo_ms, 1500, "TCP: command timeout set");

	/* Trap 2 + 3: the server drops us; the next call dials a fresh context
	 * and the options are there again. */
	k = admin("CLIENT KILL ID %lld", si.client_id);
	ok(k != NULL && k->type == REDIS_REPLY_INTEGER && k->integer == 1,
	    "killed our connection (id %lld)", si.client_id);
	freeReplyObject(k);
	sleep_ms(50);
	ok(rds_sockinfo(r, &si2, &err) == 0, "after CLIENT KILL the client dials again: %s",
	    err.msg);
	ok(si2.client_id != si.client_id, "a new connection (id %lld -> %lld)",
	    si.client_id, si2.client_id);
	ok(si2.keepalive, "trap 2: keepalive re-applied after the reconnect");
	is_int(si2.rcvtimeo_ms, 1500, "trap 2: command timeout re-applied after the reconnect");
	st = rds_stats(r);
	is_int((long long)st->reconnects, 1, "one reconnect counted");
	is_int((long long)st->disconnects, 1, "one context discarded");
	rds_stats_free(st);
	/* A write after the server dropped an idle connection is not lost. */
	k = admin("CLIENT KILL ID %lld", si2.client_id);
	freeReplyObject(k);
	sleep_ms(50);
	ok(rds_set(r, key("after-kill"), "v", 1, 0, &err) == 0,
	    "a write on a connection the server closed while idle goes through: %s", err.msg);
	rds_free(r);
}

/* Plain commands, error replies, binary values, TTL, SELECT. */
static void
test_commands(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct mc_err		 err = { 0 };
	struct rds_reply	*rep;
	char			*v, url[600];
	size_t			 len;
	long long		 n;
	const char		*incr[] = { "INCR", key("str") };
	const char		*ttl[] = { "TTL", key("ttl") };
	static const char	 bin[] = { 'a', '\0', 'b', '\r', '\n', 'c' };
	redisReply		*k;
	int64_t			 rtt = 0;

	ok(rds_ping(r, &rtt, &err) == 0 && rtt > 0, "PING with a round trip (%lld us)",
	    (long long)rtt);
	ok(rds_set(r, key("str"), "hello", 5, 0, &err) == 0, "SET: %s", err.msg);
	ok(rds_get(r, key("str"), &v, &len, &err) == 0 && len == 5 &&
	    strcmp(v, "hello") == 0, "GET returns it");
	free(v);
	ok(rds_get(r, key("missing"), &v, &len, &err) == -1 && err.code == MC_E_NOTFOUND,
	    "GET of a missing key: MC_E_NOTFOUND: %s", err.msg);
	ok(rds_set(r, key("bin"), bin, sizeof(bin), 0, &err) == 0 &&
	    rds_get(r, key("bin"), &v, &len, &err) == 0 && len == sizeof(bin) &&
	    memcmp(v, bin, len) == 0, "binary values with NUL and CRLF round-trip");
	free(v);
	ok(rds_set(r, key("ttl"), "x", 1, 100, &err) == 0, "SET with a TTL");
	rep = rds_command(r, 0, 2, ttl, NULL, &err);
	ok(rep && rep->type == RDS_INTEGER && rep->integer > 0 && rep->integer <= 100,
	    "TTL is (0, 100]: %lld", rep ? rep->integer : -9);
	rds_reply_free(rep);

	rep = rds_command(r, 0, 2, incr, NULL, &err);
	ok(rep == NULL && err.code == MC_E_REDIS, "an error reply fails as MC_E_REDIS");
	like(err.msg, "INCR: ERR value is not an integer", "with the verb and the reply: %s",
	    err.msg);
	rep = rds_command(r, RDS_F_ERROR_REPLY, 2, incr, NULL, &err);
	ok(rep && rep->type == RDS_ERROR, "RDS_F_ERROR_REPLY hands the error back as a value");
	rds_reply_free(rep);
	ok(rds_ping(r, NULL, &err) == 0, "the connection survives error replies");
	ok(rds_del(r, key("str"), &n, &err) == 0 && n == 1, "DEL counts 1");
	ok(rds_del(r, key("str"), &n, &err) == 0 && n == 0, "DEL again counts 0");
	rds_free(r);

	/* SELECT: db 5 from the URL. */
	snprintf(url, sizeof(url), "unix://%s?db=5", sock_path);
	r = client(url, NULL);
	ok(rds_set(r, key("db5"), "five", 4, 60, &err) == 0, "SET in db 5: %s", err.msg);
	k = admin("GET %s", key("db5"));
	ok(k != NULL && k->type == REDIS_REPLY_NIL, "not visible in db 0");
	freeReplyObject(k);
	rds_del(r, key("db5"), NULL, &err);
	rds_free(r);
}

/* A subscriber callback that should never be called. */
static void
on_nothing(void *arg, const struct rds_sub_msg *m)
{
}

/* ACL user AUTH; a wrong password is a clear error without the password. */
static void
test_auth(void)
{
	char			 user[64], pw[64], url[700], logpath[600], buf[8192];
	struct rds		*r;
	struct mc_err		 err = { 0 };
	struct rds_reply	*rep;
	const char		*who[] = { "ACL", "WHOAMI" };
	redisReply		*k;
	struct logger		*log;
	FILE			*fp;
	size_t			 n;
	int			 fd;
	const char		*ch[] = { "mcpdb-test:nochan" };
	struct rds_sub_spec	 spec = { .channels = ch, .nchannels = 1, .cb = on_nothing };
	struct rds_sub		*sub;
	double			 t0;

	snprintf(user, sizeof(user), "mcpdb_t_%d", (int)getpid());
	snprintf(pw, sizeof(pw), "Pw-%d-topsecret", (int)getpid());
	k = admin("ACL SETUSER %s on >%s ~* &* +@all", user, pw);
	if (k == NULL || k->type != REDIS_REPLY_STATUS) {
		freeReplyObject(k);
		skip(11, "ACL SETUSER failed (server without ACLs?)");
		return;
	}
	freeReplyObject(k);
	snprintf(logpath, sizeof(logpath), "%s/mcpdb-t-rds.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(logpath)) < 0)
		bail_out("mkstemp: %s", logpath);
	close(fd);
	log = log_new(LOGL_TRACE, LOGF_TEXT);
	log_set_file(log, logpath, &err);

	snprintf(url, sizeof(url), "unix://%s:%s@%s", user, pw, sock_path);
	r = client(url, log);
	rep = rds_command(r, 0, 2, who, NULL, &err);
	is_str(rep ? rep->str : err.msg, user, "AUTH with an ACL user: ACL WHOAMI names it");
	rds_reply_free(rep);
	rds_free(r);

	snprintf(url, sizeof(url), "unix://%s:wrong-%s@%s", user, pw, sock_path);
	r = client(url, log);
	ok(rds_ping(r, NULL, &err) == -1, "a wrong password fails");
	like(err.msg, "AUTH as user", "the error says AUTH failed: %s", err.msg);
	like(err.msg, "WRONGPASS", "with the server's reason");
	unlike(err.msg, "topsecret", "and without the password");
	rds_free(r);
	if (tcp_url != NULL) {
		char	host[300];

		snprintf(host, sizeof(host), "%s", tcp_url + strlen("redis://"));
		snprintf(url, sizeof(url), "redis://%s:%s@%s", user, pw, host);
		r = client(url, log);
		ok(rds_ping(r, NULL, &err) == 0, "ACL AUTH over TCP: %s", err.msg);
		rds_free(r);
	} else
		skip(1, "no TCP URL");
	/* A user without channel rights: the first SUBSCRIBE fails, clearly. */
	k = admin("ACL SETUSER %s_nc on >%s ~* resetchannels +@all", user, pw);
	freeReplyObject(k);
	snprintf(url, sizeof(url), "unix://%s_nc:%s@%s", user, pw, sock_path);
	r = client(url, log);
	t0 = now_ms();
	sub = rds_sub_new(r, &spec, &err);
	ok(sub == NULL && now_ms() - t0 < 3000, "a SUBSCRIBE the server refuses fails "
	    "rds_sub_new at once (%.0f ms)", now_ms() - t0);
	like(err.msg, "NOPERM", "with the server's reason: %s", err.msg);
	rds_sub_free(sub);
	rds_free(r);
	k = admin("ACL DELUSER %s_nc", user);
	freeReplyObject(k);
	log_free(log);
	n = 0;
	if ((fp = fopen(logpath, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	ok(n > 0, "the client logged something (%zu bytes)", n);
	unlike(buf, "topsecret", "the password never reaches the log");
	unlink(logpath);
	k = admin("ACL DELUSER %s", user);
	ok(k != NULL && k->type == REDIS_REPLY_INTEGER && k->integer == 1, "ACL user dropped");
	freeReplyObject(k);
}

/* JSON helpers. */
static void
test_json(void)
{
	struct rds	*r = client(sock_path, NULL);
	struct mc_err	 err = { 0 };
	cJSON		*in, *out;
	const char	*lp[] = { "RPUSH", key("list"), "a" };
	struct rds_reply *rep;

	in = cJSON_Parse("{\"a\":[1,2,{\"b\":null,\"c\":\"x\\u00e9\"}],"
	    "\"d\":{\"e\":true,\"f\":1.5,\"g\":{\"h\":[[],{}]}},\"s\":\"\"}");
	ok(rds_json_set(r, key("json"), in, 60, &err) == 0, "json set: %s", err.msg);
	out = rds_json_get(r, key("json"), &err);
	ok(out != NULL && cJSON_Compare(in, out, 1), "nested JSON round-trips");
	cJSON_Delete(out);
	cJSON_Delete(in);

	rds_set(r, key("notjson"), "{\"a\": 1,", 8, 60, &err);
	out = rds_json_get(r, key("notjson"), &err);
	ok(out == NULL && err.code == MC_E_INPUT, "non-JSON: typed MC_E_INPUT error");
	like(err.msg, "does not hold JSON", "message: %s", err.msg);
	rds_set(r, key("trail"), "{} junk", 7, 60, &err);
	out = rds_json_get(r, key("trail"), &err);
	ok(out == NULL && err.code == MC_E_INPUT, "trailing junk after JSON is refused: %s",
	    err.msg);
	rds_set(r, key("nul"), "{}\0{}", 5, 60, &err);
	out = rds_json_get(r, key("nul"), &err);
	ok(out == NULL && err.code == MC_E_INPUT, "an embedded NUL is refused, not a crash");
	out = rds_json_get(r, key("nojson"), &err);
	ok(out == NULL && err.code == MC_E_NOTFOUND, "missing key: MC_E_NOTFOUND");
	rep = rds_command(r, 0, 3, lp, NULL, &err);
	rds_reply_free(rep);
	out = rds_json_get(r, key("list"), &err);
	ok(out == NULL && err.code == MC_E_REDIS, "a list key: WRONGTYPE as MC_E_REDIS: %s",
	    err.msg);
	in = cJSON_CreateNumber(42);
	ok(rds_json_set(r, key("num"), in, 0, &err) == 0 &&
	    (out = rds_json_get(r, key("num"), &err)) != NULL && out->valuedouble == 42,
	    "a bare number is JSON too");
	cJSON_Delete(in);
	cJSON_Delete(out);
	rds_free(r);
}

/* rds_pipe_run: one stream of keys cut into batches of 16. */
struct run_ctx {
	size_t		 next, total;
	bool		 get;
	struct {
		const struct rds_pipe	*p;
		size_t			 start;
	}		 at[8];		/* which keys each batch in flight holds */
	size_t		 batches, replies, bad;
	/* the fault test */
	bool		 blpop_sent, killed;
	long long	 killed_id;
};

/* Remember that p now holds the keys from start on. */
static void
run_mark(struct run_ctx *x, const struct rds_pipe *p, size_t start)
{
	size_t	i;

	for (i = 0; i < 8; i++)
		if (x->at[i].p == p || x->at[i].p == NULL) {
			x->at[i].p = p;
			x->at[i].start = start;
			return;
		}
	bail_out("run_mark: more than 8 batches in flight");
}

static size_t
run_start(const struct run_ctx *x, const struct rds_pipe *p)
{
	size_t	i;

	for (i = 0; i < 8; i++)
		if (x->at[i].p == p)
			return (x->at[i].start);
	bail_out("run_start: unknown batch");
	return (0);
}

static int
run_fill(void *arg, struct rds_pipe *p)
{
	struct run_ctx	*x = arg;
	char		 kb[128], vb[32];
	const char	*argv[3];
	size_t		 k;

	if (x->next >= x->total)
		return (0);
	run_mark(x, p, x->next);
	for (k = x->next; k < x->total && k < x->next + 16; k++) {
		snprintf(kb, sizeof(kb), "%srun:%zu", prefix, k);
		snprintf(vb, sizeof(vb), "v%zu", k * 3);
		argv[0] = x->get ? "GET" : "SET", argv[1] = kb, argv[2] = vb;
		rds_pipe_add(p, x->get ? 2 : 3, argv, NULL);
	}
	x->next = k;
	return (1);
}

static void
run_done(void *arg, struct rds_pipe *p, size_t nerr)
{
	struct run_ctx		*x = arg;
	const struct rds_reply	*rep;
	size_t			 i, start = run_start(x, p);
	char			 vb[32];

	x->batches++;
	x->bad += nerr;
	for (i = 0; i < rds_pipe_len(p); i++) {
		rep = rds_pipe_reply(p, i);
		snprintf(vb, sizeof(vb), "v%zu", (start + i) * 3);
		if (rep == NULL || (x->get ? rep->type != RDS_STRING ||
		    strcmp(rep->str, vb) != 0 : rep->type != RDS_STATUS))
			x->bad++;
		x->replies++;
	}
}

static void
test_pipe_run(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	struct run_ctx		 x = { .total = 2000 };
	struct rds_stats	*st;
	redisReply		*rep;
	long long		 before;

	target_for(&t, sock_path);
	t.redis_opts.max_connections = 4;
	if ((r = rds_new(&t, NULL, "itest-run", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	st = rds_stats(r);
	before = (long long)st->pipelined_cmds;
	rds_stats_free(st);
	/* 8 asked for, 4 allowed: capped, not a deadlock on the 5th */
	ok(rds_pipe_run(r, 8, run_fill, run_done, &x, &err) == 0,
	    "rds_pipe_run: 2000 SETs over the client's 4 connections: %s", err.msg);
	is_int((long long)x.batches, 125, "125 batches of 16 answered");
	is_int((long long)x.replies, 2000, "2000 replies handed to done");
	is_int((long long)x.bad, 0, "every SET answered +OK");
	rep = admin("GET %srun:1999", prefix);
	ok(rep != NULL && rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "v5997") == 0,
	    "the last key is on the server");
	freeReplyObject(rep);
	st = rds_stats(r);
	ok(st->open_conns >= 2 && st->open_conns <= 4, "batches ran on several "
	    "connections at once, never above max (open %u)", st->open_conns);
	is_int((long long)st->pipelined_cmds - before, 2000, "pipelined commands counted");
	rds_stats_free(st);

	memset(&x, 0, sizeof(x));
	x.total = 2000;
	x.get = true;
	ok(rds_pipe_run(r, 4, run_fill, run_done, &x, &err) == 0,
	    "rds_pipe_run: 2000 GETs: %s", err.msg);
	ok(x.replies == 2000 && x.bad == 0, "each GET reply is its own key's value, "
	    "in its batch's order (%zu replies, %zu wrong)", x.replies, x.bad);

	memset(&x, 0, sizeof(x));
	ok(rds_pipe_run(r, 4, run_fill, run_done, &x, &err) == 0 && x.batches == 0,
	    "nothing to send: returns at once");
	rds_free(r);
}

/* The fault test's fill: a blocking BLPOP first, then SETs. */
static int
kill_fill(void *arg, struct rds_pipe *p)
{
	struct run_ctx	*x = arg;

	if (!x->blpop_sent) {
		x->blpop_sent = true;
		run_mark(x, p, 0);
		rds_pipe_add(p, 3, (const char *[]){ "BLPOP", key("run-never"), "0" },
		    NULL);
		return (1);
	}
	return (run_fill(arg, p));
}

/* ... and its done: once the BLPOP blocks on the server, kill that connection. */
static void
kill_done(void *arg, struct rds_pipe *p, size_t nerr)
{
	struct run_ctx	*x = arg;
	redisReply	*rep;
	char		*line, *save, *id;

	run_done(arg, p, nerr);
	if (x->killed || (rep = admin("CLIENT LIST TYPE normal")) == NULL)
		return;
	if (rep->type == REDIS_REPLY_STRING)
		for (line = strtok_r(rep->str, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			if (strstr(line, "name=mcpdb-itest-kill ") != NULL &&
			    strstr(line, "cmd=blpop") != NULL &&
			    (id = strstr(line, "id=")) != NULL) {
				x->killed_id = atoll(id + 3);
				break;
			}
	freeReplyObject(rep);
	if (x->killed_id > 0) {
		freeReplyObject(admin("CLIENT KILL ID %lld", x->killed_id));
		x->killed = true;
	}
}

/*
 * A connection dies with a batch in flight: rds_pipe_run stops sending,
 * reads the other batches in flight, and says the batch's outcome is
 * unknown; the client works afterwards.
 */
static void
test_pipe_run_kill(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	struct run_ctx		 x = { .total = 100000 };
	struct rds_pipe		*p;
	struct rds_stats	*st;
	double			 t0;
	int			 rc;

	target_for(&t, sock_path);
	t.redis_opts.max_connections = 4;
	if ((r = rds_new(&t, NULL, "itest-kill", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	t0 = now_ms();
	rc = rds_pipe_run(r, 4, kill_fill, kill_done, &x, &err);
	ok(x.killed, "the BLPOP's connection was found and killed (id %lld)",
	    x.killed_id);
	ok(rc == -1 && strstr(err.msg, "outcome unknown") != NULL,
	    "rds_pipe_run fails naming the unknown outcome: %s", err.msg);
	ok(now_ms() - t0 < 1200, "it failed on the kill, not the 1.5 s "
	    "command timeout (%.0f ms)", now_ms() - t0);
	ok(x.next < x.total, "nothing more was sent after the failure "
	    "(%zu of %zu keys)", x.next, x.total);
	is_int((long long)x.bad, 0, "the batches answered before it were all good");
	st = rds_stats(r);
	ok(st->outcome_unknown >= 1, "outcome_unknown counted (%llu)",
	    (unsigned long long)st->outcome_unknown);
	rds_stats_free(st);
	/* every connection went back: a batch on each of the 4 slots works */
	p = rds_pipe_new(r);
	rds_pipe_add(p, 3, (const char *[]){ "SET", key("run-after"), "1" }, NULL);
	memset(&err, 0, sizeof(err));
	ok(rds_pipe_exec(p, NULL, &err) == 0, "the client works after it: %s",
	    err.msg);
	rds_pipe_free(p);
	memset(&x, 0, sizeof(x));
	x.total = 640;
	ok(rds_pipe_run(r, 4, run_fill, run_done, &x, &err) == 0 && x.bad == 0,
	    "and runs again on all its connections: %s", err.msg);
	rds_free(r);
}

/* Pipelining. */
static void
test_pipe(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct rds_pipe		*p = rds_pipe_new(r);
	struct mc_err		 err = { 0 };
	char			 kb[128], vb[32];
	const char		*argv[3];
	size_t			 i, nerr = 99;
	bool			 good = true;
	const struct rds_reply	*rep;
	struct rds_stats	*st;

	for (i = 0; i < 1000; i++) {
		snprintf(kb, sizeof(kb), "%sp:%zu", prefix, i);
		snprintf(vb, sizeof(vb), "%zu", i * 7);
		argv[0] = "SET", argv[1] = kb, argv[2] = vb;
		rds_pipe_add(p, 3, argv, NULL);
	}
	is_int((long long)rds_pipe_len(p), 1000, "1000 commands queued");
	ok(rds_pipe_exec(p, &nerr, &err) == 0 && nerr == 0, "1000 SETs in one batch: %s",
	    err.msg);
	rds_pipe_reset(p);
	for (i = 0; i < 1000; i++) {
		snprintf(kb, sizeof(kb), "%sp:%zu", prefix, i);
		argv[0] = "GET", argv[1] = kb;
		rds_pipe_add(p, 2, argv, NULL);
	}
	argv[0] = "INCR", argv[1] = key("json");
	rds_pipe_add(p, 2, argv, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == 0, "1000 GETs + one bad INCR: %s", err.msg);
	for (i = 0; i < 1000; i++) {
		rep = rds_pipe_reply(p, i);
		snprintf(vb, sizeof(vb), "%zu", i * 7);
		if (rep == NULL || rep->type != RDS_STRING || strcmp(rep->str, vb) != 0)
			good = false;
	}
	ok(good, "every reply matches its command, in order");
	is_int((long long)nerr, 1, "the error reply is counted");
	ok(rds_pipe_reply(p, 1000) && rds_pipe_reply(p, 1000)->type == RDS_ERROR,
	    "and handed back in place");
	ok(rds_pipe_reply(p, 1001) == NULL, "no reply past the end");
	rds_pipe_reset(p);
	for (i = 0; i < 1000; i++) {
		snprintf(kb, sizeof(kb), "%sp:%zu", prefix, i);
		argv[0] = "DEL", argv[1] = kb;
		rds_pipe_add(p, 2, argv, NULL);
	}
	ok(rds_pipe_exec(p, NULL, &err) == 0, "cleanup batch");
	st = rds_stats(r);
	is_int((long long)st->pipelined_cmds, 3001, "pipelined commands counted");
	rds_stats_free(st);
	rds_pipe_free(p);
	rds_free(r);
}

/* The reply row named name in st, or NULL. */
static const struct rds_cmd_stats *
stat_row(const struct rds_stats *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->ncmds; i++)
		if (strcmp(st->cmds[i].name, name) == 0)
			return (&st->cmds[i]);
	return (NULL);
}

/*
 * Every reply type through a batch (replies are parsed straight into the
 * batch): a 1 MiB value that takes many reads, nil, integer, arrays
 * (empty, nested, nil), status; then plain commands on the same
 * connection get hiredis's own replies again.
 */
static void
test_pipe_replies(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct rds_pipe		*p = rds_pipe_new(r);
	struct mc_err		 err = { 0 };
	size_t			 big = 1 << 20, nerr = 99, i;
	char			*val = malloc(big), *got = NULL, pat[160];
	const struct rds_reply	*rep;
	struct rds_reply	*rr;
	bool			 same;

	for (i = 0; i < big; i++)
		val[i] = (char)('a' + i % 26);
	ok(rds_set(r, key("pbig"), val, big, 0, &err) == 0, "1 MiB value stored: %s",
	    err.msg);
	rr = rds_command(r, 0, 5, (const char *[]){ "RPUSH", key("plist"), "a", "b",
	    "c" }, NULL, &err);
	ok(rr != NULL && rr->type == RDS_INTEGER, "a list of 3: %s", err.msg);
	rds_reply_free(rr);
	snprintf(pat, sizeof(pat), "%s*", prefix);
	rds_pipe_add(p, 2, (const char *[]){ "GET", key("pbig") }, NULL);
	rds_pipe_add(p, 2, (const char *[]){ "GET", key("pnone") }, NULL);
	rds_pipe_add(p, 2, (const char *[]){ "INCR", key("pn") }, NULL);
	rds_pipe_add(p, 4, (const char *[]){ "LRANGE", key("plist"), "0", "-1" }, NULL);
	rds_pipe_add(p, 4, (const char *[]){ "LRANGE", key("pnone"), "0", "-1" }, NULL);
	rds_pipe_add(p, 6, (const char *[]){ "SCAN", "0", "MATCH", pat, "COUNT",
	    "100000" }, NULL);
	rds_pipe_add(p, 1, (const char *[]){ "PING" }, NULL);
	rds_pipe_add(p, 3, (const char *[]){ "BLPOP", key("pnone"), "0.01" }, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == 0 && nerr == 0, "8 mixed replies: %s",
	    err.msg);
	rep = rds_pipe_reply(p, 0);
	ok(rep && rep->type == RDS_STRING && rep->len == big &&
	    memcmp(rep->str, val, big) == 0 && rep->str[big] == '\0',
	    "the 1 MiB value arrives whole and NUL-terminated");
	rep = rds_pipe_reply(p, 1);
	ok(rep && rep->type == RDS_NIL && rep->str == NULL, "a missing key is nil");
	rep = rds_pipe_reply(p, 2);
	ok(rep && rep->type == RDS_INTEGER && rep->integer == 1, "INCR is an integer");
	rep = rds_pipe_reply(p, 3);
	ok(rep && rep->type == RDS_ARRAY && rep->n == 3 &&
	    rep->elem[0].type == RDS_STRING && strcmp(rep->elem[0].str, "a") == 0 &&
	    strcmp(rep->elem[2].str, "c") == 0, "LRANGE is an array of 3 strings");
	rep = rds_pipe_reply(p, 4);
	ok(rep && rep->type == RDS_ARRAY && rep->n == 0 && rep->elem == NULL,
	    "an empty list is an empty array");
	rep = rds_pipe_reply(p, 5);
	same = false;
	if (rep && rep->type == RDS_ARRAY && rep->n == 2 &&
	    rep->elem[0].type == RDS_STRING && rep->elem[1].type == RDS_ARRAY)
		for (i = 0; i < rep->elem[1].n; i++)
			if (strcmp(rep->elem[1].elem[i].str, key("plist")) == 0)
				same = true;
	ok(same, "SCAN is a nested array that lists the test list");
	rep = rds_pipe_reply(p, 6);
	ok(rep && rep->type == RDS_STATUS && strcmp(rep->str, "PONG") == 0,
	    "PING is a status");
	rep = rds_pipe_reply(p, 7);
	ok(rep && rep->type == RDS_NIL, "a timed-out BLPOP is a nil array");
	ok(rds_get(r, key("pbig"), &got, &i, &err) == 0 && i == big &&
	    memcmp(got, val, big) == 0, "then a plain GET on the same connection works: %s",
	    err.msg);
	free(got);
	rds_pipe_free(p);
	free(val);
	rds_free(r);
}

/*
 * Accounting: one "pipeline" call per batch, an error reply makes it a
 * failed call, pipelined_cmds counts the commands of batches that got all
 * their replies; a batch cut off by the command timeout or an unreadable
 * reply counts its unanswered commands as outcome unknown, and the
 * connection is replaced.
 */
static void
test_pipe_accounting(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	struct rds_pipe		*p;
	struct rds_stats	*st;
	const struct rds_cmd_stats *row;
	size_t			 nerr = 99;

	target_for(&t, sock_path);
	t.redis_opts.command_timeout_ms = 300;
	if ((r = rds_new(&t, NULL, "itest", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	p = rds_pipe_new(r);
	rds_pipe_add(p, 3, (const char *[]){ "SET", key("pa"), "1" }, NULL);
	rds_pipe_add(p, 2, (const char *[]){ "GET", key("pa") }, NULL);
	rds_pipe_add(p, 1, (const char *[]){ "PING" }, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == 0 && nerr == 0, "a good batch: %s", err.msg);
	rds_pipe_reset(p);
	rds_pipe_add(p, 2, (const char *[]){ "INCR", key("pa") }, NULL);
	rds_pipe_add(p, 2, (const char *[]){ "HGET", key("pa") }, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == 0 && nerr == 1, "a batch with one error reply");
	rds_pipe_reset(p);
	rds_pipe_add(p, 1, (const char *[]){ "PING" }, NULL);
	rds_pipe_add(p, 3, (const char *[]){ "BLPOP", key("pnone"), "2" }, NULL);
	rds_pipe_add(p, 1, (const char *[]){ "PING" }, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == -1 && err.code == MC_E_TIMEOUT,
	    "a batch cut off by the command timeout fails");
	like(err.msg, "after 1 replies; outcome unknown for the other 2",
	    "and says which outcomes are unknown: %s", err.msg);
	ok(rds_pipe_reply(p, 0) == NULL, "no replies are handed back from it");
	rds_pipe_reset(p);
	rds_pipe_add(p, 1, (const char *[]){ "PING" }, NULL);
	rds_pipe_add(p, 3, (const char *[]){ "EVAL", "return {{{{{{{{{{1}}}}}}}}}}",
	    "0" }, NULL);
	rds_pipe_add(p, 1, (const char *[]){ "PING" }, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == -1, "a reply nested 10 deep fails the batch");
	like(err.msg, "after 1 replies", "after the first reply: %s", err.msg);
	rds_pipe_reset(p);
	rds_pipe_add(p, 2, (const char *[]){ "GET", key("pa") }, NULL);
	ok(rds_pipe_exec(p, &nerr, &err) == 0 && rds_pipe_reply(p, 0)->type == RDS_STRING &&
	    strcmp(rds_pipe_reply(p, 0)->str, "2") == 0,
	    "the next batch works on a fresh connection: %s", err.msg);
	st = rds_stats(r);
	row = stat_row(st, "pipeline");
	ok(row != NULL && row->calls == 5 && row->errors == 3,
	    "5 pipeline calls, 3 failed (error reply, timeout, unreadable): %llu/%llu",
	    row ? (unsigned long long)row->calls : 0,
	    row ? (unsigned long long)row->errors : 0);
	is_int((long long)st->pipelined_cmds, 6, "pipelined_cmds counts the 3 complete batches");
	is_int((long long)st->outcome_unknown, 4, "4 commands with unknown outcome");
	is_int((long long)st->disconnects, 2, "both broken connections were dropped");
	ok(st->calls == 5 && st->errors == 3, "the totals match: %llu calls, %llu errors",
	    (unsigned long long)st->calls, (unsigned long long)st->errors);
	rds_stats_free(st);
	rds_pipe_free(p);
	rds_free(r);
}

struct hammer {
	struct rds	*r;
	int		 id;
	int		 bad;
};

/* One of 8 threads: SET/GET/INCR on its own keys, checking every answer. */
static void *
hammer_main(void *arg)
{
	struct hammer		*h = arg;
	struct mc_err		 err = { 0 };
	char			 k[128], v[32], ck[128], *got;
	size_t			 len;
	int			 i;
	struct rds_reply	*rep;
	const char		*argv[2] = { "INCR", ck };

	snprintf(ck, sizeof(ck), "%sh%d:count", prefix, h->id);
	for (i = 0; i < 500; i++) {
		snprintf(k, sizeof(k), "%sh%d:%d", prefix, h->id, i % 10);
		snprintf(v, sizeof(v), "%d-%d", h->id, i);
		if (rds_set(h->r, k, v, strlen(v), 60, &err) != 0)
			h->bad++;
		if (rds_get(h->r, k, &got, &len, &err) != 0 || strcmp(got, v) != 0)
			h->bad++;
		free(got);
		rep = rds_command(h->r, 0, 2, argv, NULL, &err);
		if (rep == NULL || rep->type != RDS_INTEGER || rep->integer != i + 1)
			h->bad++;
		rds_reply_free(rep);
	}
	return (NULL);
}

/* One blocked command: BLPOP on a key nobody pushes to, for 1 s. */
struct blocker {
	struct rds	*r;
	char		 key[96];
	int		 ok;
};

static void *
blocker_main(void *arg)
{
	struct blocker		*b = arg;
	struct mc_err		 err = { 0 };
	const char		*argv[] = { "BLPOP", b->key, "1" };
	struct rds_reply	*rep = rds_command(b->r, 0, 3, argv, NULL, &err);

	b->ok = rep != NULL && rep->type == RDS_NIL;
	rds_reply_free(rep);
	return (NULL);
}

/* Run n 1-second BLPOPs on r at once; returns the elapsed ms. */
static double
run_blockers(struct rds *r, int n, int *nok)
{
	struct blocker	b[16];
	pthread_t	th[16];
	double		t0 = now_ms();
	int		i;

	for (i = 0; i < n; i++) {
		b[i].r = r;
		b[i].ok = 0;
		snprintf(b[i].key, sizeof(b[i].key), "%s", key("nobody-pushes"));
		pthread_create(&th[i], NULL, blocker_main, &b[i]);
	}
	*nok = 0;
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		*nok += b[i].ok;
	}
	return (now_ms() - t0);
}

/*
 * redis_options.max_connections sizes the client: 16 one-second BLPOPs run
 * at once on 16 connections; with 2 connections and a 300 ms acquire
 * timeout a third command waits that long, then fails naming the setting,
 * and the stats count the wait and the timeout.
 */
static void
test_sizing(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	struct rds_stats	*st;
	double			 ms, t0;
	int			 nok;
	pthread_t		 th[2];
	struct blocker		 b[2];
	int			 i;

	target_for(&t, sock_path);
	t.redis_opts.command_timeout_ms = 3000;
	t.redis_opts.max_connections = 16;
	r = rds_new(&t, NULL, "itest", &err);
	ms = run_blockers(r, 16, &nok);
	is_int(nok, 16, "max_connections 16: 16 BLPOPs all answered");
	ok(ms < 1800, "at once, on 16 connections (%.0f ms for 16 x 1 s)", ms);
	st = rds_stats(r);
	is_int(st->max_conns, 16, "stats: max_conns 16");
	is_int(st->open_conns, 16, "stats: 16 open");
	rds_stats_free(st);
	rds_free(r);

	t.redis_opts.max_connections = 2;
	t.redis_opts.acquire_timeout_ms = 300;
	r = rds_new(&t, NULL, "itest", &err);
	for (i = 0; i < 2; i++) {
		b[i].r = r;
		snprintf(b[i].key, sizeof(b[i].key), "%s", key("nobody-pushes"));
		pthread_create(&th[i], NULL, blocker_main, &b[i]);
	}
	sleep_ms(200);
	t0 = now_ms();
	ok(rds_ping(r, NULL, &err) == -1 && err.code == MC_E_TIMEOUT,
	    "max_connections 2, both busy: a third command times out: %s", err.msg);
	ms = now_ms() - t0;
	ok(ms >= 280 && ms < 700, "after the 300 ms acquire timeout (%.0f ms)", ms);
	ok(strstr(err.msg, "all 2 connections") != NULL &&
	    strstr(err.msg, "acquire_timeout_ms") != NULL &&
	    strstr(err.msg, "max_connections") != NULL, "the error names the count and the settings");
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	st = rds_stats(r);
	ok(st->acquire_waits >= 1 && st->acquire_timeouts == 1,
	    "stats: %llu wait(s), %llu timeout", (unsigned long long)st->acquire_waits,
	    (unsigned long long)st->acquire_timeouts);
	rds_stats_free(st);
	ok(rds_ping(r, NULL, &err) == 0, "free again: commands run");
	rds_free(r);
}

/* How many of the server's clients are named name (CLIENT LIST); ids get their ids. */
static int
named_clients(const char *name, long long *ids, int max)
{
	redisReply	*rp = admin("CLIENT LIST");
	char		 want[96];
	const char	*p;
	int		 n = 0;

	if (rp == NULL || rp->type != REDIS_REPLY_STRING) {
		freeReplyObject(rp);
		return (-1);
	}
	snprintf(want, sizeof(want), " name=%s ", name);
	for (p = rp->str; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char	*eol = strchr(p, '\n'), *hit = strstr(p, want);

		if (hit == NULL || (eol != NULL && hit > eol))
			continue;
		if (ids != NULL && n < max)
			ids[n] = strtoll(p + 3, NULL, 10);	/* "id=N ..." */
		n++;
	}
	freeReplyObject(rp);
	return (n);
}

/* Wait up to ms for the server to see want clients named name. */
static int
wait_named(const char *name, int want, int ms)
{
	double	t0 = now_ms();
	int	n;

	while ((n = named_clients(name, NULL, 0)) != want && now_ms() - t0 < ms)
		sleep_ms(20);
	return (n);
}

/*
 * redis_options.min_connections: the warm-up opens them with no command
 * sent, reopens them after CLIENT KILL, never goes above max, and against
 * a dead server it is paced by the backoff and breaker and stops at once.
 */
static void
test_min_conns(void)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;
	struct rds_warm		*w;
	struct rds_stats	*st;
	char			 comp[48], name[64];
	long long		 ids[8];
	int			 n, i;
	double			 t0, ms;

	snprintf(comp, sizeof(comp), "warm%d", (int)getpid());
	snprintf(name, sizeof(name), "mcpdb-%s", comp);
	target_for(&t, sock_path);

	t.redis_opts.min_connections = 0;
	r = rds_new(&t, NULL, comp, &err);
	ok(rds_warm_new(r, NULL) == NULL, "min_connections 0: no warm-up thread");
	rds_free(r);

	t.redis_opts.min_connections = 3;
	t.redis_opts.max_connections = 4;
	r = rds_new(&t, NULL, comp, &err);
	is_int(named_clients(name, NULL, 0), 0, "min 3: nothing is dialled by rds_new itself");
	t0 = now_ms();
	w = rds_warm_new(r, NULL);
	ok(w != NULL, "min_connections 3: the warm-up starts");
	n = wait_named(name, 3, 3000);
	ms = now_ms() - t0;
	is_int(n, 3, "the server sees 3 connections before any command (%.0f ms)", ms);
	st = rds_stats(r);
	is_int(st->open_conns, 3, "stats: 3 open");
	is_int(st->min_conns, 3, "stats: min_conns 3");
	is_int(st->max_conns, 4, "stats: max_conns 4");
	is_int((long long)st->calls, 0, "and no command was counted");
	rds_stats_free(st);
	sleep_ms(RDS_WARM_EVERY_MS + 200);
	is_int(named_clients(name, NULL, 0), 3, "a pass later still exactly 3: it never dials past min");

	/* The server drops them (CLIENT KILL, as a restart or idle timeout would). */
	n = named_clients(name, ids, 8);
	for (i = 0; i < n && i < 8; i++)
		freeReplyObject(admin("CLIENT KILL ID %lld", ids[i]));
	t0 = now_ms();
	n = wait_named(name, 3, 4000);
	ms = now_ms() - t0;
	is_int(n, 3, "after CLIENT KILL of all 3 the warm-up reopens 3 (%.0f ms)", ms);
	ok(ms < 2 * RDS_WARM_EVERY_MS + 1000, "within two warm-up passes (%.0f ms)", ms);
	st = rds_stats(r);
	ok(st->disconnects >= 3 && st->reconnects >= 1,
	    "stats: %llu disconnects, %llu reconnects", (unsigned long long)st->disconnects,
	    (unsigned long long)st->reconnects);
	rds_stats_free(st);
	ok(rds_ping(r, NULL, &err) == 0, "commands run on the warm connections: %s", err.msg);
	rds_warm_free(w);
	rds_free(r);
	is_int(wait_named(name, 0, 2000), 0, "closing the client closes them");

	/* min above max is clamped (the config refuses it: t-conf). */
	t.redis_opts.min_connections = 9;
	t.redis_opts.max_connections = 2;
	r = rds_new(&t, NULL, comp, &err);
	w = rds_warm_new(r, NULL);
	is_int(wait_named(name, 2, 3000), 2, "min 9 over max 2: at most max are opened");
	st = rds_stats(r);
	is_int(st->min_conns, 2, "and min is reported as 2");
	rds_stats_free(st);
	rds_warm_free(w);
	rds_free(r);

	/* A dead server: paced by backoff + breaker, and stopping never waits long. */
	target_for(&t, "redis://127.0.0.1:1/0");
	t.redis_opts.min_connections = 2;
	r = rds_new(&t, NULL, comp, &err);
	w = rds_warm_new(r, NULL);
	sleep_ms(2500);
	st = rds_stats(r);
	ok(st->connect_failures >= 2 && st->connect_failures <= 15,
	    "dead server: %llu dials in 2.5 s (paced, not a spin)",
	    (unsigned long long)st->connect_failures);
	ok(st->breaker.state != BREAKER_CLOSED, "and the breaker opened");
	rds_stats_free(st);
	t0 = now_ms();
	rds_warm_free(w);
	ms = now_ms() - t0;
	ok(ms < 1500, "stopping the warm-up took %.0f ms", ms);
	rds_free(r);
}

/* 8 threads hammer one client. */
static void
test_threads(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct hammer		 h[8];
	pthread_t		 t[8];
	int			 i, bad = 0;
	struct rds_stats	*st;
	size_t			 j;
	uint64_t		 sets = 0;

	for (i = 0; i < 8; i++) {
		h[i] = (struct hammer){ .r = r, .id = i };
		pthread_create(&t[i], NULL, hammer_main, &h[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		bad += h[i].bad;
	}
	is_int(bad, 0, "8 threads x 1500 commands on one client: every answer right");
	st = rds_stats(r);
	is_int((long long)st->calls, 8 * 1500, "every call counted once");
	is_int((long long)st->errors, 0, "no errors");
	ok(st->open_conns >= 1 && st->open_conns <= st->max_conns,
	    "connections stay within the pool (%u of %u)", st->open_conns, st->max_conns);
	for (j = 0; j < st->ncmds; j++)
		if (strcmp(st->cmds[j].name, "set") == 0) {
			sets = st->cmds[j].calls;
			ok(st->cmds[j].p50_us <= st->cmds[j].p95_us &&
			    st->cmds[j].p95_us <= st->cmds[j].p99_us &&
			    st->cmds[j].p99_us <= st->cmds[j].max_us && st->cmds[j].max_us > 0,
			    "set latency p50 %llu <= p95 %llu <= p99 %llu <= max %llu us",
			    (unsigned long long)st->cmds[j].p50_us,
			    (unsigned long long)st->cmds[j].p95_us,
			    (unsigned long long)st->cmds[j].p99_us,
			    (unsigned long long)st->cmds[j].max_us);
		}
	is_int((long long)sets, 4000, "per-command count for set");
	is_str(st->breaker.state == BREAKER_CLOSED ? "closed" : "not closed", "closed",
	    "breaker closed");
	is_str(st->endpoint, sock_path, "endpoint in use");
	rds_stats_free(st);
	rds_free(r);
}

/* Health sample and INFO text. */
static void
test_health(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct rds_health	 h;
	struct mc_err		 err = { 0 };
	char			*t;

	ok(rds_health(r, &h, &err) == 0, "health sample: %s", err.msg);
	ok(h.rtt_us > 0, "PING rtt %lld us", (long long)h.rtt_us);
	is_str(h.info.role, "master", "role master");
	ok(strncmp(h.info.version, "7.", 2) == 0, "version %s", h.info.version);
	ok(h.info.connected_clients >= 1 && h.info.used_memory > 0 && h.info.uptime_s >= 0,
	    "clients %lld, memory %lld, uptime %lld", (long long)h.info.connected_clients,
	    (long long)h.info.used_memory, (long long)h.info.uptime_s);
	ok(h.info.keyspace_hits >= 0 && h.info.total_commands_processed > 0,
	    "stats section parsed");
	ok(h.info.rdb_last_bgsave_status[0] != '\0' && h.info.aof_enabled >= 0,
	    "persistence section parsed");
	t = rds_info_text(r, "server", &err);
	like(t, "redis_version:", "INFO server text");
	unlike(t, "# Memory", "only that section");
	free(t);
	rds_free(r);
}

struct inbox {
	pthread_mutex_t	mtx;
	int		msgs, pmsgs, subscribed, lost;
	char		last[128];
	char		last_pattern[64];
};

/* Subscriber callback: count and remember. */
static void
on_msg(void *arg, const struct rds_sub_msg *m)
{
	struct inbox	*in = arg;

	pthread_mutex_lock(&in->mtx);
	if (m->kind == RDS_SUB_MESSAGE) {
		if (m->pattern) {
			in->pmsgs++;
			snprintf(in->last_pattern, sizeof(in->last_pattern), "%s", m->pattern);
		} else
			in->msgs++;
		snprintf(in->last, sizeof(in->last), "%.*s", (int)m->len, m->data);
	} else if (m->kind == RDS_SUB_SUBSCRIBED)
		in->subscribed++;
	else
		in->lost++;
	pthread_mutex_unlock(&in->mtx);
}

/* Read a counter of the inbox under its lock. */
static int
inbox_read(struct inbox *in, const int *field)
{
	int	v;

	pthread_mutex_lock(&in->mtx);
	v = *field;
	pthread_mutex_unlock(&in->mtx);
	return (v);
}

/* Pub/Sub: channel + pattern, and a quiet channel is not a dead one. */
static void
test_pubsub(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct inbox		 in = { .mtx = PTHREAD_MUTEX_INITIALIZER };
	const char		*ch[] = { key("chan") };
	char			 pat[128];
	const char		*pats[] = { pat };
	struct rds_sub_spec	 spec = { .channels = ch, .nchannels = 1, .patterns = pats,
				    .npatterns = 1, .ping_ms = 100, .cb = on_msg, .arg = &in };
	struct rds_sub		*sub;
	struct rds_sub_stats	 ss;
	struct mc_err		 err = { 0 };
	long long		 n = 0;
	int			 i;
	redisReply		*k;
	double			 t0;

	snprintf(pat, sizeof(pat), "%spat:*", prefix);
	sub = rds_sub_new(r, &spec, &err);
	ok(sub != NULL, "subscriber started: %s", err.msg);
	if (sub == NULL)
		return;
	is_int(inbox_read(&in, &in.subscribed), 1,
	    "SUBSCRIBED reported once before rds_sub_new returns");
	k = admin("CLIENT LIST TYPE pubsub");
	like(k ? k->str : NULL, "name=mcpdb-itest-sub", "the subscriber has its own named connection");
	freeReplyObject(k);
	ok(rds_publish(r, key("chan"), "hello", 5, &n, &err) == 0 && n == 1,
	    "PUBLISH reaches 1 subscriber");
	ok(rds_publish(r, key("pat:x"), "world", 5, &n, &err) == 0 && n == 1,
	    "pattern PUBLISH reaches it");
	for (i = 0; i < 100 && (inbox_read(&in, &in.msgs) < 1 ||
	    inbox_read(&in, &in.pmsgs) < 1); i++)
		sleep_ms(10);
	pthread_mutex_lock(&in.mtx);
	is_int(in.msgs, 1, "the message arrived");
	is_int(in.pmsgs, 1, "the pattern message arrived");
	is_str(in.last_pattern, pat, "with its pattern");
	pthread_mutex_unlock(&in.mtx);

	/* 8 PING periods of silence: must not be taken for a dead connection. */
	t0 = now_ms();
	sleep_ms(800);
	rds_sub_stats(sub, &ss);
	ok(ss.pings >= 4, "liveness PINGs answered while the channel is quiet (%llu)",
	    (unsigned long long)ss.pings);
	is_int((long long)ss.reconnects, 0, "a quiet channel causes no reconnect");
	ok(ss.connected, "still subscribed after %.0f ms of silence", now_ms() - t0);
	rds_publish(r, key("chan"), "after-quiet", 11, &n, &err);
	for (i = 0; i < 100 && inbox_read(&in, &in.msgs) < 2; i++)
		sleep_ms(10);
	rds_sub_free(sub);
	is_str(in.last, "after-quiet", "delivery after the quiet period");

	spec.nchannels = 0;
	spec.npatterns = 0;
	ok(rds_sub_new(r, &spec, &err) == NULL && err.code == MC_E_USAGE,
	    "a subscriber with nothing to subscribe to is refused");
	rds_free(r);
}

/* Trap 6: an over-deep reply kills the context; the client recovers. */
static void
test_deep(void)
{
	struct rds		*r = client(sock_path, NULL);
	struct mc_err		 err = { 0 };
	const char		*ev[] = { "EVAL", "return {{{{{{{{{{1}}}}}}}}}}", "0" };
	struct rds_reply	*rep;

	rep = rds_command(r, 0, 3, ev, NULL, &err);
	ok(rep == NULL, "a reply nested 10 deep fails");
	like(err.msg, "not readable by hiredis 0.14", "with a clear reason: %s", err.msg);
	ok(rds_ping(r, NULL, &err) == 0, "and the next command works on a fresh context");
	rds_free(r);
}

/* Delete every key under the prefix. */
static void
cleanup(void)
{
	redisReply	*k = admin("EVAL %s 0 %s", "local n=0 for _,k in ipairs(redis.call("
	    "'KEYS', ARGV[1]..'*')) do n=n+redis.call('DEL', k) end return n", prefix);

	ok(k != NULL && k->type == REDIS_REPLY_INTEGER, "cleanup deleted %lld test keys",
	    k ? k->integer : -1);
	freeReplyObject(k);
}

int
main(void)
{
	sock_path = getenv("MCPDB_TEST_REDIS");
	tcp_url = getenv("MCPDB_TEST_REDIS_URL");
	if (sock_path == NULL || *sock_path == '\0')
		skip_all("MCPDB_TEST_REDIS not set; run under tests/harness/with-servers.sh");
	if (tcp_url != NULL && *tcp_url == '\0')
		tcp_url = NULL;
	rds_ignore_sigpipe();
	snprintf(prefix, sizeof(prefix), "mcpdb-test:rds:%d:", (int)getpid());
	test_sockets();
	test_commands();
	test_auth();
	test_json();
	test_pipe();
	test_pipe_run();
	test_pipe_run_kill();
	test_pipe_replies();
	test_pipe_accounting();
	test_threads();
	test_sizing();
	test_min_conns();
	test_health();
	test_pubsub();
	test_deep();
	cleanup();
	return (done_testing());
}
