/*
 * t-rds-cluster.c - the Redis client against a real 6-node Redis Cluster
 * that tests/harness/redis-cluster.sh starts for this test (and tears down
 * at exit): key slots against CLUSTER KEYSLOT, keys on all three shards,
 * hash tags, CROSSSLOT, a pipeline in caller order, MOVED after CLUSTER
 * SETSLOT NODE, ASK during a migration, a redirect loop, a slot map with a
 * hole, a non-cluster node, seeds that do not answer, a node that never
 * answers (SIGSTOP), and a killed master (SIGKILL) whose replica takes over
 * while writes go on: the write stall is printed as a diag line.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "rds-cluster.h"
#include "rds-run.h"
#include "rds-srv.h"
#include "rds.h"
#include "tap.h"

static char	cl_dir[512];
static char	cl_url[1024];
static int	cl_ports[6];
static char	script[1024];

/* Monotonic milliseconds. */
static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Tear the cluster down (atexit). */
static void
cluster_down(void)
{
	char	cmd[1600];

	if (cl_dir[0] == '\0')
		return;
	if (getenv("MCPDB_KEEP_TEST_DIR") != NULL) {
		fprintf(stderr, "# cluster kept in %s\n", cl_dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' down '%s' >/dev/null 2>&1", script, cl_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cluster teardown failed\n");
	cl_dir[0] = '\0';
}

/* Start the cluster; false when it cannot (the test then skips). */
static bool
cluster_up(void)
{
	const char	*src = getenv("MCPDB_SRCDIR");
	char		 cmd[1200], line[1024];
	FILE		*fp;

	snprintf(script, sizeof(script), "%s/tests/harness/redis-cluster.sh",
	    src ? src : ".");
	snprintf(cmd, sizeof(cmd), "'%s' up 2>&1", script);
	if ((fp = popen(cmd, "r")) == NULL)
		return (false);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "REDIS_CLUSTER_DIR='%511[^']'", cl_dir) == 1)
			continue;
		if (sscanf(line, "REDIS_CLUSTER_URL='%1023[^']'", cl_url) == 1)
			continue;
		if (sscanf(line, "REDIS_CLUSTER_PORTS='%d %d %d %d %d %d'", &cl_ports[0],
		    &cl_ports[1], &cl_ports[2], &cl_ports[3], &cl_ports[4],
		    &cl_ports[5]) == 6)
			continue;
		diag("harness: %s", line);
	}
	atexit(cluster_down);
	return (pclose(fp) == 0 && cl_url[0] != '\0');
}

/* A hiredis connection to port (admin side; exits on failure). */
static redisContext *
admin(int port)
{
	struct timeval	 tv = { 2, 0 };
	redisContext	*c = redisConnectWithTimeout("127.0.0.1", port, tv);

	if (c == NULL || c->err)
		bail_out("connect to 127.0.0.1:%d failed", port);
	redisSetTimeout(c, tv);
	return (c);
}

/* Run an admin command on port and free the reply; true on a non-error reply. */
static bool
admin_cmd(int port, const char *fmt, const char *a, const char *b, int n)
{
	redisContext	*c = admin(port);
	redisReply	*r = redisCommand(c, fmt, n, a, b);
	bool		 good = r != NULL && r->type != REDIS_REPLY_ERROR;

	if (r != NULL && !good)
		diag("127.0.0.1:%d: %s", port, r->str);
	freeReplyObject(r);
	redisFree(c);
	return (good);
}

/* A master: its id and port. */
struct master {
	char	id[64];
	int	port;
	int	lo;	/* first slot */
	int	hi;
};

/* Read the masters with slots from CLUSTER NODES of port. */
static int
masters(int port, struct master *m, int max)
{
	redisContext	*c = admin(port);
	redisReply	*r = redisCommand(c, "CLUSTER NODES");
	char		*save = NULL, *line, id[64], addr[128], flags[128], tok[64];
	int		 n = 0, lo, hi;

	for (line = r ? strtok_r(r->str, "\n", &save) : NULL; line != NULL && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		/* The first slot token: "0-5460", or one slot ("2484") after a move. */
		if (sscanf(line, "%63s %127s %127s %*s %*s %*s %*s %*s %63s", id,
		    addr, flags, tok) != 4 || strstr(flags, "master") == NULL ||
		    strstr(flags, "fail") != NULL || tok[0] == '[')
			continue;
		lo = atoi(tok);
		hi = strchr(tok, '-') ? atoi(strchr(tok, '-') + 1) : lo;
		snprintf(m[n].id, sizeof(m[n].id), "%s", id);
		m[n].port = atoi(strchr(addr, ':') + 1);
		m[n].lo = lo;
		m[n].hi = hi;
		n++;
	}
	freeReplyObject(r);
	redisFree(c);
	return (n);
}

/* The master serving slot, or NULL. */
static struct master *
owner(struct master *m, int n, int slot)
{
	int	i;

	for (i = 0; i < n; i++)
		if (slot >= m[i].lo && slot <= m[i].hi)
			return (&m[i]);
	return (NULL);
}

/* redis_options.min_connections of the next client() (0: on demand). */
static int	client_min;

/* A client for url with short timeouts. */
static struct rds *
client(const char *url, int connect_ms, int command_ms)
{
	static struct conf_target	t;
	struct mc_err			err = { 0 };
	struct rds			*r;

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = "cluster-test";
	t.redis = (char *)url;
	t.redis_opts.connect_timeout_ms = connect_ms;
	t.redis_opts.command_timeout_ms = command_ms;
	t.redis_opts.backoff_base_ms = 20;
	t.redis_opts.backoff_cap_ms = 200;
	t.redis_opts.breaker_threshold = 1000;
	t.redis_opts.min_connections = client_min;
	if (rdsuri_cluster_is(url))
		r = rds_cluster_open(&t, NULL, "test", &err);
	else
		r = rds_new(&t, NULL, "test", &err);
	if (r == NULL)
		bail_out("client %s: %s", url, err.msg);
	return (r);
}

/* A key whose slot is served by master m (by trying k0, k1, ...). */
static void
key_on(const struct master *m, const char *prefix, char *out, size_t len)
{
	int	i, s;

	for (i = 0; i < 100000; i++) {
		snprintf(out, len, "%s%d", prefix, i);
		s = rds_cluster_keyslot(out, strlen(out));
		if (s >= m->lo && s <= m->hi)
			return;
	}
	bail_out("no key found for %d-%d", m->lo, m->hi);
}

/* CLUSTER KEYSLOT for 3000 random keys (tags, empty tags, braces) vs ours. */
/* rds_pipe_run on a cluster client: batches of 20 GETs of k0..k199. */
struct crun {
	size_t	next, batches, good;
};

static int
crun_fill(void *arg, struct rds_pipe *p)
{
	struct crun	*x = arg;
	char		 key[32];
	const char	*g[2];
	size_t		 k;

	if (x->next >= 200)
		return (0);
	for (k = x->next; k < x->next + 20; k++) {
		snprintf(key, sizeof(key), "k%zu", k);
		g[0] = "GET";
		g[1] = key;
		rds_pipe_add(p, 2, g, NULL);
	}
	return (1);
}

static void
crun_done(void *arg, struct rds_pipe *p, size_t nerr)
{
	struct crun		*x = arg;
	const struct rds_reply	*pr;
	char			 val[32];
	size_t			 i;

	for (i = 0; i < rds_pipe_len(p) && nerr == 0; i++) {
		pr = rds_pipe_reply(p, i);
		snprintf(val, sizeof(val), "v%zu", x->next + i);
		if (pr != NULL && pr->type == RDS_STRING && strcmp(pr->str, val) == 0)
			x->good++;
	}
	x->next += rds_pipe_len(p);
	x->batches++;
}

static void
test_keyslot(void)
{
	static const char	alpha[] = "ab{}{}x:.9";
	redisContext		*c = admin(cl_ports[0]);
	redisReply		*r;
	char			 keys[3000][24];
	int			 i, j, len, bad = 0;

	srand(11);
	for (i = 0; i < 3000; i++) {
		len = i % 23;
		for (j = 0; j < len; j++)
			keys[i][j] = alpha[rand() % (sizeof(alpha) - 1)];
		keys[i][len] = '\0';
		redisAppendCommand(c, "CLUSTER KEYSLOT %b", keys[i], (size_t)len);
	}
	for (i = 0; i < 3000; i++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK)
			bail_out("CLUSTER KEYSLOT: %s", c->errstr);
		if (r->type != REDIS_REPLY_INTEGER ||
		    r->integer != rds_cluster_keyslot(keys[i], strlen(keys[i]))) {
			if (bad++ < 3)
				diag("key \"%s\": server %lld, ours %d", keys[i],
				    r->integer, rds_cluster_keyslot(keys[i], strlen(keys[i])));
		}
		freeReplyObject(r);
	}
	redisFree(c);
	is_int(bad, 0, "3000 random keys (with {tags}, {} and lone braces): "
	    "our slot == CLUSTER KEYSLOT");
}

/* What the subscriber heard. */
struct heard {
	pthread_mutex_t	mtx;
	int		messages;
	int		subscribed;
	int		port;		/* of the node it subscribed on, last time */
};

/* Subscriber callback: count messages and (re)subscriptions. */
static void
on_msg(void *arg, const struct rds_sub_msg *msg)
{
	struct heard	*h = arg;
	const char	*c;

	pthread_mutex_lock(&h->mtx);
	if (msg->kind == RDS_SUB_MESSAGE)
		h->messages++;
	else if (msg->kind == RDS_SUB_SUBSCRIBED) {
		h->subscribed++;
		if (msg->detail != NULL && (c = strrchr(msg->detail, ':')) != NULL)
			h->port = atoi(c + 1);
	}
	pthread_mutex_unlock(&h->mtx);
}

/* Wait (up to 15 s) until every replica's link to its master is up. */
static void
replicas_wait(void)
{
	redisContext	*c;
	redisReply	*r;
	int		 i, j, up;

	for (i = 0; i < 150; i++) {
		for (j = 0, up = 0; j < 6; j++) {
			c = admin(cl_ports[j]);
			r = redisCommand(c, "INFO replication");
			up += r != NULL && r->type == REDIS_REPLY_STRING &&
			    (strstr(r->str, "role:master") != NULL ||
			    strstr(r->str, "master_link_status:up") != NULL);
			freeReplyObject(r);
			redisFree(c);
		}
		if (up == 6)
			return;
		usleep(100000);
	}
	diag("replicas still syncing after 15 s");
}

int
main(void)
{
	struct rds		*r, *bad;
	struct rds_pipe		*p;
	struct rds_reply	*rep;
	struct rds_cluster_view	*v;
	struct master		 m[3], *a, *b;
	struct mc_err		 err;
	struct rds_srv		*plain;
	char			 key[64], val[64], url[2048], *got;
	size_t			 len, i, nerr;
	int			 n, s, shard[3] = { 0 }, ok_all = 1, j, stopped, rc;
	int			 killed_port = 0;
	struct rds_sub_spec	 spec;
	struct rds_sub		*sub;
	struct heard		 heard = { .mtx = PTHREAD_MUTEX_INITIALIZER };
	double			 t0, t1, stall;
	const char		*mset[] = { "MSET", "{t}a", "1", "{t}b", "2" };
	const char		*mset_bad[] = { "MSET", "foo", "1", "bar", "2" };

	if (!rds_srv_available())
		skip_all("redis-server not found");
	rds_ignore_sigpipe();
	if (!cluster_up())
		skip_all("the cluster harness could not start a cluster");
	plan(41);
	test_keyslot();
	if ((n = masters(cl_ports[0], m, 3)) != 3)
		bail_out("expected 3 masters, got %d", n);

	r = client(cl_url, 1000, 1000);
	ok(rds_is_cluster(r), "redis+cluster:// gives a cluster client");
	{
		/* min_connections per node: each node's client gets a warm-up. */
		struct rds		*wr;
		struct rds_stats	*st = NULL;

		client_min = 1;
		wr = client(cl_url, 1000, 1000);
		client_min = 0;
		for (j = 0; j < 150; j++) {
			rds_stats_free(st);
			st = rds_stats(wr);
			if (st->min_conns >= 3 && st->open_conns >= st->min_conns)
				break;
			usleep(20000);
		}
		ok(st->min_conns >= 3, "min_connections 1 on a cluster: 1 per node "
		    "(%u in all)", st->min_conns);
		ok(st->open_conns >= st->min_conns && st->calls == 0,
		    "opened by the warm-ups before any command (%u open)", st->open_conns);
		rds_stats_free(st);
		rds_free(wr);
	}
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		snprintf(val, sizeof(val), "v%zu", i);
		memset(&err, 0, sizeof(err));
		if (rds_set(r, key, val, strlen(val), 0, &err) == -1 ||
		    rds_get(r, key, &got, &len, &err) == -1) {
			diag("%s: %s", key, err.msg);
			ok_all = 0;
			continue;
		}
		ok_all &= strcmp(got, val) == 0;
		free(got);
		s = rds_cluster_keyslot(key, strlen(key));
		for (j = 0; j < 3; j++)
			if (owner(m, 3, s) == &m[j])
				shard[j]++;
	}
	ok(ok_all, "SET + GET of 300 keys through the router");
	ok(shard[0] > 0 && shard[1] > 0 && shard[2] > 0, "keys landed on all "
	    "three shards (%d/%d/%d)", shard[0], shard[1], shard[2]);

	memset(&err, 0, sizeof(err));
	rep = rds_command(r, 0, 5, mset, NULL, &err);
	ok(rep != NULL && rep->type == RDS_STATUS, "MSET {t}a {t}b: a hash tag "
	    "keeps both keys in one slot: %s", err.msg);
	rds_reply_free(rep);
	memset(&err, 0, sizeof(err));
	rep = rds_command(r, 0, 5, mset_bad, NULL, &err);
	ok(rep == NULL && err.code == MC_E_INPUT, "MSET foo bar is refused before sending");
	like(err.msg, "CROSSSLOT: keys \"foo\" (slot 12182) and \"bar\" (slot 5061)",
	    "CROSSSLOT names the keys and their slots");

	/* A pipeline across shards: replies in the caller's order. */
	p = rds_pipe_new(r);
	for (i = 0; i < 200; i++) {
		const char *g[2];

		snprintf(key, sizeof(key), "k%zu", i % 300);
		g[0] = "GET";
		g[1] = key;
		rds_pipe_add(p, 2, g, NULL);
	}
	memset(&err, 0, sizeof(err));
	ok(rds_pipe_exec(p, &nerr, &err) == 0 && nerr == 0, "a 200-command "
	    "pipeline over three nodes runs: %s", err.msg);
	for (i = 0, ok_all = 1; i < 200; i++) {
		const struct rds_reply *pr = rds_pipe_reply(p, i);

		snprintf(val, sizeof(val), "v%zu", i % 300);
		ok_all &= pr != NULL && pr->type == RDS_STRING && strcmp(pr->str, val) == 0;
	}
	ok(ok_all, "every pipeline reply is in the caller's order");
	rds_pipe_free(p);
	{
		struct crun	x = { 0 };

		memset(&err, 0, sizeof(err));
		ok(rds_pipe_run(r, 4, crun_fill, crun_done, &x, &err) == 0,
		    "rds_pipe_run on a cluster client runs: %s", err.msg);
		ok(x.batches == 10 && x.good == 200, "its 10 batches across the "
		    "shards, every reply its own key's (%zu batches, %zu good)",
		    x.batches, x.good);
	}

	/* MOVED: hand an empty slot to another master behind the client's back. */
	a = &m[0];
	b = &m[1];
	key_on(a, "moved", key, sizeof(key));
	s = rds_cluster_keyslot(key, strlen(key));
	ok(rds_set(r, key, "before", 6, 0, NULL) == 0 && rds_del(r, key, NULL, NULL) == 0,
	    "slot %d is on 127.0.0.1:%d and empty", s, a->port);
	for (j = 0; j < 6; j++)
		(void)admin_cmd(cl_ports[j], "CLUSTER SETSLOT %d NODE %s", b->id, NULL, s);
	memset(&err, 0, sizeof(err));
	ok(rds_set(r, key, "after", 5, 0, &err) == 0, "SET after the slot moved "
	    "follows MOVED: %s", err.msg);
	v = calloc(1, sizeof(*v));
	memset(&err, 0, sizeof(err));
	rc = rds_cluster_describe(r, v, &err);
	ok(rc == 0 && v->moved >= 1, "the client counted the MOVED (%llu) and "
	    "re-read the map", (unsigned long long)v->moved);

	/* ASK: a slot migrating from a to b, the key not on a yet. */
	key_on(a, "ask", key, sizeof(key));
	s = rds_cluster_keyslot(key, strlen(key));
	ok(admin_cmd(b->port, "CLUSTER SETSLOT %d IMPORTING %s", a->id, NULL, s) &&
	    admin_cmd(a->port, "CLUSTER SETSLOT %d MIGRATING %s", b->id, NULL, s),
	    "slot %d: migrating from :%d to :%d", s, a->port, b->port);
	memset(&err, 0, sizeof(err));
	ok(rds_set(r, key, "asked", 5, 0, &err) == 0, "SET of a key that is not on "
	    "the source follows ASK: %s", err.msg);
	memset(&err, 0, sizeof(err));
	ok(rds_get(r, key, &got, &len, &err) == 0 && strcmp(got, "asked") == 0,
	    "GET reads it back from the target (ASKING): %s", err.msg);
	if (err.code == 0)
		free(got);
	memset(&err, 0, sizeof(err));
	rc = rds_cluster_describe(r, v, &err);
	ok(rc == 0 && v->asks >= 2 && v->moved == 1,
	    "ASK does not touch the map (asks %llu, moved %llu)",
	    (unsigned long long)v->asks, (unsigned long long)v->moved);
	for (j = 0; j < 6; j++)
		(void)admin_cmd(cl_ports[j], "CLUSTER SETSLOT %d NODE %s", b->id, NULL, s);

	/* A redirect loop: a says ASK b, b (not importing) says MOVED a. */
	key_on(a, "loop", key, sizeof(key));
	s = rds_cluster_keyslot(key, strlen(key));
	(void)admin_cmd(a->port, "CLUSTER SETSLOT %d MIGRATING %s", b->id, NULL, s);
	memset(&err, 0, sizeof(err));
	t0 = now_ms();
	rc = rds_get(r, key, &got, &len, &err);
	t1 = now_ms() - t0;
	ok(rc == -1 && t1 < 1000, "a redirect loop ends in %.0f ms", t1);
	like(err.msg, "more than 5 redirects for slot", "and says so: %s", err.msg);
	(void)admin_cmd(a->port, "CLUSTER SETSLOT %d STABLE", NULL, NULL, s);

	/* Bad input: a plain node, seeds that refuse, a hole in the map. */
	plain = rds_srv_start("plain", NULL, false);
	snprintf(url, sizeof(url), "redis+cluster://127.0.0.1:%d", plain ? plain->port : 1);
	bad = client(url, 500, 500);
	memset(&err, 0, sizeof(err));
	ok(rds_ping(bad, NULL, &err) == -1 && err.code == MC_E_CONFIG,
	    "redis+cluster:// on a plain node is refused");
	like(err.msg, "is not a cluster node (cluster_enabled:0)", "%s", err.msg);
	rds_free(bad);
	bad = client("redis+cluster://127.0.0.1:1,127.0.0.1:2", 500, 500);
	memset(&err, 0, sizeof(err));
	t0 = now_ms();
	rc = rds_set(bad, "x", "y", 1, 0, &err);
	t1 = now_ms() - t0;
	ok(rc == -1 && t1 < 500, "seeds that refuse fail in %.0f ms (connect "
	    "timeout 500)", t1);
	like(err.msg, "no node gave the slot map", "%s", err.msg);
	rds_free(bad);
	if (plain != NULL) {
		snprintf(url, sizeof(url), "redis://127.0.0.1:%d", cl_ports[0]);
		bad = client(url, 500, 500);
		ok(rds_cluster_detect(bad, &(struct conf_target){ .name = "t",
		    .redis = url }, "test") == 1 && rds_is_cluster(bad) &&
		    rds_set(bad, "k1", "v", 1, 0, NULL) == 0 &&
		    rds_set(bad, "k2", "v", 1, 0, NULL) == 0,
		    "redis:// of a cluster node is detected and routed");
		rds_free(bad);
	} else
		skip(1, "no plain server");

	key_on(a, "hole", key, sizeof(key));
	s = rds_cluster_keyslot(key, strlen(key));
	for (j = 0; j < 6; j++)
		(void)admin_cmd(cl_ports[j], "CLUSTER DELSLOTS %d", NULL, NULL, s);
	bad = client(cl_url, 500, 500);
	memset(&err, 0, sizeof(err));
	ok(rds_set(bad, key, "v", 1, 0, &err) == -1, "a key in a hole fails");
	like(err.msg, "has no master in the cluster map", "%s", err.msg);
	memset(&err, 0, sizeof(err));
	rc = rds_cluster_describe(bad, v, &err);
	ok(rc == 0 && !rds_cluster_view_ok(v, NULL, 0) &&
	    v->uncovered >= 1 && v->first_uncovered == s, "the view reports the "
	    "hole (%d uncovered, first %d): health exits 3", v->uncovered,
	    v->first_uncovered);
	rds_free(bad);
	(void)admin_cmd(a->port, "CLUSTER ADDSLOTS %d", NULL, NULL, s);
	snprintf(url, sizeof(url), "'%s' wait-ok '%s'", script, cl_dir);
	ok(system(url) == 0, "slot %d given back; cluster_state ok", s);

	/* Failover: a subscriber on some master; kill that master while writing. */
	{
		static const char *const chans[] = { "fo-ch" };

		memset(&spec, 0, sizeof(spec));
		spec.channels = chans;
		spec.nchannels = 1;
		spec.ping_ms = 200;
		spec.cb = on_msg;
		spec.arg = &heard;
		memset(&err, 0, sizeof(err));
		sub = rds_sub_new(r, &spec, &err);
		ok(sub != NULL, "subscribed through the cluster client: %s", err.msg);
	}
	n = masters(cl_ports[0], m, 3);
	a = &m[0];
	for (j = 0; j < n; j++)
		if (m[j].port == heard.port)
			a = &m[j];	/* the subscriber's node: it must move too */
	key_on(a, "fo", key, sizeof(key));
	ok(rds_set(r, key, "0", 1, 0, NULL) == 0, "writing %s on 127.0.0.1:%d", key,
	    a->port);
	for (j = 0; j < 6 && cl_ports[j] != a->port; j++)
		;
	killed_port = a->port;
	replicas_wait();
	snprintf(url, sizeof(url), "'%s' kill-node '%s' %d", script, cl_dir, j + 1);
	t0 = now_ms();
	(void)system(url);
	memset(&err, 0, sizeof(err));
	memset(&err, 0, sizeof(err));
	got = rds_info_text(r, "server", &err);
	ok(got != NULL, "a keyless command right after the kill goes to a live "
	    "master (the dead one %s slot 0): %s", owner(m, n, 0) == a ?
	    "owned" : "did not own", err.msg);
	free(got);
	memset(&err, 0, sizeof(err));
	rc = rds_cluster_describe(r, v, &err);
	ok(rc == 0 && !rds_cluster_view_ok(v, NULL, 0),
	    "right after the kill the view is not ok (%d slots uncovered)",
	    v->uncovered);
	t1 = 0;
	for (i = 0; now_ms() - t0 < 20000; i++) {
		snprintf(val, sizeof(val), "%zu", i);
		memset(&err, 0, sizeof(err));
		if (rds_set(r, key, val, strlen(val), 0, &err) == 0) {
			t1 = now_ms();
			break;
		}
		usleep(10000);
	}
	stall = t1 > 0 ? t1 - t0 : -1;
	ok(t1 > 0, "writes resumed on the promoted replica after %.0f ms "
	    "(cluster-node-timeout 1000 ms), same client", stall);
	diag("failover write stall: %.0f ms over %zu attempts", stall, i + 1);
	memset(&err, 0, sizeof(err));
	got = NULL;
	ok(rds_get(r, key, &got, &len, &err) == 0 && strcmp(got, val) == 0,
	    "and reads see the last write: %s", err.msg);
	free(got);
	memset(&err, 0, sizeof(err));
	for (j = 0; j < 50; j++) {
		if (rds_cluster_describe(r, v, &err) == 0 && rds_cluster_view_ok(v, NULL, 0))
			break;
		usleep(100000);
	}
	for (j = 0; j < 100 && sub != NULL; j++) {
		(void)rds_publish(r, "fo-ch", "after", 5, NULL, NULL);
		pthread_mutex_lock(&heard.mtx);
		rc = heard.messages;
		pthread_mutex_unlock(&heard.mtx);
		if (rc > 0)
			break;
		usleep(100000);
	}
	ok(sub != NULL && rc > 0 && heard.subscribed >= 2, "Pub/Sub keeps working "
	    "across the failover (subscribed %d times, last on :%d, was on :%d)",
	    heard.subscribed, heard.port, killed_port);
	rds_sub_free(sub);
	ok(rds_cluster_view_ok(v, NULL, 0), "after the failover the cluster is ok "
	    "again (state %s, %d uncovered)", v->state, v->uncovered);
	for (i = 0, n = 0; i < v->nnodes; i++)
		n += !v->nodes[i].reachable;
	is_int(n, 1, "the killed node is shown unreachable");
	/* A node that never answers (SIGSTOP) as the first seed. */
	stopped = -1;
	n = masters(cl_ports[0] == killed_port ? cl_ports[1] : cl_ports[0], m, 3);
	for (j = 0; j < 6 && stopped < 0; j++)
		if (cl_ports[j] != m[0].port && cl_ports[j] != m[1].port &&
		    cl_ports[j] != m[2].port && cl_ports[j] != killed_port)
			stopped = j;
	snprintf(url, sizeof(url), "'%s' stop-node '%s' %d", script, cl_dir, stopped + 1);
	(void)system(url);
	snprintf(url, sizeof(url), "redis+cluster://127.0.0.1:%d,127.0.0.1:%d",
	    cl_ports[stopped], m[0].port);
	bad = client(url, 500, 500);
	memset(&err, 0, sizeof(err));
	t0 = now_ms();
	rc = rds_set(bad, "k1", "v", 1, 0, &err);
	t1 = now_ms() - t0;
	ok(rc == 0 && t1 < 1500, "a frozen first seed costs one command timeout "
	    "(%.0f ms of 500), then the next seed answers: %s", t1, err.msg);
	rds_free(bad);
	snprintf(url, sizeof(url), "'%s' cont-node '%s' %d", script, cl_dir, stopped + 1);
	(void)system(url);

	free(v);
	rds_free(r);
	return (done_testing());
}
