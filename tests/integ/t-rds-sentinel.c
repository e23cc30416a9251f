/*
 * t-rds-sentinel.c - Sentinel failover for real: a master, a replica and
 * three sentinels on loopback in a private directory. The client finds the
 * master through the sentinels (skipping a dead one), confirms it with
 * ROLE, and after the master is killed resumes against the promoted replica
 * within the failover time plus the backoff cap; the subscriber follows.
 * Also: "no sentinel reachable" and "unknown master name" are told apart.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "conf.h"
#include "rds-srv.h"
#include "rds.h"
#include "rds-watch.h"
#include "tap.h"

static struct rds_srv	*master, *replica, *sent[3];
static char		 addr[4][32];
static char		*sentv[5];

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

/* The target of the last client() (a watcher borrows it). */
static struct conf_target	last_t;

/* A client that resolves master name through the sentinel list v. */
static struct rds *
client(char **v, size_t n, const char *name)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = "sentinel";
	t.redis = NULL;
	t.redis_opts.connect_timeout_ms = 500;
	t.redis_opts.command_timeout_ms = 500;
	t.redis_opts.backoff_base_ms = 50;
	t.redis_opts.backoff_cap_ms = 1000;
	t.redis_opts.breaker_threshold = 3;
	t.redis_opts.breaker_open_ms = 1000;
	t.redis_opts.sentinels = v;
	t.redis_opts.nsentinels = n;
	t.redis_opts.sentinel_master = (char *)name;
	if ((r = rds_new(&t, NULL, "sentinel-test", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	last_t = t;
	return (r);
}

/* A writer that retries every 50 ms until a SET works (the pushed client). */
struct writer {
	struct rds	*r;
	double		 t0, resumed;
};

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	struct mc_err	 err = { 0 };

	while (now_ms() - w->t0 < 20000) {
		if (rds_set(w->r, "sent:k3", "pushed", 6, 0, &err) == 0) {
			w->resumed = now_ms() - w->t0;
			break;
		}
		sleep_ms(50);
	}
	return (NULL);
}

/* Port of the master as sentinel s sees it, or -1. */
static int
sentinel_master_port(struct rds_srv *s)
{
	redisReply	*k = rds_srv_cmd(s, "SENTINEL get-master-addr-by-name mymaster");
	int		 port = -1;

	if (k != NULL && k->type == REDIS_REPLY_ARRAY && k->elements == 2)
		port = atoi(k->element[1]->str);
	freeReplyObject(k);
	return (port);
}

/* Field f of SENTINEL MASTER mymaster on s, as an integer (-1 if absent). */
static long
sentinel_field(struct rds_srv *s, const char *f)
{
	redisReply	*k = rds_srv_cmd(s, "SENTINEL MASTER mymaster");
	long		 v = -1;
	size_t		 i;

	for (i = 0; k != NULL && k->type == REDIS_REPLY_ARRAY && i + 1 < k->elements; i += 2)
		if (strcmp(k->element[i]->str, f) == 0)
			v = atol(k->element[i + 1]->str);
	freeReplyObject(k);
	return (v);
}

/* Start master, replica and three sentinels; wait until they all know each other. */
static void
setup(void)
{
	char		 conf[512];
	int		 i, j;
	redisReply	*k;
	bool		 ready = false;
	double		 t0 = now_ms();

	if ((master = rds_srv_start("master", NULL, false)) == NULL)
		bail_out("cannot start the master");
	snprintf(conf, sizeof(conf), "replicaof 127.0.0.1 %d", master->port);
	if ((replica = rds_srv_start("replica", conf, false)) == NULL)
		bail_out("cannot start the replica");
	for (i = 0; i < 3; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "sentinel%d", i);
		snprintf(conf, sizeof(conf),
		    "sentinel monitor mymaster 127.0.0.1 %d 2\n"
		    "sentinel down-after-milliseconds mymaster 1000\n"
		    "sentinel failover-timeout mymaster 5000\n"
		    "sentinel parallel-syncs mymaster 1", master->port);
		if ((sent[i] = rds_srv_start(name, conf, true)) == NULL)
			bail_out("cannot start %s", name);
	}
	for (i = 0; i < 150 && !ready; i++) {	/* up to 15 s */
		k = rds_srv_cmd(replica, "INFO replication");
		ready = k != NULL && k->type == REDIS_REPLY_STRING &&
		    strstr(k->str, "master_link_status:up") != NULL;
		freeReplyObject(k);
		for (j = 0; j < 3 && ready; j++)
			ready = sentinel_field(sent[j], "num-other-sentinels") == 2 &&
			    sentinel_field(sent[j], "num-slaves") == 1;
		if (!ready)
			sleep_ms(100);
	}
	if (!ready)
		bail_out("sentinels did not discover each other and the replica in 15 s");
	diag("master :%d, replica :%d, sentinels :%d :%d :%d ready in %.1f s", master->port,
	    replica->port, sent[0]->port, sent[1]->port, sent[2]->port,
	    (now_ms() - t0) / 1000);
	/* A dead sentinel first: the client must skip it. */
	snprintf(addr[0], sizeof(addr[0]), "127.0.0.1:%d", rds_srv_free_port());
	for (i = 0; i < 3; i++)
		snprintf(addr[i + 1], sizeof(addr[i + 1]), "127.0.0.1:%d", sent[i]->port);
	for (i = 0; i < 4; i++)
		sentv[i] = addr[i];
}

struct inbox {
	pthread_mutex_t	mtx;
	int		subscribed;
	char		last[64];
};

/* Subscriber callback. */
static void
on_msg(void *arg, const struct rds_sub_msg *m)
{
	struct inbox	*in = arg;

	pthread_mutex_lock(&in->mtx);
	if (m->kind == RDS_SUB_MESSAGE)
		snprintf(in->last, sizeof(in->last), "%.*s", (int)m->len, m->data);
	else if (m->kind == RDS_SUB_SUBSCRIBED)
		in->subscribed++;
	pthread_mutex_unlock(&in->mtx);
}

/* A client through the live sentinels with Sentinel ACL credentials (user may be ""). */
static struct rds *
client_auth(const char *user, const char *pass)
{
	struct conf_target	 t;
	struct mc_err		 err = { 0 };
	struct rds		*r;

	memset(&t, 0, sizeof(t));
	conf_target_defaults(&t);
	t.name = "sentinel";
	t.redis_opts.connect_timeout_ms = 500;
	t.redis_opts.command_timeout_ms = 500;
	t.redis_opts.sentinels = sentv + 1;
	t.redis_opts.nsentinels = 3;
	t.redis_opts.sentinel_master = (char *)"mymaster";
	snprintf(t.redis_opts.sentinel_username, sizeof(t.redis_opts.sentinel_username), "%s", user);
	snprintf(t.redis_opts.sentinel_password, sizeof(t.redis_opts.sentinel_password), "%s", pass);
	if ((r = rds_new(&t, NULL, "sentinel-acl", &err)) == NULL)
		bail_out("rds_new: %s", err.msg);
	return (r);
}

/*
 * Sentinels that require a password (ACL user "ops", the default user
 * off): no credentials is NOAUTH with a hint; a wrong password is refused
 * by name without printing it; the right user and password work, with
 * the data nodes still open (their user is the redis URI's, apart).
 */
static void
test_sentinel_acl(void)
{
	struct rds	*r;
	struct mc_err	 err = { 0 };
	redisReply	*k;
	int		 i, nok = 0;

	for (i = 0; i < 3; i++) {
		k = rds_srv_cmd(sent[i], "ACL SETUSER ops on >sent-s3cret ~* &* +@all");
		nok += k != NULL && k->type == REDIS_REPLY_STATUS;
		freeReplyObject(k);
		k = rds_srv_cmd(sent[i], "ACL SETUSER default off");
		freeReplyObject(k);
	}
	if (nok != 3) {
		skip(6, "these sentinels do not take ACL SETUSER");
		return;
	}
	r = client_auth("", "");
	ok(rds_ping(r, NULL, &err) == -1, "sentinels with a password, none given: fails");
	like(err.msg, "3 of 3 sentinels refused the login", "said as a login refusal: %s", err.msg);
	like(err.msg, "set redis_options.sentinel_username/sentinel_password", "with a hint");
	rds_free(r);
	r = client_auth("ops", "not-the-password");
	mc_err_clear(&err);
	ok(rds_ping(r, NULL, &err) == -1 && strstr(err.msg, "AUTH as ops failed") != NULL,
	    "a wrong sentinel password: AUTH as ops failed: %s", err.msg);
	ok(strstr(err.msg, "not-the-password") == NULL, "and the password is not in the message");
	rds_free(r);
	r = client_auth("ops", "sent-s3cret");
	mc_err_clear(&err);
	ok(rds_set(r, "sent:acl", "yes", 3, 0, &err) == 0,
	    "sentinel_username/sentinel_password: the master is found and written: %s", err.msg);
	ok(rds_ping(r, NULL, &err) == 0, "and PING works");
	rds_free(r);
}

int
main(void)
{
	struct rds		*r, *bad, *pr;
	struct rds_watch	*pw;
	struct conf_target	 pt;
	struct writer		 wr;
	pthread_t		 wth;
	struct mc_err		 err = { 0 };
	struct rds_stats	*st;
	char			*v = NULL, want[64], last[64];
	size_t			 len;
	double			 killed, switched = -1, resumed = -1;
	int			 i, newport, subs;
	char			*dead[] = { addr[0] };
	struct inbox		 in = { .mtx = PTHREAD_MUTEX_INITIALIZER };
	const char		*ch[] = { "sent:chan" };
	struct rds_sub_spec	 spec = { .channels = ch, .nchannels = 1, .ping_ms = 200,
				    .cb = on_msg, .arg = &in };
	struct rds_sub		*sub;
	long long		 n = 0;
	redisReply		*k;
	const char		*waitv[] = { "WAIT", "1", "2000" };
	struct rds_reply	*rep;

	if (getenv("MCPDB_TEST_REDIS") == NULL)
		skip_all("MCPDB_TEST_REDIS not set; run under tests/harness/with-servers.sh");
	if (!rds_srv_available())
		skip_all("redis-server not found");
	rds_ignore_sigpipe();
	setup();

	/* Errors that must be told apart. */
	bad = client(dead, 1, "mymaster");
	ok(rds_ping(bad, NULL, &err) == -1, "only dead sentinels: fails");
	like(err.msg, "no sentinel reachable", "says no sentinel reachable: %s", err.msg);
	rds_free(bad);
	bad = client(sentv + 1, 3, "nosuchmaster");
	ok(rds_ping(bad, NULL, &err) == -1, "unknown master name: fails");
	like(err.msg, "do not know this master name", "says the name is unknown: %s", err.msg);
	rds_free(bad);

	r = client(sentv, 4, "mymaster");
	ok(rds_set(r, "sent:k", "before", 6, 0, &err) == 0, "SET through Sentinel: %s", err.msg);
	/* Replication is asynchronous: make sure the replica has it before the crash. */
	rep = rds_command(r, 0, 3, waitv, NULL, &err);
	ok(rep != NULL && rep->type == RDS_INTEGER && rep->integer == 1,
	    "WAIT: the replica acknowledged the write");
	rds_reply_free(rep);
	st = rds_stats(r);
	snprintf(want, sizeof(want), "127.0.0.1:%d via sentinel", master->port);
	like(st->endpoint, want, "endpoint is the master, found via a sentinel: %s", st->endpoint);
	is_str(st->sentinel, addr[1], "the first live sentinel answered (dead one skipped)");
	rds_stats_free(st);
	sub = rds_sub_new(r, &spec, &err);
	ok(sub != NULL, "subscriber through Sentinel: %s", err.msg);

	/* Failover. */
	/* The same client with Sentinel push, writing beside it. */
	pr = client(sentv + 1, 3, "mymaster");
	pt = last_t;
	pw = rds_watch_new(pr, &pt, NULL);
	for (i = 0; i < 100; i++) {
		st = rds_stats(pr);
		subs = st->push_on;
		rds_stats_free(st);
		if (subs)
			break;
		sleep_ms(20);
	}
	ok(subs, "the pushed client listens to a sentinel");
	ok(rds_set(pr, "sent:k3", "before", 6, 0, &err) == 0, "and writes: %s", err.msg);
	rds_srv_kill(master);
	killed = now_ms();
	wr.r = pr;
	wr.t0 = killed;
	wr.resumed = -1;
	pthread_create(&wth, NULL, writer_main, &wr);
	while (now_ms() - killed < 20000) {
		if (switched < 0 && sentinel_master_port(sent[0]) == replica->port)
			switched = now_ms() - killed;
		if (rds_set(r, "sent:k2", "after", 5, 0, &err) == 0) {
			resumed = now_ms() - killed;
			break;
		}
		sleep_ms(50);
	}
	if (switched < 0 && sentinel_master_port(sent[0]) == replica->port)
		switched = resumed;
	pthread_join(wth, NULL);
	diag("sentinels switched after %.0f ms; client resumed after %.0f ms (polling), "
	    "%.0f ms (push)", switched, resumed, wr.resumed);
	ok(wr.resumed > 0 && wr.resumed - switched <= 500,
	    "with Sentinel push writes resumed %.0f ms after the switch (polling: %.0f ms)",
	    wr.resumed - switched, resumed - switched);
	st = rds_stats(pr);
	ok(st->push_switches == 1, "the push switched the master once (%llu)",
	    (unsigned long long)st->push_switches);
	like(st->push_event, "+switch-master mymaster: now 127.0.0.1:", "and says so: %s",
	    st->push_event);
	rds_stats_free(st);
	rds_watch_free(pw);
	rds_free(pr);
	ok(switched > 0, "the sentinels promoted the replica (%.0f ms)", switched);
	ok(resumed > 0 && resumed - switched <= 1000 + 1000 + 500,
	    "writes resumed %.0f ms after the switch (within backoff cap 1000 + breaker 1000)",
	    resumed - switched);
	st = rds_stats(r);
	snprintf(want, sizeof(want), "127.0.0.1:%d via sentinel", replica->port);
	like(st->endpoint, want, "now talking to the promoted replica: %s", st->endpoint);
	newport = replica->port;
	rds_stats_free(st);
	k = rds_srv_cmd(replica, "ROLE");
	is_str(k && k->type == REDIS_REPLY_ARRAY ? k->element[0]->str : NULL, "master",
	    "the old replica's ROLE is master (port %d)", newport);
	freeReplyObject(k);
	ok(rds_get(r, "sent:k", &v, &len, &err) == 0, "read through the new master: %s", err.msg);
	is_str(v, "before", "the value written before the failover is there");
	free(v);

	if (sub != NULL) {
		for (i = 0; i < 300; i++) {
			pthread_mutex_lock(&in.mtx);
			subs = in.subscribed;
			pthread_mutex_unlock(&in.mtx);
			if (subs >= 2)
				break;
			sleep_ms(20);
		}
		ok(subs >= 2, "the subscriber resubscribed at the new master");
		rds_publish(r, "sent:chan", "after-failover", 14, &n, &err);
		for (i = 0; i < 200; i++) {
			pthread_mutex_lock(&in.mtx);
			snprintf(last, sizeof(last), "%s", in.last);
			pthread_mutex_unlock(&in.mtx);
			if (strcmp(last, "after-failover") == 0)
				break;
			sleep_ms(10);
		}
		is_str(last, "after-failover", "and receives messages there");
		rds_sub_free(sub);
	} else
		skip(2, "no subscriber");
	rds_free(r);
	test_sentinel_acl();
	return (done_testing());
}
