/*
 * rds.c - the Redis client: dialling (direct or via Sentinel),
 * a small pool of blocking hiredis contexts, commands with timeouts,
 * reconnects, backoff and a circuit breaker, pipelining, JSON helpers,
 * health sampling and per-command tracking.
 *
 * Model: a caller checks a slot out of r->slots (max_connections of them,
 * dialled on demand and kept until an error; waiting at most the acquire
 * timeout, by default the command timeout), makes sure its context is alive (an idle context whose
 * socket turned readable was closed by the server and is dropped before
 * use), dials if needed, runs the command without holding any lock, then
 * records the outcome under r->mtx and returns the slot. hiredis 0.14 traps
 * (see doc comments at each site): both timeouts always set, keepalive only
 * on TCP, options set on every fresh context (redisReconnect is never used
 * because it drops them), any error discards the context, SIGPIPE ignored.
 * TLS (rediss://): hiredis still connects, formats and parses; the slot's
 * rdstls session moves the bytes (rds_roundtrip), plaintext slots keep
 * the hiredis calls unchanged.
 */
#include "config.h"

#include "rds.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "rds-cluster.h"
#include "rds-int.h"
#include "rdstls.h"
#include "xmem.h"
#include "clk.h"

/* Parse a decimal integer in [min, max] from [s, s+len). */
static bool
rds_int(const char *s, size_t len, long min, long max, int *out)
{
	long	v = 0;
	size_t	i;

	if (len == 0 || len > 9)
		return (false);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (false);
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return (false);
	*out = (int)v;
	return (true);
}

/* ===================================================================== */
/* Small helpers                                                          */
/* ===================================================================== */

static bool	rds_timed_out(const redisContext *, int);

/* Milliseconds as a struct timeval. */
static struct timeval
rds_tv(int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return (tv);
}

/* Sleep for us microseconds (EINTR-safe). */
static void
rds_sleep_us(int64_t us)
{
	struct timespec	ts;

	if (us <= 0)
		return;
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Copy with truncation (always NUL-terminates). */
static void
rds_strlcpy(char *dst, const char *src, size_t len)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Scrub the password out of a message coming from a server or hiredis. */
void
rds_scrub(const struct rds *r, char *buf, size_t len, const char *msg)
{
	const char	*pw = r->uri.password, *hit;
	size_t		 pwlen, o = 0;

	if (len == 0)
		return;
	if (pw == NULL || (pwlen = strlen(pw)) < 3) {
		rds_strlcpy(buf, msg, len);
		return;
	}
	while (*msg != '\0' && o + 1 < len) {
		hit = strstr(msg, pw);
		if (hit == msg) {
			o += (size_t)snprintf(buf + o, len - o, "***");
			if (o >= len)
				o = len - 1;
			msg += pwlen;
		} else
			buf[o++] = *msg++;
	}
	buf[o] = '\0';
}

/* Ignore SIGPIPE process-wide (hiredis 0.14 writes without MSG_NOSIGNAL). */
void
rds_ignore_sigpipe(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

/* ===================================================================== */
/* Replies                                                                */
/* ===================================================================== */

/* Deep-copy a hiredis reply. */
void
rds_reply_copy(struct rds_reply *dst, const redisReply *src)
{
	size_t	i;

	memset(dst, 0, sizeof(*dst));
	switch (src->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		dst->type = src->type == REDIS_REPLY_STRING ? RDS_STRING :
		    src->type == REDIS_REPLY_STATUS ? RDS_STATUS : RDS_ERROR;
		dst->len = src->len;
		dst->str = xmalloc(src->len + 1);
		memcpy(dst->str, src->str, src->len);
		dst->str[src->len] = '\0';
		break;
	case REDIS_REPLY_INTEGER:
		dst->type = RDS_INTEGER;
		dst->integer = src->integer;
		break;
	case REDIS_REPLY_ARRAY:
		dst->type = RDS_ARRAY;
		dst->n = src->elements;
		if (dst->n > 0)
			dst->elem = xcalloc(dst->n, sizeof(*dst->elem));
		for (i = 0; i < dst->n; i++)
			rds_reply_copy(&dst->elem[i], src->element[i]);
		break;
	default:
		dst->type = RDS_NIL;
		break;
	}
}

/* Free the contents of a reply value. */
void
rds_reply_clear(struct rds_reply *r)
{
	size_t	i;

	free(r->str);
	for (i = 0; i < r->n; i++)
		rds_reply_clear(&r->elem[i]);
	free(r->elem);
	memset(r, 0, sizeof(*r));
}

/* Free a heap reply and its contents. */
void
rds_reply_free(struct rds_reply *r)
{
	if (r == NULL)
		return;
	rds_reply_clear(r);
	free(r);
}

/* ===================================================================== */
/* Command names: stats keys and the read-only table                      */
/* ===================================================================== */

/* Commands whose second word names the operation ("client|list"). */
static const char *const rds_container_cmds[] = {
	"acl", "client", "cluster", "command", "config", "debug", "function",
	"latency", "memory", "module", "object", "pubsub", "script", "sentinel",
	"slowlog", "xgroup", "xinfo", NULL,
};

/*
 * Read-only commands (sorted for bsearch): safe to send again after a
 * connection broke mid-flight, because running them twice changes nothing.
 */
static const char *const rds_readonly_cmds[] = {
	"acl|whoami", "bitcount", "bitpos", "client|getname", "client|id",
	"client|info", "client|list", "cluster|info", "cluster|nodes",
	"cluster|shards", "cluster|slots", "command", "command|count",
	"command|info", "config|get", "dbsize", "dump", "echo", "exists",
	"geodist", "geohash", "geopos", "get", "getbit", "getrange", "hexists",
	"hget", "hgetall", "hkeys", "hlen", "hmget", "hrandfield", "hscan",
	"hstrlen", "hvals", "info", "keys", "lastsave", "latency|latest",
	"lindex", "llen", "lpos", "lrange", "memory|stats", "memory|usage",
	"mget", "object|encoding", "object|freq", "object|idletime",
	"object|refcount", "pfcount", "ping", "pttl", "pubsub|channels",
	"pubsub|numpat", "pubsub|numsub", "randomkey", "role", "scan", "scard",
	"sdiff", "sinter", "sismember", "slowlog|get", "slowlog|len",
	"smembers", "smismember", "srandmember", "sscan", "strlen", "sunion",
	"time", "ttl", "type", "xlen", "xrange", "xrevrange", "zcard", "zcount",
	"zlexcount", "zmscore", "zrange", "zrangebylex", "zrangebyscore", "zrank",
	"zrevrange", "zrevrangebyscore", "zrevrank", "zscan", "zscore",
};

/* Lower-cased name of a command for the tracker ("get", "client|setname"). */
static void
rds_cmd_name(int argc, const char *const *argv, const size_t *argvlen,
    char *out, size_t len)
{
	size_t	n, i, o = 0, k;
	int	w;

	out[0] = '\0';
	for (w = 0; w < argc && w < 2; w++) {
		n = argvlen ? argvlen[w] : strlen(argv[w]);
		if (w == 1) {
			for (k = 0; rds_container_cmds[k] != NULL; k++)
				if (strcmp(out, rds_container_cmds[k]) == 0)
					break;
			if (rds_container_cmds[k] == NULL || o + 1 >= len)
				break;
			out[o++] = '|';
		}
		for (i = 0; i < n && o + 1 < len; i++)
			out[o++] = (char)tolower((unsigned char)argv[w][i]);
		out[o] = '\0';
	}
	if (out[0] == '\0')
		rds_strlcpy(out, "?", len);
}

/* bsearch comparator over strings. */
static int
rds_cmp_str(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* Is the (tracker-)named command read-only? */
static bool
rds_cmd_readonly(const char *name)
{
	return (bsearch(&name, rds_readonly_cmds,
	    sizeof(rds_readonly_cmds) / sizeof(rds_readonly_cmds[0]),
	    sizeof(rds_readonly_cmds[0]), rds_cmp_str) != NULL);
}

/* The upper-case verb for messages ("GET", "CLIENT|SETNAME"). */
static void
rds_verb(const char *name, char *out, size_t len)
{
	size_t	i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)toupper((unsigned char)name[i]);
	out[i] = '\0';
}

/* ===================================================================== */
/* Lifetime                                                               */
/* ===================================================================== */

/* Build "mcpdb-<component>" with characters Redis accepts in a name. */
static char *
rds_client_name(const char *component)
{
	char	*s = xasprintf("mcpdb-%s", component && *component ? component : "cli");
	char	*p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p > '~')
			*p = '-';
	return (s);
}

/*
 * The TLS settings of a rediss:// target: load CA file and client
 * certificate now, so a bad file is a configuration error (exit 2) before
 * anything is dialled. -1 with MC_E_CONFIG.
 */
static int
rds_tls_setup(struct rds *r, const struct conf_target *t, struct mc_err *err)
{
	const struct conf_redis	*o = &t->redis_opts;
	struct rdstls_conf	 tc;

	memset(&tc, 0, sizeof(tc));
	tc.ca_file = o->tls_ca_file[0] ? o->tls_ca_file : NULL;
	tc.cert_file = o->tls_cert_file[0] ? o->tls_cert_file : NULL;
	tc.key_file = o->tls_key_file[0] ? o->tls_key_file : NULL;
	tc.insecure = o->tls_insecure != 0;
	if ((r->tls = rdstls_ctx_new(&tc, err)) == NULL)
		return (mc_err_prefix(err, "target %s: redis_options: ",
		    t->name ? t->name : "?"));
	rds_strlcpy(r->tls_name, o->tls_server_name, sizeof(r->tls_name));
	return (0);
}

/* Create a client for a target; nothing is dialled. */
struct rds *
rds_new(const struct conf_target *t, struct logger *log, const char *component,
    struct mc_err *err)
{
	struct rds		*r;
	const struct conf_redis	*o;
	pthread_condattr_t	 ca;
	size_t			 i;

	if (t == NULL)
		return (mc_err_set(err, MC_E_CONFIG, "no target selected"), NULL);
	o = &t->redis_opts;
	if ((t->redis == NULL || t->redis[0] == '\0') && o->nsentinels == 0) {
		mc_err_set(err, MC_E_CONFIG,
		    "target %s has no Redis configured (set \"redis\" in the config file, "
		    "REDIS_URL or --redis)", t->name ? t->name : "?");
		return (NULL);
	}
	if (o->nsentinels > 0 && (o->sentinel_master == NULL || o->sentinel_master[0] == '\0')) {
		mc_err_set(err, MC_E_CONFIG, "target %s: redis_options.sentinels is set "
		    "but sentinel_master is not", t->name ? t->name : "?");
		return (NULL);
	}
	r = xcalloc(1, sizeof(*r));
	if (t->redis != NULL && t->redis[0] != '\0' &&
	    rdsuri_parse(t->redis, &r->uri, err) == -1) {
		mc_err_prefix(err, "target %s: ", t->name ? t->name : "?");
		free(r);
		return (NULL);
	}
	if (r->uri.tls && rds_tls_setup(r, t, err) == -1) {
		rdsuri_done(&r->uri);
		free(r);
		return (NULL);
	}
	r->log = log;
	r->client_name = rds_client_name(component);
	r->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 2000;
	/* hiredis trap 1: a connect timeout is not a command timeout; never run without one. */
	r->command_timeout_ms = o->command_timeout_ms > 0 ? o->command_timeout_ms : 2000;
	r->keepalive = o->keepalive != 0;
	r->nslots = o->max_connections > 0 ? (size_t)o->max_connections : RDS_NSLOTS;
	if (r->nslots > RDS_MAXSLOTS)
		r->nslots = RDS_MAXSLOTS;
	r->slots = xcalloc(r->nslots, sizeof(*r->slots));
	r->acquire_timeout_ms = o->acquire_timeout_ms;
	r->min_conns = o->min_connections > 0 ? (unsigned)o->min_connections : 0;
	if (r->min_conns > r->nslots)
		r->min_conns = (unsigned)r->nslots;
	if (o->nsentinels > 0) {
		rds_strlcpy(r->sentinel_user, o->sentinel_username, sizeof(r->sentinel_user));
		rds_strlcpy(r->sentinel_pass, o->sentinel_password, sizeof(r->sentinel_pass));
		r->master = xstrdup(o->sentinel_master);
		r->nsentinels = o->nsentinels;
		r->sentinels = xcalloc(o->nsentinels, sizeof(char *));
		for (i = 0; i < o->nsentinels; i++)
			r->sentinels[i] = xstrdup(o->sentinels[i]);
		snprintf(r->name, sizeof(r->name), "master %s", r->master);
	} else if (r->uri.path != NULL)
		rds_strlcpy(r->name, r->uri.path, sizeof(r->name));
	else if (strchr(r->uri.host, ':') != NULL)
		snprintf(r->name, sizeof(r->name), "[%s]:%d", r->uri.host, r->uri.port);
	else
		snprintf(r->name, sizeof(r->name), "%s:%d", r->uri.host, r->uri.port);
	rds_strlcpy(r->endpoint, r->name, sizeof(r->endpoint));

	pthread_mutex_init(&r->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	backoff_init(&r->bo, o->backoff_base_ms > 0 ? o->backoff_base_ms : 100,
	    o->backoff_cap_ms > 0 ? o->backoff_cap_ms : 5000, 0);
	breaker_init(&r->br, o->breaker_threshold > 0 ? o->breaker_threshold : 3,
	    o->breaker_open_ms > 0 ? o->breaker_open_ms : 5000);
	return (r);
}

/* Close all contexts and free everything. */
void
rds_free(struct rds *r)
{
	size_t	i;

	if (r == NULL)
		return;
	rds_cluster_free(r->cl);
	for (i = 0; i < r->nslots; i++) {
		rdstls_close(r->slots[i].tls);
		if (r->slots[i].c != NULL)
			redisFree(r->slots[i].c);
	}
	free(r->slots);
	rdstls_ctx_free(r->tls);
	for (i = 0; i < r->nsentinels; i++)
		free(r->sentinels[i]);
	free(r->sentinels);
	free(r->master);
	free(r->client_name);
	free(r->cs);
	rdsuri_done(&r->uri);
	breaker_done(&r->br);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->mtx);
	free(r);
}

/* The endpoint name given at creation. */
const char *
rds_name(const struct rds *r)
{
	return (r->name);
}

/* ===================================================================== */
/* Dialling: direct, Sentinel, setup commands                            */
/* ===================================================================== */

/* Split "host:port" / "[v6]:port" into host and port. */
bool
rds_hostport(const char *s, char *host, size_t hlen, int *port)
{
	const char	*colon;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return (false);
		snprintf(host, hlen, "%.*s", (int)(rb - s - 1), s + 1);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return (false);
		snprintf(host, hlen, "%.*s", (int)(colon - s), s);
	}
	return (rds_int(colon + 1, strlen(colon + 1), 1, 65535, port));
}

/*
 * Ask the sentinels, in order (the one that answered last first), for the
 * master's address. via gets the sentinel that answered.
 */
static int
rds_sentinel_resolve(struct rds *r, char *host, size_t hlen, int *port,
    char *via, size_t vialen, struct mc_err *err)
{
	char		**order, shost[128], why[400] = "";
	size_t		 i, j, wl = 0;
	int		 sport, unknown = 0, denied = 0, tmo;
	redisContext	*c;
	redisReply	*rep;
	const char	*argv[3] = { "SENTINEL", "get-master-addr-by-name", r->master };
	bool		 found = false;
	struct rdstls	*tls;
	struct mc_err	 te = { 0 };

	tmo = r->connect_timeout_ms < 1000 ? r->connect_timeout_ms : 1000;
	order = xcalloc(r->nsentinels, sizeof(char *));
	pthread_mutex_lock(&r->mtx);
	memcpy(order, r->sentinels, r->nsentinels * sizeof(char *));
	pthread_mutex_unlock(&r->mtx);
	for (i = 0; i < r->nsentinels && !found; i++) {
		if (!rds_hostport(order[i], shost, sizeof(shost), &sport)) {
			wl += (size_t)snprintf(why + wl, wl < sizeof(why) ? sizeof(why) - wl : 0,
			    "%s%s: not host:port", wl ? "; " : "", order[i]);
			continue;
		}
		c = redisConnectWithTimeout(shost, sport, rds_tv(tmo));
		if (c == NULL || c->err) {
			if (wl < sizeof(why))
				wl += (size_t)snprintf(why + wl, sizeof(why) - wl, "%s%s: %s",
				    wl ? "; " : "", order[i], c ? c->errstr : "out of memory");
			redisFree(c);
			continue;
		}
		redisSetTimeout(c, rds_tv(tmo));
		/* rediss://: the sentinels speak TLS too, with the same settings. */
		tls = NULL;
		if (r->tls != NULL && (tls = rdstls_open(r->tls, c->fd,
		    r->tls_name[0] ? r->tls_name : shost, tmo, &te)) == NULL) {
			if (wl < sizeof(why))
				wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
				    "%s%s: %s", wl ? "; " : "", order[i], te.msg);
			redisFree(c);
			continue;
		}
		/* ACL on the Sentinels: AUTH first (its arguments are never shown). */
		if (r->sentinel_pass[0] != '\0') {
			const char	*av[3] = { "AUTH", r->sentinel_user, r->sentinel_pass };
			int		 ac = r->sentinel_user[0] ? 3 : 2;

			if (ac == 2)
				av[1] = r->sentinel_pass;
			rep = tls != NULL ? rdstls_command_argv(tls, c, ac, av, NULL, tmo) :
			    redisCommandArgv(c, ac, av, NULL);
			if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
				if (wl < sizeof(why))
					wl += (size_t)snprintf(why + wl, sizeof(why) - wl,
					    "%s%s: AUTH as %s failed (check redis_options."
					    "sentinel_username/sentinel_password): %.120s",
					    wl ? "; " : "", order[i], r->sentinel_user[0] ?
					    r->sentinel_user : "default", rep ? rep->str :
					    c->errstr);
				denied += rep != NULL;
				freeReplyObject(rep);
				rdstls_close(tls);
				redisFree(c);
				continue;
			}
			freeReplyObject(rep);
		}
		rep = tls != NULL ? rdstls_command_argv(tls, c, 3, argv, NULL, tmo) :
		    redisCommandArgv(c, 3, argv, NULL);
		if (rep == NULL) {
			if (wl < sizeof(why))
				wl += (size_t)snprintf(why + wl, sizeof(why) - wl, "%s%s: %s",
				    wl ? "; " : "", order[i], c->errstr);
		} else if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
		    rep->element[0]->type == REDIS_REPLY_STRING &&
		    rep->element[1]->type == REDIS_REPLY_STRING &&
		    rds_int(rep->element[1]->str, rep->element[1]->len, 1, 65535, port)) {
			snprintf(host, hlen, "%s", rep->element[0]->str);
			rds_strlcpy(via, order[i], vialen);
			found = true;
		} else if (rep->type == REDIS_REPLY_NIL) {
			unknown++;
		} else {
			bool	noauth = rep->type == REDIS_REPLY_ERROR &&
			    (strncmp(rep->str, "NOAUTH", 6) == 0 || strncmp(rep->str, "NOPERM", 6) == 0);

			denied += noauth;
			if (wl < sizeof(why))
				wl += (size_t)snprintf(why + wl, sizeof(why) - wl, "%s%s: %s%s",
				    wl ? "; " : "", order[i],
				    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply",
				    noauth ? " (set redis_options.sentinel_username/"
				    "sentinel_password)" : "");
		}
		freeReplyObject(rep);
		rdstls_close(tls);
		redisFree(c);
	}
	if (found) {
		/* Move the sentinel that answered to the front (client spec step 1). */
		pthread_mutex_lock(&r->mtx);
		for (j = 0; j < r->nsentinels; j++)
			if (r->sentinels[j] == order[i - 1])
				break;
		if (j < r->nsentinels && j > 0) {
			char *s = r->sentinels[j];

			memmove(&r->sentinels[1], &r->sentinels[0], j * sizeof(char *));
			r->sentinels[0] = s;
		}
		rds_strlcpy(r->sentinel, via, sizeof(r->sentinel));
		pthread_mutex_unlock(&r->mtx);
		free(order);
		return (0);
	}
	free(order);
	if (unknown > 0)
		return (mc_err_set(err, MC_E_CONNECT,
		    "redis master %s: %d of %zu sentinels do not know this master name%s%s",
		    r->master, unknown, r->nsentinels, wl ? "; others: " : "", why));
	if (denied > 0)
		return (mc_err_set(err, MC_E_CONNECT,
		    "redis master %s: %d of %zu sentinels refused the login (tried %zu: %s)",
		    r->master, denied, r->nsentinels, r->nsentinels, why));
	return (mc_err_set(err, MC_E_CONNECT,
	    "redis master %s: no sentinel reachable (tried %zu: %s)",
	    r->master, r->nsentinels, why));
}

/*
 * redisCommandArgv on either transport: hiredis's own for plaintext, the
 * TLS round trip (same errors in c) for a session.
 */
static redisReply *
rds_roundtrip(struct rds *r, redisContext *c, struct rdstls *tls, int argc,
    const char **argv, const size_t *argvlen)
{
	if (tls == NULL)
		return (redisCommandArgv(c, argc, argv, argvlen));
	return (rdstls_command_argv(tls, c, argc, argv, argvlen,
	    r->command_timeout_ms));
}

/*
 * Run one setup command on a fresh context. what names it in errors
 * (never its arguments: AUTH carries the password).
 */
static int
rds_setup_cmd(struct rds *r, redisContext *c, struct rdstls *tls,
    const char *ep, const char *what, int argc, const char **argv,
    redisReply **keep, struct mc_err *err)
{
	redisReply	*rep;
	char		 msg[256];
	int		 saved;
	const char	*hint = "";

	rep = rds_roundtrip(r, c, tls, argc, argv, NULL);
	saved = errno;
	if (rep == NULL) {
		/*
		 * A plaintext client at a TLS port: the server drops the
		 * connection at once (or answers with a TLS alert record).
		 */
		if (tls == NULL && c->connection_type == REDIS_CONN_TCP &&
		    (c->err == REDIS_ERR_EOF || c->err == REDIS_ERR_PROTOCOL ||
		    saved == ECONNRESET))
			hint = " (is this a TLS port? then use rediss://)";
		/*
		 * A server that requires client certificates checks them
		 * after a TLS 1.3 handshake completed: the first command
		 * meets its alert or, racing it, a reset.
		 */
		else if (tls != NULL && (c->err == REDIS_ERR_EOF ||
		    saved == ECONNRESET || saved == EPIPE ||
		    strstr(c->errstr, "certificate") != NULL))
			hint = " (does the server require a client "
			    "certificate? see tls_cert_file)";
		/* A frozen server: say so, not "Resource temporarily unavailable". */
		if (rds_timed_out(c, saved))
			return (mc_err_set(err, MC_E_TIMEOUT, "redis %s: %s: timed out "
			    "after %d ms (command timeout)", ep, what,
			    r->command_timeout_ms));
		rds_scrub(r, msg, sizeof(msg), c->errstr);
		return (mc_err_set(err, MC_E_CONNECT, "redis %s: %s failed: "
		    "%s%s", ep, what, msg, hint));
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		rds_scrub(r, msg, sizeof(msg), rep->str);
		freeReplyObject(rep);
		return (mc_err_set(err, MC_E_REDIS, "redis %s: %s failed: %s", ep, what, msg));
	}
	if (keep != NULL)
		*keep = rep;
	else
		freeReplyObject(rep);
	return (0);
}

/* rds_dial_tls for callers without a TLS path (see rds-int.h). */
int
rds_dial(struct rds *r, const char *suffix, redisContext **out, char *ep,
    size_t eplen, struct mc_err *err)
{
	*out = NULL;
	if (r->tls != NULL) {
		rds_strlcpy(ep, r->name, eplen);
		return (mc_err_set(err, MC_E_CONNECT, "redis %s: this "
		    "connection has no TLS path (rediss://)", r->name));
	}
	return (rds_dial_tls(r, suffix, out, NULL, ep, eplen, err));
}

/* Make a fresh connection ready for commands (see rds-int.h). */
int
rds_dial_tls(struct rds *r, const char *suffix, redisContext **out,
    struct rdstls **tlsout, char *ep, size_t eplen, struct mc_err *err)
{
	char		 host[256], via[64] = "", name[128], dbs[16], msg[256], what[96];
	int		 port = 0, one, ms;
	const char	*path = NULL, *argv[3];
	redisContext	*c;
	redisReply	*role = NULL;
	struct rdstls	*tls = NULL;
	struct rdstls_info ti;

	*out = NULL;
	if (tlsout != NULL)
		*tlsout = NULL;
	if (r->cl != NULL)
		return (rds_cluster_dial(r->cl, suffix, out, tlsout, ep, eplen, err));
	if (r->nsentinels > 0) {
		if (rds_sentinel_resolve(r, host, sizeof(host), &port, via,
		    sizeof(via), err) == -1) {
			rds_strlcpy(ep, r->name, eplen);
			return (-1);
		}
	} else if (r->uri.path != NULL)
		path = r->uri.path;
	else {
		rds_strlcpy(host, r->uri.host, sizeof(host));
		port = r->uri.port;
	}
	if (path != NULL)
		rds_strlcpy(ep, path, eplen);
	else
		snprintf(ep, eplen, strchr(host, ':') ? "[%s]:%d%s%s" : "%s:%d%s%s",
		    host, port, via[0] ? " via sentinel " : "", via);

	c = path ? redisConnectUnixWithTimeout(path, rds_tv(r->connect_timeout_ms)) :
	    redisConnectWithTimeout(host, port, rds_tv(r->connect_timeout_ms));
	if (c == NULL)
		return (mc_err_set(err, MC_E_CONNECT, "redis %s: cannot allocate a context", ep));
	if (c->err) {
		rds_scrub(r, msg, sizeof(msg), c->errstr);
		redisFree(c);
		return (mc_err_set(err, MC_E_CONNECT, "redis %s: cannot connect: %s", ep, msg));
	}
	/* hiredis trap 1: without this, SO_RCVTIMEO is 0 and a command can block forever. */
	if (redisSetTimeout(c, rds_tv(r->command_timeout_ms)) != REDIS_OK) {
		mc_err_set(err, MC_E_CONNECT, "redis %s: cannot set the command timeout: %s",
		    ep, c->errstr);
		redisFree(c);
		return (-1);
	}
	/* hiredis trap 4: keepalive on a unix socket fails and kills the context. */
	if (c->connection_type == REDIS_CONN_TCP && r->keepalive) {
		if (redisEnableKeepAlive(c) != REDIS_OK) {
			mc_err_set(err, MC_E_CONNECT, "redis %s: cannot enable TCP keepalive: %s",
			    ep, c->errstr);
			redisFree(c);
			return (-1);
		}
#ifdef TCP_USER_TIMEOUT
		/* research pitfall 14: unacknowledged data must not hang for 15 minutes */
		ms = r->command_timeout_ms * 2 > 10000 ? r->command_timeout_ms * 2 : 10000;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
#endif
		one = 1;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (r->tls != NULL && path == NULL) {
		/* hiredis connected the socket; OpenSSL speaks from here. */
		tls = rdstls_open(r->tls, c->fd, r->tls_name[0] ? r->tls_name :
		    host, r->connect_timeout_ms, err);
		if (tls == NULL) {
			mc_err_prefix(err, "redis %s: ", ep);
			redisFree(c);
			return (-1);
		}
	}
	if (r->uri.password != NULL) {
		argv[0] = "AUTH";
		if (r->uri.user != NULL) {
			argv[1] = r->uri.user;
			argv[2] = r->uri.password;
			snprintf(what, sizeof(what), "AUTH as user \"%.40s\"", r->uri.user);
		} else {
			argv[1] = r->uri.password;
			rds_strlcpy(what, "AUTH (password only)", sizeof(what));
		}
		if (rds_setup_cmd(r, c, tls, ep, what, r->uri.user ? 3 : 2, argv, NULL, err) == -1)
			goto fail;
	}
	if (r->uri.db != 0) {
		snprintf(dbs, sizeof(dbs), "%d", r->uri.db);
		argv[0] = "SELECT";
		argv[1] = dbs;
		snprintf(what, sizeof(what), "SELECT %d", r->uri.db);
		if (rds_setup_cmd(r, c, tls, ep, what, 2, argv, NULL, err) == -1)
			goto fail;
	}
	snprintf(name, sizeof(name), "%s%s", r->client_name, suffix ? suffix : "");
	argv[0] = "CLIENT";
	argv[1] = "SETNAME";
	argv[2] = name;
	if (rds_setup_cmd(r, c, tls, ep, "CLIENT SETNAME", 3, argv, NULL, err) == -1)
		goto fail;
	if (r->nsentinels > 0) {
		/* Sentinel client spec step 3: trust, but verify. */
		argv[0] = "ROLE";
		if (rds_setup_cmd(r, c, tls, ep, "ROLE", 1, argv, &role, err) == -1)
			goto fail;
		if (role->type != REDIS_REPLY_ARRAY || role->elements < 1 ||
		    role->element[0]->type != REDIS_REPLY_STRING ||
		    strcmp(role->element[0]->str, "master") != 0) {
			mc_err_set(err, MC_E_CONNECT, "redis %s: ROLE is \"%s\", not master "
			    "(sentinel %s has stale information; resolving again)", ep,
			    role->type == REDIS_REPLY_ARRAY && role->elements > 0 &&
			    role->element[0]->type == REDIS_REPLY_STRING ?
			    role->element[0]->str : "?", via);
			freeReplyObject(role);
			goto fail;
		}
		freeReplyObject(role);
	}
	if (tls != NULL) {
		rdstls_info(tls, &ti);
		pthread_mutex_lock(&r->mtx);
		r->tlsinfo = ti;
		pthread_mutex_unlock(&r->mtx);
	}
	*out = c;
	if (tlsout != NULL)
		*tlsout = tls;
	else
		rdstls_close(tls);
	return (0);
fail:
	rdstls_close(tls);
	redisFree(c);
	return (-1);
}

/* ===================================================================== */
/* Slots: checkout, liveness, connect with backoff and breaker            */
/* ===================================================================== */

/*
 * A copy of the endpoint in use, taken under r->mtx (another thread may be
 * replacing it). Borrowed: valid until this thread's next call.
 */
static const char *
rds_ep(struct rds *r)
{
	static _Thread_local char	buf[sizeof(r->endpoint)];

	pthread_mutex_lock(&r->mtx);
	memcpy(buf, r->endpoint, sizeof(buf));
	pthread_mutex_unlock(&r->mtx);
	return (buf);
}

/* Add us microseconds to a monotonic timespec deadline. */
static struct timespec
rds_abstime(int64_t mono_us)
{
	struct timespec	ts;

	ts.tv_sec = mono_us / 1000000;
	ts.tv_nsec = (mono_us % 1000000) * 1000;
	return (ts);
}

/* Check out a slot, preferring one with a live context; wait until deadline. */
static struct rds_slot *
rds_slot_get(struct rds *r, int64_t deadline, struct mc_err *err)
{
	struct rds_slot	*best;
	struct timespec	 ts;
	size_t		 i;
	bool		 waited = false;

	/* The acquire timeout bounds the wait for a slot, never beyond the command's. */
	if (r->acquire_timeout_ms > 0 &&
	    clk_mono_us() + (int64_t)r->acquire_timeout_ms * 1000 < deadline)
		deadline = clk_mono_us() + (int64_t)r->acquire_timeout_ms * 1000;
	pthread_mutex_lock(&r->mtx);
	for (;;) {
		best = NULL;
		for (i = 0; i < r->nslots; i++) {
			if (r->slots[i].busy)
				continue;
			if (r->slots[i].c != NULL) {
				best = &r->slots[i];
				break;
			}
			if (best == NULL)
				best = &r->slots[i];
		}
		if (best != NULL) {
			best->busy = true;
			best->old = best->c != NULL && best->gen != r->gen;
			pthread_mutex_unlock(&r->mtx);
			return (best);
		}
		if (clk_mono_us() >= deadline)
			break;
		if (!waited)
			r->acquire_waits++;
		waited = true;
		ts = rds_abstime(deadline);
		pthread_cond_timedwait(&r->cond, &r->mtx, &ts);
	}
	r->acquire_timeouts++;
	pthread_mutex_unlock(&r->mtx);
	mc_err_set(err, MC_E_TIMEOUT, "redis %s: all %zu connections stayed busy for "
	    "%d ms (%s); raise redis_options.max_connections or try again", rds_ep(r),
	    r->nslots, r->acquire_timeout_ms > 0 && r->acquire_timeout_ms < r->command_timeout_ms ?
	    r->acquire_timeout_ms : r->command_timeout_ms,
	    r->acquire_timeout_ms > 0 && r->acquire_timeout_ms < r->command_timeout_ms ?
	    "acquire_timeout_ms" : "command timeout");
	return (NULL);
}

void
rds_push_state(struct rds *r, bool on, const char *via)
{
	pthread_mutex_lock(&r->mtx);
	r->push_on = on;
	rds_strlcpy(r->push_via, via ? via : "", sizeof(r->push_via));
	pthread_mutex_unlock(&r->mtx);
}

void
rds_push_event(struct rds *r, const char *text, bool switched)
{
	pthread_mutex_lock(&r->mtx);
	rds_scrub(r, r->push_event, sizeof(r->push_event), text);
	r->push_event_us = clk_mono_us();
	if (switched) {
		r->gen++;		/* idle connections to the old master are dropped */
		r->push_switches++;
		backoff_reset(&r->bo);
		r->next_attempt_us = 0;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->mtx);
	if (switched) {
		breaker_probe_now(&r->br);
		log_msg(r->log, LOGL_WARN, "redis %s: %s: connecting to the new master now",
		    rds_ep(r), text);
	}
}

/* Return a slot to the pool. */
static void
rds_slot_put(struct rds *r, struct rds_slot *s)
{
	pthread_mutex_lock(&r->mtx);
	s->busy = false;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mtx);
}

/* Discard the slot's context (hiredis trap 3: it cannot be used again). */
static void
rds_slot_drop(struct rds *r, struct rds_slot *s)
{
	if (s->c == NULL)
		return;
	rdstls_close(s->tls);
	s->tls = NULL;
	redisFree(s->c);
	s->c = NULL;
	pthread_mutex_lock(&r->mtx);
	r->open_conns--;
	r->disconnects++;
	r->lost = true;
	pthread_mutex_unlock(&r->mtx);
}

/*
 * Record a failure: last error, breaker count, and the next dial's time:
 * the backoff while the breaker is closed, its probe schedule otherwise.
 * dial says whether it was a failed connect (vs. a broken connection).
 */
static void
rds_note_failure(struct rds *r, const char *msg, bool dial)
{
	int64_t			now = clk_mono_us();
	int			delay;
	bool			changed = breaker_failure(&r->br);
	struct breaker_stats	bs = breaker_stats(&r->br);

	pthread_mutex_lock(&r->mtx);
	rds_scrub(r, r->last_error, sizeof(r->last_error), msg);
	r->last_error_us = now;
	r->lost = true;
	r->fail_streak++;
	if (dial)
		r->connect_failures++;
	if (bs.state == BREAKER_CLOSED) {
		delay = backoff_next_ms(&r->bo);
		r->next_attempt_us = now + (int64_t)delay * 1000;
	} else {
		delay = bs.open_until_us > now ?
		    (int)((bs.open_until_us - now) / 1000) : 0;
		r->next_attempt_us = 0;		/* breaker_allow decides */
	}
	pthread_mutex_unlock(&r->mtx);
	/* The caller reports msg itself; the log gets the breaker's state changes. */
	log_msg(r->log, LOGL_INFO, "%s; next attempt in %d ms", msg, delay);
	if (changed && bs.state == BREAKER_OPEN && bs.probe_failures == 0)
		log_msg(r->log, LOGL_WARN, "redis %s: circuit opened after %d failures; "
		    "calls fail fast until a probe succeeds (first in %d ms, then at "
		    "most every %d ms)", rds_ep(r), bs.consecutive_failures, delay,
		    r->br.open_ms);
}

/*
 * Is an idle context's socket readable? Nothing is expected on an idle
 * connection, so readable means the server closed it (restart, CLIENT KILL,
 * idle timeout) and using it would fail mid-flight.
 */
static bool
rds_ctx_stale(redisContext *c, struct rdstls *tls)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };

	if (tls != NULL)
		return (rdstls_stale(tls));
	return (poll(&pfd, 1, 0) != 0);
}

/* Dial for slot s if allowed by the backoff schedule and the breaker. */
static int
rds_slot_connect(struct rds *r, struct rds_slot *s, int64_t deadline, struct mc_err *err)
{
	int64_t			 now = clk_mono_us(), wait;
	int			 retry_ms = 0;
	unsigned		 attempt;
	char			 last[256], ep[160];
	struct breaker_stats	 bs;
	redisContext		*c;
	struct rdstls		*tls;
	struct mc_err		 e = { 0 };
	bool			 was_lost;

	pthread_mutex_lock(&r->mtx);
	wait = r->next_attempt_us - now;
	attempt = r->bo.attempt;
	rds_strlcpy(last, r->last_error, sizeof(last));
	pthread_mutex_unlock(&r->mtx);
	if (wait > 0 && now + wait > deadline)
		return (mc_err_set(err, MC_E_CONNECT, "redis %s: reconnecting in %.1f s "
		    "(attempt %u); last error: %s", rds_ep(r), (double)wait / 1e6,
		    attempt, last));
	rds_sleep_us(wait);
	if (!breaker_allow(&r->br, &retry_ms)) {
		bs = breaker_stats(&r->br);
		pthread_mutex_lock(&r->mtx);
		rds_strlcpy(last, r->last_error, sizeof(last));
		pthread_mutex_unlock(&r->mtx);
		if (retry_ms <= 0)
			return (mc_err_set(err, MC_E_BREAKER, "redis %s: circuit open after "
			    "%d failures; a probe is connecting now; retry shortly; last "
			    "error: %s", rds_ep(r), bs.consecutive_failures, last));
		return (mc_err_set(err, MC_E_BREAKER, "redis %s: circuit open after %d "
		    "failures; next probe in %.2f s; last error: %s", rds_ep(r),
		    bs.consecutive_failures, retry_ms / 1000.0, last));
	}
	if (rds_dial_tls(r, NULL, &c, &tls, ep, sizeof(ep), &e) == -1) {
		pthread_mutex_lock(&r->mtx);
		rds_strlcpy(r->endpoint, ep, sizeof(r->endpoint));
		pthread_mutex_unlock(&r->mtx);
		rds_note_failure(r, e.msg, true);
		return (mc_err_copy(err, &e));
	}
	breaker_success(&r->br);
	pthread_mutex_lock(&r->mtx);
	backoff_reset(&r->bo);
	r->next_attempt_us = 0;
	r->fail_streak = 0;
	r->connects++;
	was_lost = r->lost;
	if (r->lost)
		r->reconnects++;
	r->lost = false;
	r->open_conns++;
	rds_strlcpy(r->endpoint, ep, sizeof(r->endpoint));
	s->gen = r->gen;
	pthread_mutex_unlock(&r->mtx);
	s->c = c;
	s->tls = tls;
	log_msg(r->log, was_lost ? LOGL_INFO : LOGL_DEBUG, "redis %s: %sconnected as %s",
	    ep, was_lost ? "re" : "", r->client_name);
	return (0);
}

/* Make sure slot s has a usable context: drop stale ones, dial if needed. */
static int
rds_slot_ready(struct rds *r, struct rds_slot *s, int64_t deadline, struct mc_err *err)
{
	if (s->c != NULL && (s->old || rds_ctx_stale(s->c, s->tls))) {
		log_msg(r->log, LOGL_DEBUG, "redis %s: idle connection was closed by the "
		    "server; dialling again", rds_ep(r));
		rds_slot_drop(r, s);
		s->old = false;
	}
	if (s->c == NULL)
		return (rds_slot_connect(r, s, deadline, err));
	return (0);
}

/*
 * Warm-up (rds-warm.c): check each idle context once and drop those the
 * server closed or that point at an old master, then dial one more when
 * fewer than min are open. Slots are checked out like a command's, so a
 * command never shares a context with the warm-up.
 */
int
rds_warm_step(struct rds *r, size_t min, struct mc_err *err)
{
	struct rds_slot	*s;
	size_t		 i;
	int64_t		 now;
	int		 rc;

	for (i = 0; i < r->nslots; i++) {
		pthread_mutex_lock(&r->mtx);
		s = &r->slots[i];
		if (s->busy || s->c == NULL) {
			pthread_mutex_unlock(&r->mtx);
			continue;
		}
		s->busy = true;
		s->old = s->gen != r->gen;
		pthread_mutex_unlock(&r->mtx);
		if (s->old || rds_ctx_stale(s->c, s->tls)) {
			log_msg(r->log, LOGL_DEBUG, "redis %s: warm-up: an idle "
			    "connection was closed by the server; dropping it",
			    rds_ep(r));
			rds_slot_drop(r, s);
			s->old = false;
		}
		rds_slot_put(r, s);
	}
	if (min > r->nslots)
		min = r->nslots;
	now = clk_mono_us();
	pthread_mutex_lock(&r->mtx);
	s = NULL;
	if (r->open_conns < min && r->next_attempt_us <= now)
		for (i = 0; i < r->nslots && s == NULL; i++)
			if (!r->slots[i].busy && r->slots[i].c == NULL)
				s = &r->slots[i];
	if (s != NULL)
		s->busy = true;
	pthread_mutex_unlock(&r->mtx);
	if (s == NULL)
		return (0);
	rc = rds_slot_connect(r, s, now + (int64_t)r->connect_timeout_ms * 1000, err);
	rds_slot_put(r, s);
	return (rc == 0 ? 1 : -1);
}

/* ===================================================================== */
/* Tracking                                                               */
/* ===================================================================== */

/* Count one call of name. Caller holds r->mtx. */
static void
rds_track_locked(struct rds *r, const char *name, int64_t us, bool failed)
{
	struct rds_cstat	*cs = NULL;
	size_t			 i;

	for (i = 0; i < r->ncs; i++)
		if (strcmp(r->cs[i].name, name) == 0) {
			cs = &r->cs[i];
			break;
		}
	if (cs == NULL) {
		if (r->ncs == r->cscap) {
			r->cscap = r->cscap ? r->cscap * 2 : 16;
			r->cs = xreallocarray(r->cs, r->cscap, sizeof(*r->cs));
		}
		cs = &r->cs[r->ncs++];
		rds_strlcpy(cs->name, name, sizeof(cs->name));
		cs->calls = cs->errors = 0;
		rds_hist_init(&cs->hist);
	}
	cs->calls++;
	r->calls++;
	if (failed) {
		cs->errors++;
		r->errors++;
	}
	rds_hist_add(&cs->hist, us > 0 ? (uint64_t)us : 0);
}

/* Count one call and clear a pending breaker streak after a success. */
static void
rds_track(struct rds *r, const char *name, int64_t us, bool failed, bool conn_ok)
{
	bool	clear = false;

	pthread_mutex_lock(&r->mtx);
	rds_track_locked(r, name, us, failed);
	if (conn_ok && r->fail_streak > 0) {
		r->fail_streak = 0;
		backoff_reset(&r->bo);
		clear = true;
	}
	pthread_mutex_unlock(&r->mtx);
	if (clear)
		breaker_success(&r->br);
}

/* Sort comparator: most calls first, then by name. */
static int
rds_cmp_cmd(const void *a, const void *b)
{
	const struct rds_cmd_stats *x = a, *y = b;

	if (x->calls != y->calls)
		return (x->calls > y->calls ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/* Copy all counters under one lock hold. */
struct rds_stats *
rds_stats(struct rds *r)
{
	struct rds_stats	*st;
	size_t			 i;

	if (r->cl != NULL)
		return (rds_cluster_stats(r->cl));
	st = xcalloc(1, sizeof(*st));

	st->breaker = breaker_stats(&r->br);
	pthread_mutex_lock(&r->mtx);
	rds_strlcpy(st->endpoint, r->endpoint, sizeof(st->endpoint));
	rds_strlcpy(st->sentinel, r->sentinel, sizeof(st->sentinel));
	st->open_conns = r->open_conns;
	st->connected = r->open_conns > 0;
	st->max_conns = (unsigned)r->nslots;
	st->min_conns = r->min_conns;
	st->push_on = r->push_on;
	rds_strlcpy(st->push_via, r->push_via, sizeof(st->push_via));
	st->push_switches = r->push_switches;
	rds_strlcpy(st->push_event, r->push_event, sizeof(st->push_event));
	st->push_event_us = r->push_event_us;
	st->acquire_waits = r->acquire_waits;
	st->acquire_timeouts = r->acquire_timeouts;
	st->connects = r->connects;
	st->reconnects = r->reconnects;
	st->connect_failures = r->connect_failures;
	st->disconnects = r->disconnects;
	st->outcome_unknown = r->outcome_unknown;
	st->pipelined_cmds = r->pipelined;
	st->attempt = r->bo.attempt;
	st->next_retry_us = r->next_attempt_us;
	rds_strlcpy(st->last_error, r->last_error, sizeof(st->last_error));
	st->last_error_us = r->last_error_us;
	st->calls = r->calls;
	st->errors = r->errors;
	st->ncmds = r->ncs;
	st->cmds = xcalloc(r->ncs ? r->ncs : 1, sizeof(*st->cmds));
	for (i = 0; i < r->ncs; i++) {
		struct rds_cmd_stats	*d = &st->cmds[i];
		const struct rds_cstat	*s = &r->cs[i];

		rds_strlcpy(d->name, s->name, sizeof(d->name));
		d->calls = s->calls;
		d->errors = s->errors;
		d->p50_us = rds_hist_pct(&s->hist, 50);
		d->p95_us = rds_hist_pct(&s->hist, 95);
		d->p99_us = rds_hist_pct(&s->hist, 99);
		d->max_us = s->hist.max_us;
		d->mean_us = rds_hist_mean(&s->hist);
	}
	pthread_mutex_unlock(&r->mtx);
	qsort(st->cmds, st->ncmds, sizeof(*st->cmds), rds_cmp_cmd);
	return (st);
}

/* Free a stats copy. */
void
rds_stats_free(struct rds_stats *st)
{
	if (st == NULL)
		return;
	free(st->cmds);
	free(st);
}

/* ===================================================================== */
/* Commands                                                               */
/* ===================================================================== */

/* Was the last hiredis I/O error a timeout (SO_RCVTIMEO/SO_SNDTIMEO expired)? */
static bool
rds_timed_out(const redisContext *c, int saved_errno)
{
	char	buf[128];

	if (c->err != REDIS_ERR_IO)
		return (false);
	if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT)
		return (true);
	/* hiredis keeps only the text of errno: compare it too. */
	return (strcmp(c->errstr, strerror_r(EAGAIN, buf, sizeof(buf))) == 0);
}

/*
 * Run one command (see rds_command); *lat_us (may be NULL) gets the time the
 * server took to answer, without any dialling or waiting before it.
 */
static struct rds_reply *
rds_exec(struct rds *r, unsigned flags, int argc, const char *const *argv,
    const size_t *argvlen, int64_t *lat_us, struct mc_err *err)
{
	char		 name[32], verb[32], why[160], ep[160];
	int64_t		 deadline, t0 = 0, t1;
	struct rds_slot	*s;
	redisReply	*rep = NULL;
	struct rds_reply *out = NULL;
	struct mc_err	 e = { 0 };
	bool		 readonly, timed_out, proto, failed = true, conn_ok = false;
	int		 attempt, saved;

	if (argc < 1)
		return (mc_err_set(err, MC_E_INTERNAL, "rds_command: no command"), NULL);
	rds_cmd_name(argc, argv, argvlen, name, sizeof(name));
	rds_verb(name, verb, sizeof(verb));
	readonly = (flags & RDS_F_IDEMPOTENT) || rds_cmd_readonly(name);
	deadline = clk_mono_us() + (int64_t)r->command_timeout_ms * 1000;
	if ((s = rds_slot_get(r, deadline, &e)) == NULL) {
		rds_track(r, name, 0, true, false);
		return (mc_err_copy(err, &e), NULL);
	}
	for (attempt = 0;; attempt++) {
		if (rds_slot_ready(r, s, deadline, &e) == -1)
			break;
		t0 = clk_mono_us();
		rep = rds_roundtrip(r, s->c, s->tls, argc, (const char **)argv,
		    argvlen);
		saved = errno;
		if (rep == NULL) {
			timed_out = rds_timed_out(s->c, saved);
			proto = s->c->err == REDIS_ERR_PROTOCOL;
			rds_scrub(r, why, sizeof(why), s->c->errstr);
			pthread_mutex_lock(&r->mtx);
			rds_strlcpy(ep, r->endpoint, sizeof(ep));
			pthread_mutex_unlock(&r->mtx);
			rds_slot_drop(r, s);
			if (timed_out)
				mc_err_set(&e, MC_E_TIMEOUT, "redis %s: %s: no reply within %d ms "
				    "(command timeout); connection dropped%s", ep, verb,
				    r->command_timeout_ms, readonly ? "" :
				    "; outcome unknown: the command was sent and may have been applied");
			else if (proto)
				mc_err_set(&e, MC_E_REDIS, "redis %s: %s: reply not readable by "
				    "hiredis 0.14 (%s); connection dropped", ep, verb, why);
			else
				mc_err_set(&e, MC_E_CONNECT, "redis %s: %s: connection lost (%s)%s",
				    ep, verb, why, readonly ? "" :
				    "; outcome unknown: the command was sent and may have been applied");
			rds_note_failure(r, e.msg, false);
			/* A read may go again once; a write never (it may have run). */
			if (readonly && !timed_out && !proto && attempt == 0 &&
			    clk_mono_us() < deadline)
				continue;
			if (!readonly && !proto) {
				pthread_mutex_lock(&r->mtx);
				r->outcome_unknown++;
				pthread_mutex_unlock(&r->mtx);
			}
			break;
		}
		conn_ok = true;
		if (rep->type == REDIS_REPLY_ERROR &&
		    strncmp(rep->str, "READONLY", 8) == 0) {
			/* A replica now: the server rejected the write, so it is safe to resend. */
			pthread_mutex_lock(&r->mtx);
			r->gen++;
			rds_strlcpy(ep, r->endpoint, sizeof(ep));
			pthread_mutex_unlock(&r->mtx);
			rds_slot_drop(r, s);
			if (attempt == 0 && clk_mono_us() < deadline) {
				freeReplyObject(rep);
				rep = NULL;
				log_msg(r->log, LOGL_WARN, "redis %s: READONLY: the master "
				    "moved; resolving again", ep);
				continue;
			}
		}
		if (rep->type == REDIS_REPLY_ERROR && !(flags & RDS_F_ERROR_REPLY)) {
			rds_scrub(r, why, sizeof(why), rep->str);
			mc_err_set(&e, MC_E_REDIS, "redis %s: %s: %s%s", rds_ep(r), verb, why,
			    strncmp(rep->str, "LOADING", 7) == 0 ?
			    " (the server is loading its data set; retry in a few seconds)" :
			    strncmp(rep->str, "NOAUTH", 6) == 0 ?
			    " (set the password in the target's redis URL)" : "");
			break;
		}
		failed = rep->type == REDIS_REPLY_ERROR;
		out = xmalloc(sizeof(*out));
		rds_reply_copy(out, rep);
		break;
	}
	t1 = clk_mono_us();
	freeReplyObject(rep);
	rds_slot_put(r, s);
	rds_track(r, name, t0 ? t1 - t0 : 0, failed, conn_ok);
	if (lat_us != NULL)
		*lat_us = t0 ? t1 - t0 : 0;
	if (out == NULL)
		mc_err_copy(err, &e);
	return (out);
}

/* Run one command (see rds.h). */
struct rds_reply *
rds_command(struct rds *r, unsigned flags, int argc, const char *const *argv,
    const size_t *argvlen, struct mc_err *err)
{
	if (r->cl != NULL)
		return (rds_cluster_command(r->cl, flags, argc, argv, argvlen, err));
	return (rds_exec(r, flags, argc, argv, argvlen, NULL, err));
}

/* A command from up to 5 NUL-terminated words (internal convenience). */
static struct rds_reply *
rds_cmd5(struct rds *r, unsigned flags, const char *a0, const char *a1,
    const char *a2, const char *a3, const char *a4, struct mc_err *err)
{
	const char	*argv[5] = { a0, a1, a2, a3, a4 };
	int		 argc = 0;

	while (argc < 5 && argv[argc] != NULL)
		argc++;
	return (rds_command(r, flags, argc, argv, NULL, err));
}

/* PING with a round-trip measurement. */
int
rds_ping(struct rds *r, int64_t *rtt_us, struct mc_err *err)
{
	static const char *const argv[] = { "PING" };
	struct rds_reply	*rep;
	int64_t			 lat = 0;
	int			 rc = 0;

	if (r->cl != NULL)
		return (rds_cluster_ping(r->cl, rtt_us, err));
	rep = rds_exec(r, 0, 1, argv, NULL, &lat, err);
	if (rep == NULL)
		return (-1);
	if (rep->type != RDS_STATUS || strcmp(rep->str, "PONG") != 0)
		rc = mc_err_set(err, MC_E_REDIS, "redis %s: PING: unexpected reply", rds_ep(r));
	rds_reply_free(rep);
	if (rc == 0 && rtt_us != NULL)
		*rtt_us = lat > 0 ? lat : 1;
	return (rc);
}

/* GET into a fresh string. */
int
rds_get(struct rds *r, const char *key, char **val, size_t *len, struct mc_err *err)
{
	struct rds_reply	*rep;

	*val = NULL;
	if ((rep = rds_cmd5(r, 0, "GET", key, NULL, NULL, NULL, err)) == NULL)
		return (-1);
	if (rep->type == RDS_NIL) {
		rds_reply_free(rep);
		return (mc_err_set(err, MC_E_NOTFOUND, "redis key \"%.80s\" does not exist", key));
	}
	if (rep->type != RDS_STRING) {
		rds_reply_free(rep);
		return (mc_err_set(err, MC_E_REDIS, "redis key \"%.80s\": GET: unexpected reply", key));
	}
	*val = rep->str;
	if (len != NULL)
		*len = rep->len;
	rep->str = NULL;
	rds_reply_free(rep);
	return (0);
}

/* SET with an optional EX. */
int
rds_set(struct rds *r, const char *key, const char *val, size_t len, int ttl_s,
    struct mc_err *err)
{
	const char		*argv[5] = { "SET", key, val, "EX", NULL };
	size_t			 argvlen[5];
	char			 ttl[16];
	struct rds_reply	*rep;

	argvlen[0] = 3;
	argvlen[1] = strlen(key);
	argvlen[2] = len;
	argvlen[3] = 2;
	if (ttl_s > 0) {
		snprintf(ttl, sizeof(ttl), "%d", ttl_s);
		argv[4] = ttl;
		argvlen[4] = strlen(ttl);
	}
	rep = rds_command(r, 0, ttl_s > 0 ? 5 : 3, argv, argvlen, err);
	if (rep == NULL)
		return (-1);
	rds_reply_free(rep);
	return (0);
}

/* DEL one key. */
int
rds_del(struct rds *r, const char *key, long long *deleted, struct mc_err *err)
{
	struct rds_reply	*rep;

	if ((rep = rds_cmd5(r, 0, "DEL", key, NULL, NULL, NULL, err)) == NULL)
		return (-1);
	if (deleted != NULL)
		*deleted = rep->type == RDS_INTEGER ? rep->integer : 0;
	rds_reply_free(rep);
	return (0);
}

/* PUBLISH one message. */
int
rds_publish(struct rds *r, const char *channel, const char *msg, size_t len,
    long long *receivers, struct mc_err *err)
{
	const char		*argv[3] = { "PUBLISH", channel, msg };
	size_t			 argvlen[3] = { 7, strlen(channel), len };
	struct rds_reply	*rep;

	if ((rep = rds_command(r, 0, 3, argv, argvlen, err)) == NULL)
		return (-1);
	if (receivers != NULL)
		*receivers = rep->type == RDS_INTEGER ? rep->integer : 0;
	rds_reply_free(rep);
	return (0);
}

/* Report socket options and CLIENT ID of one idle connection. */
int
rds_sockinfo(struct rds *r, struct rds_sockinfo *si, struct mc_err *err)
{
	struct rds_slot	*s;
	int64_t		 deadline = clk_mono_us() + (int64_t)r->command_timeout_ms * 1000;
	int		 v = 0, rc = -1;
	socklen_t	 sl;
	struct timeval	 tv;
	redisReply	*rep;
	const char	*argv[2];

	memset(si, 0, sizeof(*si));
	if (r->cl != NULL)
		return ((r = rds_cluster_any(r->cl, err)) == NULL ? -1 :
		    rds_sockinfo(r, si, err));
	if ((s = rds_slot_get(r, deadline, err)) == NULL)
		return (-1);
	if (rds_slot_ready(r, s, deadline, err) == -1)
		goto out;
	si->unix_socket = s->c->connection_type == REDIS_CONN_UNIX;
	sl = sizeof(v);
	if (getsockopt(s->c->fd, SOL_SOCKET, SO_KEEPALIVE, &v, &sl) == 0)
		si->keepalive = v != 0;
	sl = sizeof(tv);
	if (getsockopt(s->c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &sl) == 0)
		si->rcvtimeo_ms = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
	sl = sizeof(tv);
	if (getsockopt(s->c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &sl) == 0)
		si->sndtimeo_ms = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
	argv[0] = "CLIENT";
	argv[1] = "ID";
	rep = rds_roundtrip(r, s->c, s->tls, 2, argv, NULL);
	if (rep == NULL) {
		mc_err_set(err, MC_E_CONNECT, "redis %s: CLIENT ID: %s", rds_ep(r),
		    s->c->errstr);
		rds_slot_drop(r, s);
		goto out;
	}
	si->client_id = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
	freeReplyObject(rep);
	rc = 0;
out:
	rds_slot_put(r, s);
	return (rc);
}

/* ===================================================================== */
/* JSON helpers                                                           */
/* ===================================================================== */

/* SET key to v's compact JSON text. */
int
rds_json_set(struct rds *r, const char *key, const cJSON *v, int ttl_s,
    struct mc_err *err)
{
	char	*text;
	int	 rc;

	if (v == NULL)
		return (mc_err_set(err, MC_E_INTERNAL, "rds_json_set: no value"));
	if ((text = cJSON_PrintUnformatted(v)) == NULL)
		return (mc_err_set(err, MC_E_INPUT, "redis key \"%.80s\": value cannot be "
		    "printed as JSON", key));
	rc = rds_set(r, key, text, strlen(text), ttl_s, err);
	cJSON_free(text);
	return (rc);
}

/* GET key and parse the whole value as JSON. */
cJSON *
rds_json_get(struct rds *r, const char *key, struct mc_err *err)
{
	char		*val;
	size_t		 len, i;
	const char	*end = NULL;
	cJSON		*v;

	if (rds_get(r, key, &val, &len, err) == -1)
		return (NULL);
	v = cJSON_ParseWithLengthOpts(val, len, &end, 0);
	if (v != NULL) {
		/* cJSON stops after the first value: anything but blanks after it is junk. */
		for (i = (size_t)(end - val); i < len; i++)
			if (!isspace((unsigned char)val[i]))
				break;
		if (i < len) {
			cJSON_Delete(v);
			v = NULL;
			end = val + i;
		}
	}
	if (v == NULL) {
		size_t	at = end && end >= val && end <= val + len ? (size_t)(end - val) : 0;

		mc_err_set(err, MC_E_INPUT, "redis key \"%.80s\" does not hold JSON: "
		    "parse error at byte %zu of %zu", key, at, len);
	}
	free(val);
	return (v);
}

/* ===================================================================== */
/* Pipelining                                                             */
/* ===================================================================== */

/* One block of a batch's reply arena (see rds_pipe_alloc). */
struct rds_chunk {
	struct rds_chunk	*next;
	size_t			 used, cap;
	max_align_t		 data[];
};

/* Arena block size; a larger reply gets a block of its own. */
#define RDS_CHUNK	(64 * 1024)

struct rds_pipe {
	struct rds		*r;
	struct rds_chunk	*arena;		/* reply storage, newest first */
	struct buf		 out;		/* RESP-encoded commands */
	size_t			 n;
	size_t			*off;		/* cluster fronts: n + 1 command offsets in out */
	size_t			 capoff;
	char			 first[32];	/* tracker name of the first command */
	struct rds_reply	*replies;	/* nrep values after an exec */
	size_t			 nrep, caprep;
	struct rds_slot		*held;		/* between rds_pipe_send and _recv */
	int64_t			 t0;		/* when the batch was sent */
};

static void	rds_pipe_mark(struct rds_pipe *);

/* A new, empty batch. */
struct rds_pipe *
rds_pipe_new(struct rds *r)
{
	struct rds_pipe	*p = xcalloc(1, sizeof(*p));

	p->r = r;
	buf_init(&p->out);
	return (p);
}

/* Number of decimal digits of v. */
static size_t
rds_ndigits(size_t v)
{
	size_t	n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return (n);
}

/* Write v in decimal as exactly nd digits (nd = rds_ndigits(v)) at dst. */
static void
rds_utoa(char *dst, size_t v, size_t nd)
{
	while (nd > 0) {
		dst[--nd] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * Append a RESP multi-bulk for argv, sized first and written in one go:
 * no printf (which cost more than everything else per command, see
 * bench/RESULTS-redis.md) and at most one buffer growth.
 */
void
rds_pipe_add(struct rds_pipe *p, int argc, const char *const *argv,
    const size_t *argvlen)
{
	size_t	 lens[16], nds[16], *len = lens, *nd = nds;
	size_t	 total, i, na, nna;
	char	*o;

	na = argc > 0 ? (size_t)argc : 0;
	if (na > sizeof(lens) / sizeof(lens[0])) {
		len = xreallocarray(NULL, na, sizeof(*len));
		nd = xreallocarray(NULL, na, sizeof(*nd));
	}
	nna = rds_ndigits(na);
	total = 1 + nna + 2;
	for (i = 0; i < na; i++) {
		len[i] = argvlen ? argvlen[i] : strlen(argv[i]);
		nd[i] = rds_ndigits(len[i]);
		total += 1 + nd[i] + 2 + len[i] + 2;
	}
	o = buf_reserve(&p->out, total);
	*o++ = '*';
	rds_utoa(o, na, nna);
	o += nna;
	*o++ = '\r';
	*o++ = '\n';
	for (i = 0; i < na; i++) {
		*o++ = '$';
		rds_utoa(o, len[i], nd[i]);
		o += nd[i];
		*o++ = '\r';
		*o++ = '\n';
		memcpy(o, argv[i], len[i]);
		o += len[i];
		*o++ = '\r';
		*o++ = '\n';
	}
	*o = '\0';
	p->out.len += total;
	if (len != lens) {
		free(len);
		free(nd);
	}
	if (p->n++ == 0)
		rds_cmd_name(argc, argv, argvlen, p->first, sizeof(p->first));
	rds_pipe_mark(p);
}

/* Cluster fronts: remember where each command ends (they go to different nodes). */
static void
rds_pipe_mark(struct rds_pipe *p)
{
	if (p->r->cl == NULL)
		return;
	if (p->capoff < p->n + 1) {
		p->capoff = (p->n + 1) * 2;
		p->off = xreallocarray(p->off, p->capoff, sizeof(*p->off));
	}
	if (p->n == 1)
		p->off[0] = 0;
	p->off[p->n] = p->out.len;
}

/* Append an already encoded command (the cluster router's per-node batches). */
void
rds_pipe_add_resp(struct rds_pipe *p, const char *resp, size_t len,
    const char *name)
{
	buf_append(&p->out, resp, len);
	if (p->n++ == 0)
		snprintf(p->first, sizeof(p->first), "%s", name);
	rds_pipe_mark(p);
}

/* How many commands are queued. */
size_t
rds_pipe_len(const struct rds_pipe *p)
{
	return (p->n);
}

/*
 * n bytes from the batch's arena (aligned for any type when aligned),
 * valid until the replies are cleared: the replies of one batch cost a few
 * block allocations in all, not one malloc and one free per string.
 */
static void *
rds_pipe_alloc(struct rds_pipe *p, size_t n, bool aligned)
{
	struct rds_chunk	*c = p->arena;
	size_t			 off = c != NULL ? c->used : 0, cap;
	const size_t		 a = sizeof(max_align_t);

	if (aligned)
		off = (off + a - 1) / a * a;
	if (c == NULL || off > c->cap || c->cap - off < n) {
		cap = n > RDS_CHUNK ? n : RDS_CHUNK;
		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->next = p->arena;
		p->arena = c;
		off = 0;
	}
	c->used = off + n;
	return ((char *)c->data + off);
}

/*
 * Free the replies of the last exec. A node's batch keeps one arena block
 * for the next exec; a cluster front's replies are separate allocations
 * (copied in by the router).
 */
static void
rds_pipe_clear_replies(struct rds_pipe *p)
{
	struct rds_chunk	*c, *next, *keep = NULL;
	size_t			 i;

	if (p->r->cl != NULL)
		for (i = 0; i < p->nrep; i++)
			rds_reply_clear(&p->replies[i]);
	p->nrep = 0;
	for (c = p->arena; c != NULL; c = next) {
		next = c->next;
		if (keep == NULL && c->cap == RDS_CHUNK) {
			keep = c;
			keep->used = 0;
			keep->next = NULL;
		} else
			free(c);
	}
	p->arena = keep;
}

/* Send the whole batch, then read one reply per command. */
int
rds_pipe_exec(struct rds_pipe *p, size_t *nerrors, struct mc_err *err)
{
	struct rds	*r = p->r;

	if (nerrors != NULL)
		*nerrors = 0;
	if (r->cl != NULL) {
		rds_pipe_clear_replies(p);
		if (p->n == 0)
			return (0);
		if (p->caprep < p->n) {
			p->replies = xreallocarray(p->replies, p->n, sizeof(*p->replies));
			p->caprep = p->n;
		}
		return (rds_cluster_pipe_exec(r->cl, p->out.data, p->off, p->n,
		    p->replies, &p->nrep, nerrors, err));
	}
	if (rds_pipe_send(p, err) == -1)
		return (-1);
	return (rds_pipe_recv(p, nerrors, err));
}

/*
 * The connection of p broke after t0: report, drop it, count the unknown
 * outcomes. Always -1.
 */
static int
rds_pipe_broken(struct rds_pipe *p, int64_t t0, struct mc_err *err)
{
	struct rds	*r = p->r;
	struct rds_slot	*s = p->held;
	struct mc_err	 e = { 0 };
	char		 why[160];
	int		 saved = errno;
	bool		 timed_out;

	timed_out = rds_timed_out(s->c, saved);
	rds_scrub(r, why, sizeof(why), s->c->errstr);
	mc_err_set(&e, timed_out ? MC_E_TIMEOUT : MC_E_CONNECT, "redis %s: pipeline of "
	    "%zu commands (first %s): %s after %zu replies; outcome unknown for the "
	    "other %zu: they may or may not have been applied", rds_ep(r), p->n,
	    p->first, timed_out ? "no reply within the command timeout" : why,
	    p->nrep, p->n - p->nrep);
	rds_slot_drop(r, s);
	rds_slot_put(r, s);
	p->held = NULL;
	rds_note_failure(r, e.msg, false);
	pthread_mutex_lock(&r->mtx);
	r->outcome_unknown += p->n - p->nrep;
	pthread_mutex_unlock(&r->mtx);
	rds_track(r, "pipeline", clk_mono_us() - t0, true, false);
	rds_pipe_clear_replies(p);
	return (mc_err_copy(err, &e));
}

/*
 * A batch got all its replies: return the connection, count the commands
 * and the "pipeline" call (as rds_slot_put, then rds_track, would) under
 * one hold of r->mtx instead of three.
 */
static void
rds_pipe_done(struct rds_pipe *p, size_t nerr)
{
	struct rds	*r = p->r;
	int64_t		 us = clk_mono_us() - p->t0;
	bool		 clear = false;

	pthread_mutex_lock(&r->mtx);
	p->held->busy = false;
	pthread_cond_signal(&r->cond);
	r->pipelined += p->n;
	rds_track_locked(r, "pipeline", us, nerr > 0);
	if (r->fail_streak > 0) {
		r->fail_streak = 0;
		backoff_reset(&r->bo);
		clear = true;
	}
	pthread_mutex_unlock(&r->mtx);
	p->held = NULL;
	if (clear)
		breaker_success(&r->br);
}

/*
 * Write the whole batch straight from p->out with send(2): hiredis would
 * first copy it into its own output buffer and then free that buffer.
 * MSG_NOSIGNAL, so a dead peer is an error, not a signal. On failure
 * c->err and c->errstr are set as hiredis would set them; -1.
 */
static int
rds_pipe_write(redisContext *c, const char *data, size_t len)
{
	ssize_t		 n;
	char		 buf[128];
	const char	*why;
	int		 saved;

	while (len > 0) {
		n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n < 0 ? errno : EPIPE;
			why = n < 0 ? strerror_r(saved, buf, sizeof(buf)) :
			    "connection closed while writing";
			c->err = REDIS_ERR_IO;
			rds_strlcpy(c->errstr, why, sizeof(c->errstr));
			errno = saved;	/* rds_pipe_broken tells a timeout by it */
			return (-1);
		}
		data += n;
		len -= (size_t)n;
	}
	return (0);
}

/* First half of rds_pipe_exec: check out a connection and write the batch. */
int
rds_pipe_send(struct rds_pipe *p, struct mc_err *err)
{
	struct rds	*r = p->r;
	struct rds_slot	*s;
	int64_t		 deadline;
	struct mc_err	 e = { 0 };

	rds_pipe_clear_replies(p);
	p->held = NULL;
	if (p->n == 0)
		return (0);
	if (p->caprep < p->n) {
		p->replies = xreallocarray(p->replies, p->n, sizeof(*p->replies));
		p->caprep = p->n;
	}
	deadline = clk_mono_us() + (int64_t)r->command_timeout_ms * 1000;
	if ((s = rds_slot_get(r, deadline, &e)) == NULL) {
		rds_track(r, "pipeline", 0, true, false);
		return (mc_err_copy(err, &e));
	}
	if (rds_slot_ready(r, s, deadline, &e) == -1) {
		rds_slot_put(r, s);
		rds_track(r, "pipeline", 0, true, false);
		return (mc_err_copy(err, &e));
	}
	p->held = s;
	p->t0 = clk_mono_us();
	if ((s->tls != NULL ? rdstls_write(s->tls, s->c, p->out.data,
	    p->out.len, r->command_timeout_ms) :
	    rds_pipe_write(s->c, p->out.data, p->out.len)) == -1)
		return (rds_pipe_broken(p, p->t0, err));
	return (0);
}

/*
 * Reader callbacks used while a batch's replies are read: hiredis parses
 * each reply straight into p->replies (the reader's privdata is p), with
 * strings and arrays in the batch's arena, instead of a redisReply
 * (calloc + malloc), our copy of it (malloc) and four frees per reply.
 */
static struct rds_reply *
rds_pipe_obj(const redisReadTask *task)
{
	struct rds_reply	*dst, *parent;
	struct rds_pipe		*p;

	if (task->parent != NULL) {
		parent = task->parent->obj;
		dst = &parent->elem[task->idx];
	} else {
		p = task->privdata;
		dst = &p->replies[p->nrep];
	}
	memset(dst, 0, sizeof(*dst));
	return (dst);
}

/* The batch whose replies are being read (the reader's privdata). */
static struct rds_pipe *
rds_pipe_of(const redisReadTask *task)
{
	while (task->parent != NULL)
		task = task->parent;
	return (task->privdata);
}

/* A string, status or error reply (hiredis createString). */
static void *
rds_pipe_obj_string(const redisReadTask *task, char *str, size_t len)
{
	struct rds_reply	*dst = rds_pipe_obj(task);

	dst->type = task->type == REDIS_REPLY_STRING ? RDS_STRING :
	    task->type == REDIS_REPLY_STATUS ? RDS_STATUS : RDS_ERROR;
	dst->len = len;
	dst->str = rds_pipe_alloc(rds_pipe_of(task), len + 1, false);
	memcpy(dst->str, str, len);
	dst->str[len] = '\0';
	return (dst);
}

/* An array reply; its elements are filled in by the next callbacks. */
static void *
rds_pipe_obj_array(const redisReadTask *task, int elements)
{
	struct rds_reply	*dst = rds_pipe_obj(task);

	dst->type = RDS_ARRAY;
	dst->n = elements > 0 ? (size_t)elements : 0;
	if (dst->n > 0) {
		dst->elem = rds_pipe_alloc(rds_pipe_of(task),
		    dst->n * sizeof(*dst->elem), true);
		memset(dst->elem, 0, dst->n * sizeof(*dst->elem));
	}
	return (dst);
}

/* An integer reply. */
static void *
rds_pipe_obj_integer(const redisReadTask *task, long long v)
{
	struct rds_reply	*dst = rds_pipe_obj(task);

	dst->type = RDS_INTEGER;
	dst->integer = v;
	return (dst);
}

/* A nil bulk or nil array. */
static void *
rds_pipe_obj_nil(const redisReadTask *task)
{
	struct rds_reply	*dst = rds_pipe_obj(task);

	dst->type = RDS_NIL;
	return (dst);
}

/*
 * hiredis drops a half-built top-level reply with this: its storage is in
 * the arena (freed with the batch's replies), so only forget it.
 */
static void
rds_pipe_obj_free(void *obj)
{
	memset(obj, 0, sizeof(struct rds_reply));
}

/* hiredis takes a non-const table; nothing ever writes to it. */
static redisReplyObjectFunctions rds_pipe_fns = {
	rds_pipe_obj_string, rds_pipe_obj_array, rds_pipe_obj_integer,
	rds_pipe_obj_nil, rds_pipe_obj_free,
};

/*
 * Put the context's reader back to hiredis's own reply objects (for
 * rds_command), first clearing a reply it left half-built in p->replies.
 */
static void
rds_pipe_reader_restore(redisContext *c, redisReplyObjectFunctions *fn)
{
	if (c->reader->reply != NULL) {
		rds_pipe_obj_free(c->reader->reply);
		c->reader->reply = NULL;
	}
	c->reader->fn = fn;
	c->reader->privdata = NULL;
}

/* Second half of rds_pipe_exec: read every reply, give the connection back. */
int
rds_pipe_recv(struct rds_pipe *p, size_t *nerrors, struct mc_err *err)
{
	struct rds_slot			*s = p->held;
	redisReplyObjectFunctions	*fn;
	void				*rep;
	size_t				 i, nerr = 0;

	if (nerrors != NULL)
		*nerrors = 0;
	if (p->n == 0)
		return (0);
	if (s == NULL)
		return (mc_err_set(err, MC_E_INTERNAL, "rds_pipe_recv without a send"));
	fn = s->c->reader->fn;
	s->c->reader->fn = &rds_pipe_fns;
	s->c->reader->privdata = p;
	for (i = 0; i < p->n; i++) {
		if ((s->tls != NULL ? rdstls_get_reply(s->tls, s->c,
		    p->r->command_timeout_ms, &rep) :
		    redisGetReply(s->c, &rep)) != REDIS_OK) {
			rds_pipe_reader_restore(s->c, fn);
			return (rds_pipe_broken(p, p->t0, err));
		}
		if (p->replies[p->nrep++].type == RDS_ERROR)
			nerr++;
	}
	rds_pipe_reader_restore(s->c, fn);
	rds_pipe_done(p, nerr);
	if (nerrors != NULL)
		*nerrors = nerr;
	return (0);
}

/* The socket of the connection p holds between send and recv. */
int
rds_pipe_fd(const struct rds_pipe *p)
{
	return (p->held != NULL && p->held->c != NULL ? p->held->c->fd : -1);
}

/* Reply i of the last exec. */
const struct rds_reply *
rds_pipe_reply(const struct rds_pipe *p, size_t i)
{
	return (i < p->nrep ? &p->replies[i] : NULL);
}

/* Empty the batch. */
void
rds_pipe_reset(struct rds_pipe *p)
{
	rds_pipe_clear_replies(p);
	buf_reset(&p->out);
	p->n = 0;
	p->first[0] = '\0';
}

/* Free the batch. */
void
rds_pipe_free(struct rds_pipe *p)
{
	if (p == NULL)
		return;
	rds_pipe_clear_replies(p);
	free(p->arena);
	free(p->replies);
	free(p->off);
	buf_done(&p->out);
	free(p);
}

/* ===================================================================== */
/* Health                                                                 */
/* ===================================================================== */

/* INFO [section] as text. */
char *
rds_info_text(struct rds *r, const char *section, struct mc_err *err)
{
	struct rds_reply	*rep;
	char			*s;

	rep = rds_cmd5(r, 0, "INFO", section, NULL, NULL, NULL, err);
	if (rep == NULL)
		return (NULL);
	if (rep->type != RDS_STRING) {
		rds_reply_free(rep);
		return (mc_err_set(err, MC_E_REDIS, "redis %s: INFO: unexpected reply",
		    rds_ep(r)), NULL);
	}
	s = rep->str;
	rep->str = NULL;
	rds_reply_free(rep);
	return (s);
}

/* PING + one multi-section INFO. */
int
rds_health(struct rds *r, struct rds_health *h, struct mc_err *err)
{
	static const char *const argv[] = { "INFO", "server", "clients", "memory",
	    "persistence", "stats", "replication", "cpu", "keyspace" };
	struct rds_reply	*rep;
	int			 rc;

	memset(h, 0, sizeof(*h));
	rds_info_init(&h->info);
	if (rds_ping(r, &h->rtt_us, err) == -1)
		return (-1);
	pthread_mutex_lock(&r->mtx);
	h->tls = r->tlsinfo;
	pthread_mutex_unlock(&r->mtx);
	rep = rds_command(r, RDS_F_ERROR_REPLY, 9, argv, NULL, err);
	if (rep != NULL && rep->type == RDS_ERROR) {
		/* Before 7.0 INFO takes one section: degrade to the default set. */
		rds_reply_free(rep);
		rep = rds_cmd5(r, 0, "INFO", NULL, NULL, NULL, NULL, err);
	}
	if (rep == NULL)
		return (-1);
	if (rep->type != RDS_STRING) {
		rds_reply_free(rep);
		return (mc_err_set(err, MC_E_REDIS, "redis %s: INFO: unexpected reply",
		    rds_ep(r)));
	}
	rc = rds_info_parse(rep->str, rep->len, &h->info, err);
	rds_reply_free(rep);
	if (rc == -1)
		mc_err_prefix(err, "redis %s: ", rds_ep(r));
	return (rc);
}
