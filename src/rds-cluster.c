/*
 * rds-cluster.c - Redis Cluster routing: key slots, the slot map, MOVED and
 * ASK, per-node batches, failover and the cluster view.
 *
 * Model (see rds-cluster.h): the front struct rds has r->cl set, and rds.c
 * hands every call to the rds_cluster_* functions here. Each node is a
 * plain struct rds (connection set, timeouts, breaker, backoff, metrics of
 * its own), created on discovery and kept until the client is freed. The
 * map is owner[slot] = node index, read from one node with CLUSTER SHARDS
 * (CLUSTER SLOTS before 7.0) and re-read on MOVED, on a connection error
 * and on READONLY. Part of the Redis layer, so it may use rds-int.h.
 */
#include "config.h"

#include "rds-cluster.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "clk.h"
#include "out.h"
#include "rds-int.h"
#include "rds-warm.h"
#include "rds.h"
#include "rdstls.h"
#include "xmem.h"

#define RCL_NONE		0xffff	/* owner[] of an unassigned slot */
#define RCL_REFRESH_GAP_US	50000	/* map re-reads at most every 50 ms */

/* One node of the cluster. */
struct rcl_node {
	char		 addr[80];	/* "host:port", "[v6]:port" (host cut at 64) */
	char		 host[256];
	int		 port;
	struct rds	*r;		/* its own single-node client */
	struct rds_warm	*warm;		/* its min_connections, or NULL */
	unsigned	 fails;		/* map reads in a row it did not answer */
};

struct rds_cluster {
	/* Immutable after creation. */
	struct logger		*log;
	char			*component;
	char			*tname;		/* target name */
	char			*auth_uri;	/* redis:// URI whose user/password/db nodes use */
	struct conf_redis	 opts;		/* sentinel fields cleared */
	int			 timeout_ms;	/* connect + command: a map read's budget */
	bool			 tls;		/* rediss+cluster:// (or a rediss:// seed) */
	struct rds		*front;		/* the client routing through us; set once */

	pthread_mutex_t		 mtx;		/* everything below; never held during I/O */
	struct rcl_node		**nodes;	/* never removed: pointers stay valid */
	size_t			 nnodes, capnodes;
	uint16_t		 owner[RDS_CLUSTER_SLOTS];
	bool			 have_map;
	int			 holes;		/* unassigned slots in the map */
	int64_t			 refreshed_us;	/* last map read attempt */
	uint64_t		 refreshes, moved, asks;
};

/* ===================================================================== */
/* Key slots                                                              */
/* ===================================================================== */

/* CRC16 XMODEM, bit by bit (keys are short; no table needed). */
uint16_t
rds_cluster_crc16(const char *buf, size_t len)
{
	uint16_t	crc = 0;
	size_t		i;
	int		b;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)((unsigned char)buf[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) :
			    (uint16_t)(crc << 1);
	}
	return (crc);
}

/* Redis's keyHashSlot(): hash the first {tag} if it is not empty. */
int
rds_cluster_keyslot(const char *key, size_t len)
{
	size_t	s, e;

	for (s = 0; s < len; s++)
		if (key[s] == '{')
			break;
	if (s == len)
		return (rds_cluster_crc16(key, len) & 16383);
	for (e = s + 1; e < len; e++)
		if (key[e] == '}')
			break;
	if (e == len || e == s + 1)
		return (rds_cluster_crc16(key, len) & 16383);
	return (rds_cluster_crc16(key + s + 1, e - s - 1) & 16383);
}

/* Where a command's keys are: first, last (<0: from the end), step. */
struct rcl_keys {
	const char	*name;
	int		 first, last, step;
};

/* Commands whose keys are not just argv[1]; first 0 means keyless. */
static const struct rcl_keys rcl_key_table[] = {
	{ "ACL", 0, 0, 0 }, { "ASKING", 0, 0, 0 }, { "AUTH", 0, 0, 0 },
	{ "BGREWRITEAOF", 0, 0, 0 }, { "BGSAVE", 0, 0, 0 },
	{ "BLMOVE", 1, 2, 1 }, { "BLPOP", 1, -2, 1 }, { "BRPOP", 1, -2, 1 },
	{ "BRPOPLPUSH", 1, 2, 1 }, { "BZPOPMAX", 1, -2, 1 },
	{ "BZPOPMIN", 1, -2, 1 }, { "CLIENT", 0, 0, 0 }, { "CLUSTER", 0, 0, 0 },
	{ "COMMAND", 0, 0, 0 }, { "CONFIG", 0, 0, 0 }, { "COPY", 1, 2, 1 },
	{ "DBSIZE", 0, 0, 0 }, { "DEBUG", 0, 0, 0 }, { "DEL", 1, -1, 1 },
	{ "ECHO", 0, 0, 0 }, { "EXISTS", 1, -1, 1 }, { "FLUSHALL", 0, 0, 0 },
	{ "FLUSHDB", 0, 0, 0 }, { "FUNCTION", 0, 0, 0 }, { "HELLO", 0, 0, 0 },
	{ "INFO", 0, 0, 0 }, { "KEYS", 0, 0, 0 }, { "LASTSAVE", 0, 0, 0 },
	{ "LATENCY", 0, 0, 0 }, { "LMOVE", 1, 2, 1 }, { "MEMORY", 2, 2, 1 },
	{ "MGET", 1, -1, 1 }, { "MSET", 1, -1, 2 }, { "MSETNX", 1, -1, 2 },
	{ "OBJECT", 2, 2, 1 }, { "PFCOUNT", 1, -1, 1 }, { "PFMERGE", 1, -1, 1 },
	{ "PING", 0, 0, 0 }, { "PSUBSCRIBE", 0, 0, 0 }, { "PUBLISH", 0, 0, 0 },
	{ "PUBSUB", 0, 0, 0 }, { "PUNSUBSCRIBE", 0, 0, 0 },
	{ "RANDOMKEY", 0, 0, 0 }, { "READONLY", 0, 0, 0 },
	{ "READWRITE", 0, 0, 0 }, { "RENAME", 1, 2, 1 }, { "RENAMENX", 1, 2, 1 },
	{ "ROLE", 0, 0, 0 }, { "RPOPLPUSH", 1, 2, 1 }, { "SAVE", 0, 0, 0 },
	{ "SCAN", 0, 0, 0 }, { "SCRIPT", 0, 0, 0 }, { "SDIFF", 1, -1, 1 },
	{ "SDIFFSTORE", 1, -1, 1 }, { "SELECT", 0, 0, 0 }, { "SINTER", 1, -1, 1 },
	{ "SINTERSTORE", 1, -1, 1 }, { "SLOWLOG", 0, 0, 0 }, { "SMOVE", 1, 2, 1 },
	{ "SUBSCRIBE", 0, 0, 0 }, { "SUNION", 1, -1, 1 },
	{ "SUNIONSTORE", 1, -1, 1 }, { "TIME", 0, 0, 0 }, { "TOUCH", 1, -1, 1 },
	{ "UNLINK", 1, -1, 1 }, { "UNSUBSCRIBE", 0, 0, 0 }, { "WAIT", 0, 0, 0 },
	{ "WATCH", 1, -1, 1 },
};

/* Compare a word (not NUL-terminated) with a table name, ignoring case. */
static int
rcl_word_cmp(const char *w, size_t len, const char *name)
{
	size_t	nl = strlen(name);
	int	c;

	c = strncasecmp(w, name, len < nl ? len : nl);
	if (c != 0)
		return (c);
	return (len < nl ? -1 : len > nl ? 1 : 0);
}

/* The key rule of a command: the table's row, or "argv[1] is the key". */
static struct rcl_keys
rcl_keys_of(const char *w, size_t len)
{
	static const struct rcl_keys	dflt = { "", 1, 1, 1 };
	size_t				lo = 0, hi, mid;
	int				c;

	hi = sizeof(rcl_key_table) / sizeof(rcl_key_table[0]);
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = rcl_word_cmp(w, len, rcl_key_table[mid].name);
		if (c == 0)
			return (rcl_key_table[mid]);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (dflt);
}

/* Parse a non-negative decimal word; -1 when it is not one. */
static long
rcl_word_num(const char *w, size_t len)
{
	long	v = 0;
	size_t	i;

	if (len == 0 || len > 9)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)w[i]))
			return (-1);
		v = v * 10 + (w[i] - '0');
	}
	return (v);
}

/* The slot of a command (see rds-cluster.h). */
int
rds_cluster_cmd_slot(int argc, const char *const *argv, const size_t *argvlen,
    struct mc_err *err)
{
	struct rcl_keys	k;
	int		i, first, last, slot = -1, s, at = -1;
	size_t		len0;
	long		nk;

#define RCL_LEN(i)	(argvlen ? argvlen[i] : strlen(argv[i]))
	if (argc < 2)
		return (-1);
	len0 = RCL_LEN(0);
	k = rcl_keys_of(argv[0], len0);
	if (rcl_word_cmp(argv[0], len0, "EVAL") == 0 ||
	    rcl_word_cmp(argv[0], len0, "EVALSHA") == 0 ||
	    rcl_word_cmp(argv[0], len0, "EVAL_RO") == 0 ||
	    rcl_word_cmp(argv[0], len0, "EVALSHA_RO") == 0 ||
	    rcl_word_cmp(argv[0], len0, "FCALL") == 0 ||
	    rcl_word_cmp(argv[0], len0, "FCALL_RO") == 0) {
		if (argc < 3 || (nk = rcl_word_num(argv[2], RCL_LEN(2))) <= 0)
			return (-1);
		first = 3;
		last = 2 + (int)nk < argc - 1 ? 2 + (int)nk : argc - 1;
		k.step = 1;
	} else {
		if (k.first == 0)
			return (-1);
		first = k.first;
		last = k.last < 0 ? argc + k.last : k.last;
	}
	if (last >= argc)
		last = argc - 1;
	for (i = first; i <= last; i += k.step) {
		s = rds_cluster_keyslot(argv[i], RCL_LEN(i));
		if (slot == -1) {
			slot = s;
			at = i;
		} else if (s != slot) {
			mc_err_set(err, MC_E_INPUT, "CROSSSLOT: keys \"%.*s\" (slot %d) "
			    "and \"%.*s\" (slot %d) are in different hash slots; a "
			    "cluster command's keys must share one slot (use a {hash tag})",
			    (int)(RCL_LEN(at) > 60 ? 60 : RCL_LEN(at)), argv[at], slot,
			    (int)(RCL_LEN(i) > 60 ? 60 : RCL_LEN(i)), argv[i], s);
			return (-2);
		}
	}
#undef RCL_LEN
	return (slot);
}

/* ===================================================================== */
/* Nodes and the map                                                      */
/* ===================================================================== */

/* Find or add the node host:port. Caller holds cl->mtx. Never NULL. */
static struct rcl_node *
rcl_node_get(struct rds_cluster *cl, const char *host, int port)
{
	struct rcl_node		*n;
	struct conf_target	 t;
	struct mc_err		 e = { 0 };
	size_t			 i;

	for (i = 0; i < cl->nnodes; i++)
		if (cl->nodes[i]->port == port &&
		    strcmp(cl->nodes[i]->host, host) == 0)
			return (cl->nodes[i]);
	n = xcalloc(1, sizeof(*n));
	snprintf(n->host, sizeof(n->host), "%s", host);
	n->port = port;
	snprintf(n->addr, sizeof(n->addr), strchr(host, ':') ? "[%.64s]:%d" :
	    "%.64s:%d", host, port);
	memset(&t, 0, sizeof(t));
	t.name = cl->tname;
	t.redis = cl->auth_uri;
	t.redis_opts = cl->opts;
	/* The auth URI parsed once already (rds_cluster_open), so this cannot fail. */
	n->r = rds_new(&t, cl->log, cl->component, &e);
	if (n->r == NULL)
		abort();
	free(n->r->uri.host);
	n->r->uri.host = xstrdup(host);
	n->r->uri.port = port;
	n->r->uri.path = NULL;
	snprintf(n->r->name, sizeof(n->r->name), "%s", n->addr);
	snprintf(n->r->endpoint, sizeof(n->r->endpoint), "%s", n->addr);
	n->warm = rds_warm_new(n->r, cl->log);
	if (cl->nnodes == cl->capnodes) {
		cl->capnodes = cl->capnodes ? cl->capnodes * 2 : 8;
		cl->nodes = xreallocarray(cl->nodes, cl->capnodes, sizeof(*cl->nodes));
	}
	cl->nodes[cl->nnodes++] = n;
	return (n);
}

/* Split "host:port" (or "[v6]:port", or "host:port@bus") in place. */
static bool
rcl_split_addr(char *s, char **host, int *port)
{
	char	*c, *at;
	long	 p;

	if ((at = strchr(s, '@')) != NULL)
		*at = '\0';
	if ((c = strrchr(s, ':')) == NULL)
		return (false);
	*c = '\0';
	p = rcl_word_num(c + 1, strlen(c + 1));
	if (p < 1 || p > 65535)
		return (false);
	*port = (int)p;
	*host = s;
	if (s[0] == '[' && c > s && c[-1] == ']') {
		c[-1] = '\0';
		*host = s + 1;
	}
	return (**host != '\0');
}

/*
 * Node n's newest TLS session details become the front's (health, doctor
 * and the pane read them there). Takes the two clients' locks in turn,
 * never both; cl->mtx is not held.
 */
static void
rcl_tls_note(struct rds_cluster *cl, struct rcl_node *n)
{
	struct rdstls_info	ti;

	if (!cl->tls || cl->front == NULL)
		return;
	pthread_mutex_lock(&n->r->mtx);
	ti = n->r->tlsinfo;
	pthread_mutex_unlock(&n->r->mtx);
	if (!ti.tls)
		return;
	pthread_mutex_lock(&cl->front->mtx);
	cl->front->tlsinfo = ti;
	pthread_mutex_unlock(&cl->front->mtx);
}

/* A new router for the given auth URI and seeds. */
static struct rds_cluster *
rcl_new(const struct conf_target *t, const char *auth_uri,
    const struct rdsuri_seed *seeds, size_t nseeds, struct logger *log,
    const char *component)
{
	struct rds_cluster	*cl = xcalloc(1, sizeof(*cl));
	size_t			 i;

	cl->log = log;
	cl->component = xstrdup(component ? component : "cli");
	cl->tname = xstrdup(t->name ? t->name : "?");
	cl->auth_uri = xstrdup(auth_uri);
	cl->tls = strncasecmp(auth_uri, "rediss://", 9) == 0;
	cl->opts = t->redis_opts;
	cl->opts.sentinels = NULL;
	cl->opts.nsentinels = 0;
	cl->opts.sentinel_master = NULL;
	cl->timeout_ms = (cl->opts.connect_timeout_ms > 0 ?
	    cl->opts.connect_timeout_ms : 2000) + (cl->opts.command_timeout_ms > 0 ?
	    cl->opts.command_timeout_ms : 2000);
	pthread_mutex_init(&cl->mtx, NULL);
	for (i = 0; i < RDS_CLUSTER_SLOTS; i++)
		cl->owner[i] = RCL_NONE;
	for (i = 0; i < nseeds; i++)
		(void)rcl_node_get(cl, seeds[i].host, seeds[i].port);
	return (cl);
}

/* Free the router and every node client. */
void
rds_cluster_free(struct rds_cluster *cl)
{
	size_t	i;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->nnodes; i++) {
		rds_warm_free(cl->nodes[i]->warm);
		rds_free(cl->nodes[i]->r);
		free(cl->nodes[i]);
	}
	free(cl->nodes);
	free(cl->component);
	free(cl->tname);
	free(cl->auth_uri);
	pthread_mutex_destroy(&cl->mtx);
	free(cl);
}

/* The value of key name in a RESP2 flat map [k, v, k, v...], or NULL. */
static const struct rds_reply *
rcl_map_get(const struct rds_reply *m, const char *name)
{
	size_t	i;

	if (m == NULL || m->type != RDS_ARRAY)
		return (NULL);
	for (i = 0; i + 1 < m->n; i += 2)
		if (m->elem[i].type == RDS_STRING && strcmp(m->elem[i].str, name) == 0)
			return (&m->elem[i + 1]);
	return (NULL);
}

/* An integer reply or a numeric string as a long; -1 otherwise. */
static long
rcl_int(const struct rds_reply *r)
{
	if (r == NULL)
		return (-1);
	if (r->type == RDS_INTEGER)
		return ((long)r->integer);
	if (r->type == RDS_STRING)
		return (rcl_word_num(r->str, r->len));
	return (-1);
}

/* Assign slots lo..hi to host:port in own[]. Caller holds cl->mtx. */
static void
rcl_assign(struct rds_cluster *cl, uint16_t *own, long lo, long hi,
    const char *host, long port)
{
	struct rcl_node	*n;
	size_t		 idx;
	long		 s;

	if (lo < 0 || hi >= RDS_CLUSTER_SLOTS || lo > hi || port < 1 ||
	    port > 65535 || host == NULL || host[0] == '\0')
		return;
	n = rcl_node_get(cl, host, (int)port);
	for (idx = 0; cl->nodes[idx] != n; idx++)
		;
	for (s = lo; s <= hi; s++)
		own[s] = (uint16_t)idx;
}

/* Fill own[] from a CLUSTER SHARDS reply. Caller holds cl->mtx. */
static void
rcl_parse_shards(struct rds_cluster *cl, const struct rds_reply *rep,
    uint16_t *own)
{
	const struct rds_reply	*slots, *nodes, *nd, *role, *ip, *ep;
	const char		*host;
	size_t			 i, j, k;
	long			 port;

	for (i = 0; i < rep->n; i++) {
		slots = rcl_map_get(&rep->elem[i], "slots");
		nodes = rcl_map_get(&rep->elem[i], "nodes");
		if (slots == NULL || slots->type != RDS_ARRAY || nodes == NULL ||
		    nodes->type != RDS_ARRAY)
			continue;
		for (j = 0; j < nodes->n; j++) {
			nd = &nodes->elem[j];
			role = rcl_map_get(nd, "role");
			if (role == NULL || role->type != RDS_STRING ||
			    strcmp(role->str, "master") != 0)
				continue;
			ip = rcl_map_get(nd, "ip");
			ep = rcl_map_get(nd, "endpoint");
			host = ip && ip->type == RDS_STRING && ip->len > 0 ? ip->str :
			    ep && ep->type == RDS_STRING ? ep->str : NULL;
			/*
			 * A TLS cluster (tls-cluster yes) lists the TLS port
			 * as "tls-port", and "port" only when a plaintext
			 * one is open too: dial the one of our transport.
			 */
			port = rcl_int(rcl_map_get(nd, cl->tls ? "tls-port" :
			    "port"));
			if (port < 1)
				port = rcl_int(rcl_map_get(nd, "port"));
			for (k = 0; k + 1 < slots->n; k += 2)
				rcl_assign(cl, own, rcl_int(&slots->elem[k]),
				    rcl_int(&slots->elem[k + 1]), host, port);
			break;
		}
	}
}

/* Fill own[] from a CLUSTER SLOTS reply. Caller holds cl->mtx. */
static void
rcl_parse_slots(struct rds_cluster *cl, const struct rds_reply *rep,
    uint16_t *own)
{
	const struct rds_reply	*e, *m;
	size_t			 i;

	for (i = 0; i < rep->n; i++) {
		e = &rep->elem[i];
		if (e->type != RDS_ARRAY || e->n < 3)
			continue;
		m = &e->elem[2];
		if (m->type != RDS_ARRAY || m->n < 2 || m->elem[0].type != RDS_STRING)
			continue;
		rcl_assign(cl, own, rcl_int(&e->elem[0]), rcl_int(&e->elem[1]),
		    m->elem[0].str, rcl_int(&m->elem[1]));
	}
}

/* Count (or clear) a node's failures to answer a map read. */
static void
rcl_node_failed(struct rds_cluster *cl, struct rcl_node *n, bool failed)
{
	pthread_mutex_lock(&cl->mtx);
	n->fails = failed ? n->fails + 1 : 0;
	pthread_mutex_unlock(&cl->mtx);
}

/* Compare two candidates: fewest recent failures first. Caller holds cl->mtx. */
static int
rcl_cand_cmp(const void *a, const void *b)
{
	const struct rcl_node	*x = *(struct rcl_node *const *)a;
	const struct rcl_node	*y = *(struct rcl_node *const *)b;

	return (x->fails < y->fails ? -1 : x->fails > y->fails ? 1 : 0);
}

/*
 * Copy the nodes to ask, in the order to ask them: nodes that answered
 * last time first, slot owners before the rest. Caller frees.
 */
static struct rcl_node **
rcl_candidates(struct rds_cluster *cl, size_t *np)
{
	struct rcl_node	**v;
	bool		 *own;
	size_t		  i, n = 0;

	pthread_mutex_lock(&cl->mtx);
	v = xcalloc(cl->nnodes + 1, sizeof(*v));
	own = xcalloc(cl->nnodes + 1, sizeof(*own));
	for (i = 0; i < RDS_CLUSTER_SLOTS; i++)
		if (cl->owner[i] != RCL_NONE)
			own[cl->owner[i]] = true;
	for (i = 0; i < cl->nnodes; i++)
		if (own[i])
			v[n++] = cl->nodes[i];
	for (i = 0; i < cl->nnodes; i++)
		if (!own[i])
			v[n++] = cl->nodes[i];
	/* An insertion sort is stable: ties keep owners first, in list order. */
	for (i = 1; i < n; i++) {
		struct rcl_node *t = v[i];
		size_t j = i;

		while (j > 0 && rcl_cand_cmp(&v[j - 1], &t) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
	pthread_mutex_unlock(&cl->mtx);
	free(own);
	*np = n;
	return (v);
}

/*
 * Read the slot map from the first node that answers, within the budget
 * of one connect + command timeout. force skips the 50 ms rate limit.
 */
static int
rcl_refresh(struct rds_cluster *cl, bool force, struct mc_err *err)
{
	static const char *const shards[] = { "CLUSTER", "SHARDS" };
	static const char *const slotsv[] = { "CLUSTER", "SLOTS" };
	struct rcl_node		**cand;
	struct rds_reply	 *rep;
	uint16_t		 *own;
	size_t			  n, i, s;
	int64_t			  now = clk_mono_us(), deadline;
	char			  last[256] = "", notcl[256] = "";
	int			  rc = -1, holes = 0;
	bool			  use_slots;
	struct mc_err		  e;

	pthread_mutex_lock(&cl->mtx);
	if (!force && cl->have_map && now - cl->refreshed_us < RCL_REFRESH_GAP_US) {
		pthread_mutex_unlock(&cl->mtx);
		return (0);
	}
	cl->refreshed_us = now;
	cl->refreshes++;
	pthread_mutex_unlock(&cl->mtx);
	deadline = now + (int64_t)cl->timeout_ms * 1000;
	cand = rcl_candidates(cl, &n);
	own = xmalloc(RDS_CLUSTER_SLOTS * sizeof(*own));
	for (i = 0; i < n && rc == -1; i++) {
		if (i > 0 && clk_mono_us() >= deadline) {
			snprintf(last + strlen(last), sizeof(last) - strlen(last),
			    " (%zu other nodes not asked: the %d ms budget is spent)",
			    n - i, cl->timeout_ms);
			break;
		}
		memset(&e, 0, sizeof(e));
		use_slots = false;
		rep = rds_command(cand[i]->r, RDS_F_ERROR_REPLY, 2, shards, NULL, &e);
		if (rep != NULL && rep->type == RDS_ERROR &&
		    strstr(rep->str, "nknown subcommand") != NULL) {
			rds_reply_free(rep);
			use_slots = true;
			rep = rds_command(cand[i]->r, RDS_F_ERROR_REPLY, 2, slotsv, NULL, &e);
		}
		if (rep == NULL) {
			memcpy(last, e.msg, sizeof(last));
			rcl_node_failed(cl, cand[i], true);
			continue;
		}
		if (rep->type != RDS_ARRAY) {
			if (rep->type == RDS_ERROR &&
			    strstr(rep->str, "cluster support disabled") != NULL)
				snprintf(notcl, sizeof(notcl), "%s is not a cluster node "
				    "(cluster_enabled:0); use redis://%s for a single node",
				    cand[i]->addr, cand[i]->addr);
			else
				snprintf(last, sizeof(last), "redis %s: CLUSTER %s: %.150s",
				    cand[i]->addr, use_slots ? "SLOTS" : "SHARDS",
				    rep->type == RDS_ERROR ? rep->str : "unexpected reply");
			rds_reply_free(rep);
			rcl_node_failed(cl, cand[i], true);
			continue;
		}
		rcl_node_failed(cl, cand[i], false);
		for (s = 0; s < RDS_CLUSTER_SLOTS; s++)
			own[s] = RCL_NONE;
		pthread_mutex_lock(&cl->mtx);
		if (use_slots)
			rcl_parse_slots(cl, rep, own);
		else
			rcl_parse_shards(cl, rep, own);
		holes = 0;
		for (s = 0; s < RDS_CLUSTER_SLOTS; s++)
			holes += own[s] == RCL_NONE;
		if (holes < RDS_CLUSTER_SLOTS) {
			memcpy(cl->owner, own, RDS_CLUSTER_SLOTS * sizeof(*own));
			cl->have_map = true;
			cl->holes = holes;
			rc = 0;
		} else
			snprintf(last, sizeof(last), "redis %s: no slot is assigned to "
			    "any master (create the cluster first: redis-cli --cluster "
			    "create)", cand[i]->addr);
		pthread_mutex_unlock(&cl->mtx);
		rds_reply_free(rep);
		if (rc == 0 && holes > 0)
			log_msg(cl->log, LOGL_WARN, "redis cluster: %d slots have no "
			    "master in the map of %s", holes, cand[i]->addr);
	}
	free(own);
	free(cand);
	if (rc == -1 && notcl[0] != '\0')
		return (mc_err_set(err, MC_E_CONFIG, "redis cluster: %s", notcl));
	if (rc == -1)
		return (mc_err_set(err, MC_E_CONNECT, "redis cluster: no node gave the "
		    "slot map: %s", last[0] ? last : "no nodes known"));
	return (0);
}

/* Make sure a map was read once. */
static int
rcl_ensure_map(struct rds_cluster *cl, struct mc_err *err)
{
	bool	have;

	pthread_mutex_lock(&cl->mtx);
	have = cl->have_map;
	pthread_mutex_unlock(&cl->mtx);
	return (have ? 0 : rcl_refresh(cl, true, err));
}

/*
 * The node serving slot (-1: any master, the owner of slot 0 or the first
 * assigned one). NULL with err when the map has a hole there.
 */
static struct rcl_node *
rcl_route(struct rds_cluster *cl, int slot, struct mc_err *err)
{
	struct rcl_node	*n = NULL;
	int		 s;

	pthread_mutex_lock(&cl->mtx);
	if (slot >= 0) {
		if (cl->owner[slot] != RCL_NONE)
			n = cl->nodes[cl->owner[slot]];
	} else {
		for (s = 0; s < RDS_CLUSTER_SLOTS && n == NULL; s++)
			if (cl->owner[s] != RCL_NONE)
				n = cl->nodes[cl->owner[s]];
		if (n == NULL && cl->nnodes > 0)
			n = cl->nodes[0];
	}
	pthread_mutex_unlock(&cl->mtx);
	if (n == NULL)
		mc_err_set(err, MC_E_REDIS, "redis cluster: slot %d has no master in "
		    "the cluster map (the slot is unassigned: a hole in the map; fix "
		    "it with redis-cli --cluster fix)", slot);
	return (n);
}

/* Another master than n (for a keyless command whose node failed), or NULL. */
static struct rcl_node *
rcl_route_other(struct rds_cluster *cl, const struct rcl_node *n)
{
	struct rcl_node	*o = NULL;
	int		 s;

	pthread_mutex_lock(&cl->mtx);
	for (s = 0; s < RDS_CLUSTER_SLOTS && o == NULL; s++)
		if (cl->owner[s] != RCL_NONE && cl->nodes[cl->owner[s]] != n)
			o = cl->nodes[cl->owner[s]];
	pthread_mutex_unlock(&cl->mtx);
	return (o);
}

/* Kinds of cluster error replies. */
enum rcl_reply {
	RCL_OK,
	RCL_MOVED,
	RCL_ASK,
	RCL_OTHER,
};

/* Classify an error reply; for MOVED/ASK fill slot, host, port. */
static enum rcl_reply
rcl_redirect(const struct rds_reply *rep, int *slot, char *host, size_t hlen,
    int *port)
{
	char	buf[300], *sp, *h;
	bool	moved;
	long	s;

	if (rep->type != RDS_ERROR)
		return (RCL_OK);
	moved = strncmp(rep->str, "MOVED ", 6) == 0;
	if (!moved && strncmp(rep->str, "ASK ", 4) != 0)
		return (RCL_OTHER);
	snprintf(buf, sizeof(buf), "%s", rep->str + (moved ? 6 : 4));
	if ((sp = strchr(buf, ' ')) == NULL)
		return (RCL_OTHER);
	*sp = '\0';
	s = rcl_word_num(buf, strlen(buf));
	if (s < 0 || s >= RDS_CLUSTER_SLOTS || !rcl_split_addr(sp + 1, &h, port))
		return (RCL_OTHER);
	*slot = (int)s;
	snprintf(host, hlen, "%s", h);
	return (moved ? RCL_MOVED : RCL_ASK);
}

/* Deep copy of a reply into dst. */
static void
rcl_reply_dup(struct rds_reply *dst, const struct rds_reply *src)
{
	size_t	i;

	*dst = *src;
	dst->elem = NULL;
	dst->n = src->type == RDS_ARRAY ? src->n : 0;
	if (src->str != NULL) {
		dst->str = xmalloc(src->len + 1);
		memcpy(dst->str, src->str, src->len);
		dst->str[src->len] = '\0';
	}
	if (src->type == RDS_ARRAY && src->n > 0) {
		dst->elem = xcalloc(src->n, sizeof(*dst->elem));
		for (i = 0; i < src->n; i++)
			rcl_reply_dup(&dst->elem[i], &src->elem[i]);
	}
}

/* ASKING, then the command, on one connection of node n. */
static struct rds_reply *
rcl_asking(struct rcl_node *n, int argc, const char *const *argv,
    const size_t *argvlen, struct mc_err *err)
{
	static const char *const asking[] = { "ASKING" };
	struct rds_pipe		*p = rds_pipe_new(n->r);
	struct rds_reply	*out = NULL;

	rds_pipe_add(p, 1, asking, NULL);
	rds_pipe_add(p, argc, argv, argvlen);
	if (rds_pipe_exec(p, NULL, err) == 0) {
		out = xmalloc(sizeof(*out));
		rcl_reply_dup(out, rds_pipe_reply(p, 1));
	}
	rds_pipe_free(p);
	return (out);
}

/* The command's name for messages ("GET"). */
static void
rcl_verb(int argc, const char *const *argv, const size_t *argvlen, char *out,
    size_t len)
{
	size_t	n, i;

	n = argc < 1 ? 0 : argvlen ? argvlen[0] : strlen(argv[0]);
	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)argv[0][i]);
	out[n] = '\0';
}

/* Is a failed call worth one retry on a fresh map (nothing was applied)? */
static bool
rcl_retryable(const struct mc_err *e)
{
	return ((e->code == MC_E_CONNECT || e->code == MC_E_BREAKER) &&
	    strstr(e->msg, "outcome unknown") == NULL);
}

/* Run one command on the node that serves its slot (see rds-int.h). */
struct rds_reply *
rds_cluster_command(struct rds_cluster *cl, unsigned flags, int argc,
    const char *const *argv, const size_t *argvlen, struct mc_err *err)
{
	struct rcl_node		*n, *ask = NULL, *again, *keyless = NULL;
	struct rds_reply	*rep;
	struct mc_err		 e = { 0 };
	enum rcl_reply		 kind;
	char			 verb[32], host[256], why[200], last[300] = "";
	int			 slot, rslot, port, hops = 0;
	bool			 retried = false;

	if ((slot = rds_cluster_cmd_slot(argc, argv, argvlen, err)) == -2)
		return (NULL);
	if (rcl_ensure_map(cl, err) == -1)
		return (NULL);
	rcl_verb(argc, argv, argvlen, verb, sizeof(verb));
	for (;;) {
		if (keyless != NULL) {
			/* A keyless command whose node died: another master serves it. */
			n = keyless;
			keyless = NULL;
		} else if ((n = ask) == NULL && (n = rcl_route(cl, slot, err)) == NULL)
			return (NULL);
		memset(&e, 0, sizeof(e));
		rep = ask ? rcl_asking(n, argc, argv, argvlen, &e) :
		    rds_command(n->r, flags | RDS_F_ERROR_REPLY, argc, argv,
		    argvlen, &e);
		ask = NULL;
		if (rep == NULL) {
			/* A dead master: re-read the map; after a failover the slot moved. */
			if (!retried && rcl_retryable(&e)) {
				retried = true;
				(void)rcl_refresh(cl, false, NULL);
				again = slot >= 0 ? rcl_route(cl, slot, NULL) :
				    rcl_route_other(cl, n);
				if (again != NULL && again != n) {
					if (slot < 0)
						keyless = again;
					continue;
				}
			}
			if (slot >= 0)
				mc_err_prefix(&e, "slot %d: ", slot);
			mc_err_copy(err, &e);
			return (NULL);
		}
		kind = rcl_redirect(rep, &rslot, host, sizeof(host), &port);
		if (kind == RCL_MOVED || kind == RCL_ASK) {
			snprintf(last, sizeof(last), "%s", rep->str);
			rds_reply_free(rep);
			if (++hops > RDS_CLUSTER_MAX_REDIRECTS) {
				mc_err_set(err, MC_E_REDIS, "redis cluster: %s: more than %d "
				    "redirects for slot %d (last: %s); the cluster is "
				    "resharding or its slot states disagree (check "
				    "redis-cli --cluster check)", verb,
				    RDS_CLUSTER_MAX_REDIRECTS, rslot, last);
				return (NULL);
			}
			pthread_mutex_lock(&cl->mtx);
			n = rcl_node_get(cl, host, port);
			if (kind == RCL_MOVED) {
				cl->moved++;
				for (size_t i = 0; i < cl->nnodes; i++)
					if (cl->nodes[i] == n)
						cl->owner[rslot] = (uint16_t)i;
			} else
				cl->asks++;
			pthread_mutex_unlock(&cl->mtx);
			if (kind == RCL_ASK)
				ask = n;
			else {
				log_msg(cl->log, LOGL_INFO, "redis cluster: %s; re-reading "
				    "the slot map", last);
				(void)rcl_refresh(cl, false, NULL);
				/* The map read may lag the redirect: trust the redirect. */
				pthread_mutex_lock(&cl->mtx);
				for (size_t i = 0; i < cl->nnodes; i++)
					if (cl->nodes[i] == n)
						cl->owner[rslot] = (uint16_t)i;
				pthread_mutex_unlock(&cl->mtx);
			}
			continue;
		}
		if (kind == RCL_OTHER && strncmp(rep->str, "READONLY", 8) == 0 &&
		    !retried) {
			retried = true;
			rds_reply_free(rep);
			(void)rcl_refresh(cl, true, NULL);
			continue;
		}
		if (kind == RCL_OTHER && !(flags & RDS_F_ERROR_REPLY)) {
			snprintf(why, sizeof(why), "%s", rep->str);
			rds_reply_free(rep);
			if (strncmp(why, "CLUSTERDOWN", 11) == 0)
				mc_err_set(err, MC_E_REDIS, "redis %s: %s (slot %d): %s "
				    "(the cluster is failing over or lost a master; check "
				    "`mcpdb health`)", n->addr, verb, slot, why);
			else if (strncmp(why, "TRYAGAIN", 8) == 0)
				mc_err_set(err, MC_E_REDIS, "redis %s: %s (slot %d): %s "
				    "(slot %d is being migrated and its keys are split "
				    "between two nodes; retry in a moment)", n->addr, verb,
				    slot, why, slot);
			else if (strncmp(why, "CROSSSLOT", 9) == 0)
				mc_err_set(err, MC_E_REDIS, "redis %s: %s: %s (use a "
				    "{hash tag} so all keys share a slot)", n->addr, verb,
				    why);
			else
				mc_err_set(err, MC_E_REDIS, "redis %s: %s: %s", n->addr,
				    verb, why);
			return (NULL);
		}
		return (rep);
	}
}

/* PING every master; *rtt_us gets the slowest round trip. */
int
rds_cluster_ping(struct rds_cluster *cl, int64_t *rtt_us, struct mc_err *err)
{
	struct rcl_node	**cand;
	bool		 *seen;
	size_t		  n, i, j;
	int64_t		  rtt, worst = 0;
	int		  rc = 0, npinged = 0;

	if (rcl_ensure_map(cl, err) == -1)
		return (-1);
	cand = rcl_candidates(cl, &n);
	seen = xcalloc(n + 1, sizeof(*seen));
	pthread_mutex_lock(&cl->mtx);
	for (i = 0; i < RDS_CLUSTER_SLOTS; i++)
		if (cl->owner[i] != RCL_NONE)
			for (j = 0; j < n; j++)
				if (cand[j] == cl->nodes[cl->owner[i]])
					seen[j] = true;
	pthread_mutex_unlock(&cl->mtx);
	for (j = 0; j < n && rc == 0; j++) {
		if (!seen[j])
			continue;
		npinged++;
		if (rds_ping(cand[j]->r, &rtt, err) == -1) {
			(void)rcl_refresh(cl, false, NULL);
			rc = mc_err_prefix(err, "redis cluster master %s: ", cand[j]->addr);
		} else {
			if (rtt > worst)
				worst = rtt;
			rcl_tls_note(cl, cand[j]);
		}
	}
	free(seen);
	free(cand);
	if (rc == 0 && npinged == 0)
		rc = mc_err_set(err, MC_E_REDIS, "redis cluster: no master in the map");
	if (rc == 0 && rtt_us != NULL)
		*rtt_us = worst > 0 ? worst : 1;
	return (rc);
}

/*
 * Split one RESP multi-bulk we encoded ourselves into words (borrowed from
 * p). Up to cap words go into sargv/slens; more are allocated, and then
 * *argvp != sargv and the caller frees *argvp and *lenp. -1 if malformed.
 */
static int
rcl_resp_argv(const char *p, const char *end, const char **sargv,
    size_t *slens, int cap, const char ***argvp, size_t **lenp)
{
	const char	**argv = sargv;
	size_t		 *lens = slens;
	long		  argc, i, l;
	char		 *e;

	if (p >= end || *p != '*')
		return (-1);
	argc = strtol(p + 1, &e, 10);
	if (argc < 1 || argc > 1000000)
		return (-1);
	p = e + 2;
	if (argc > cap) {
		argv = xcalloc((size_t)argc, sizeof(*argv));
		lens = xcalloc((size_t)argc, sizeof(*lens));
	}
	for (i = 0; i < argc; i++) {
		if (p >= end || *p != '$')
			break;
		l = strtol(p + 1, &e, 10);
		p = e + 2;
		if (l < 0 || p + l > end)
			break;
		argv[i] = p;
		lens[i] = (size_t)l;
		p += l + 2;
	}
	if (i < argc) {
		if (argv != sargv) {
			free(argv);
			free(lens);
		}
		return (-1);
	}
	*argvp = argv;
	*lenp = lens;
	return ((int)argc);
}

/* Free what rcl_resp_argv allocated beyond the caller's arrays. */
static void
rcl_resp_argv_done(const char **sargv, const char **argv, size_t *lens)
{
	if (argv != sargv) {
		free(argv);
		free(lens);
	}
}

/* One node's share of a batch. */
struct rcl_group {
	struct rcl_node	*node;
	struct rds_pipe	*p;
	size_t		*idx;		/* caller's command numbers, in order */
	size_t		 n;
};

/* Position of n in the node list. Caller holds cl->mtx. */
static size_t
rcl_node_index(const struct rds_cluster *cl, const struct rcl_node *n)
{
	size_t	i;

	for (i = 0; i < cl->nnodes && cl->nodes[i] != n; i++)
		;
	return (i);
}

/* Run a batch grouped per node, replies back in the caller's order. */
int
rds_cluster_pipe_exec(struct rds_cluster *cl, const char *data,
    const size_t *off, size_t n, struct rds_reply *replies, size_t *nrep,
    size_t *nerrors, struct mc_err *err)
{
	struct rcl_group	*g;
	struct rcl_node		*node;
	struct rds_reply	*one;
	const char		**argv, *sargv[8];
	size_t			*lens, slens[8], i, j, ng = 0, nerr = 0, done = 0;
	size_t			 sent = 0;
	int			 argc, *slots, s, rc = 0, rs, port;
	char			 name[32], host[256];
	struct mc_err		 e = { 0 };

	memset(replies, 0, n * sizeof(*replies));
	*nrep = 0;
	if (rcl_ensure_map(cl, err) == -1)
		return (-1);
	g = xcalloc(n, sizeof(*g));
	slots = xmalloc(n * sizeof(*slots));
	/* Route everything before sending anything: a bad batch applies nothing. */
	for (i = 0; i < n && rc == 0; i++) {
		argc = rcl_resp_argv(data + off[i], data + off[i + 1], sargv, slens,
		    8, &argv, &lens);
		if (argc < 0) {
			rc = mc_err_set(err, MC_E_INTERNAL, "pipeline command %zu: bad "
			    "encoding", i + 1);
			break;
		}
		slots[i] = rds_cluster_cmd_slot(argc, argv, lens, err);
		if (slots[i] == -2) {
			rcl_verb(argc, argv, lens, name, sizeof(name));
			rc = mc_err_prefix(err, "pipeline command %zu (%s): ", i + 1, name);
		}
		rcl_resp_argv_done(sargv, argv, lens);
	}
	/* One lock for the whole batch: the map cannot change half-way. */
	pthread_mutex_lock(&cl->mtx);
	for (i = 0; i < n && rc == 0; i++) {
		node = NULL;
		if (slots[i] >= 0 && cl->owner[slots[i]] != RCL_NONE)
			node = cl->nodes[cl->owner[slots[i]]];
		for (s = 0; slots[i] < 0 && node == NULL && s < RDS_CLUSTER_SLOTS; s++)
			if (cl->owner[s] != RCL_NONE)
				node = cl->nodes[cl->owner[s]];
		if (node == NULL) {
			rc = mc_err_set(err, MC_E_REDIS, "pipeline command %zu: slot %d "
			    "has no master in the cluster map (the slot is unassigned: "
			    "a hole in the map; fix it with redis-cli --cluster fix)",
			    i + 1, slots[i]);
			break;
		}
		for (j = 0; j < ng && g[j].node != node; j++)
			;
		if (j == ng) {
			g[ng].node = node;
			g[ng].idx = xcalloc(n, sizeof(size_t));
			ng++;
		}
		g[j].idx[g[j].n++] = i;
	}
	/* Fixed order (the node list's), so threads never wait on each other's slots. */
	for (i = 1; i < ng; i++)
		for (j = i; j > 0 && rcl_node_index(cl, g[j].node) <
		    rcl_node_index(cl, g[j - 1].node); j--) {
			struct rcl_group t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	pthread_mutex_unlock(&cl->mtx);
	for (j = 0; j < ng && rc == 0; j++) {
		g[j].p = rds_pipe_new(g[j].node->r);
		for (i = 0; i < g[j].n; i++) {
			size_t k = g[j].idx[i];

			rds_pipe_add_resp(g[j].p, data + off[k], off[k + 1] - off[k],
			    "pipeline");
		}
	}
	free(slots);
	/* Write every node's share first, then read: the nodes work in parallel. */
	for (sent = 0; sent < ng && rc == 0; sent++)
		if (rds_pipe_send(g[sent].p, &e) == -1) {
			rc = mc_err_copy(err, &e);
			if (sent > 0)
				mc_err_prefix(err, "(the batches of %zu other nodes were "
				    "sent and may have been applied) ", sent);
			break;
		}
	for (j = 0; j < sent; j++) {
		memset(&e, 0, sizeof(e));
		if (rds_pipe_recv(g[j].p, NULL, &e) == -1) {
			if (rc == 0)
				rc = mc_err_copy(err, &e);
			continue;
		}
		for (i = 0; rc == 0 && i < g[j].n; i++) {
			rcl_reply_dup(&replies[g[j].idx[i]], rds_pipe_reply(g[j].p, i));
			done++;
		}
	}
	*nrep = rc == 0 ? n : 0;
	/* Redirected replies: run those commands again, one by one, routed. */
	for (i = 0; rc == 0 && i < n; i++) {
		if (rcl_redirect(&replies[i], &rs, host, sizeof(host), &port) ==
		    RCL_OTHER && strncmp(replies[i].str, "TRYAGAIN", 8) != 0)
			continue;
		if (replies[i].type != RDS_ERROR)
			continue;
		argc = rcl_resp_argv(data + off[i], data + off[i + 1], sargv, slens,
		    8, &argv, &lens);
		one = argc < 0 ? NULL : rds_cluster_command(cl, RDS_F_ERROR_REPLY,
		    argc, argv, lens, &e);
		if (argc >= 0)
			rcl_resp_argv_done(sargv, argv, lens);
		if (one == NULL)
			continue;	/* keep the redirect reply: it says what happened */
		rds_reply_clear(&replies[i]);
		replies[i] = *one;
		free(one);
	}
	for (i = 0; rc == 0 && i < n; i++)
		nerr += replies[i].type == RDS_ERROR;
	if (rc != 0 && done > 0)
		for (i = 0; i < n; i++)
			rds_reply_clear(&replies[i]);
	for (j = 0; j < ng; j++) {
		rds_pipe_free(g[j].p);
		free(g[j].idx);
	}
	free(g);
	if (nerrors != NULL)
		*nerrors = nerr;
	return (rc);
}

/* Every node's counters summed; per-command rows merged by name. */
struct rds_stats *
rds_cluster_stats(struct rds_cluster *cl)
{
	struct rds_stats	*st = xcalloc(1, sizeof(*st)), *ns;
	struct rcl_node		**cand;
	size_t			  n, i, k, m;
	int64_t			  newest = 0;
	unsigned		  live = 0;

	cand = rcl_candidates(cl, &n);
	for (i = 0; i < n; i++) {
		ns = rds_stats(cand[i]->r);
		live += ns->connected;
		st->open_conns += ns->open_conns;
		st->max_conns += ns->max_conns;
		st->min_conns += ns->min_conns;
		st->connects += ns->connects;
		st->reconnects += ns->reconnects;
		st->connect_failures += ns->connect_failures;
		st->disconnects += ns->disconnects;
		st->outcome_unknown += ns->outcome_unknown;
		st->pipelined_cmds += ns->pipelined_cmds;
		st->calls += ns->calls;
		st->errors += ns->errors;
		if (ns->attempt > st->attempt)
			st->attempt = ns->attempt;
		if (ns->last_error_us > newest) {
			newest = ns->last_error_us;
			st->last_error_us = ns->last_error_us;
			snprintf(st->last_error, sizeof(st->last_error), "%s",
			    ns->last_error);
		}
		if (ns->breaker.state > st->breaker.state)
			st->breaker = ns->breaker;
		for (k = 0; k < ns->ncmds; k++) {
			for (m = 0; m < st->ncmds; m++)
				if (strcmp(st->cmds[m].name, ns->cmds[k].name) == 0)
					break;
			if (m == st->ncmds) {
				st->cmds = xreallocarray(st->cmds, st->ncmds + 1,
				    sizeof(*st->cmds));
				st->cmds[st->ncmds++] = ns->cmds[k];
				continue;
			}
			st->cmds[m].mean_us = (st->cmds[m].mean_us * st->cmds[m].calls +
			    ns->cmds[k].mean_us * ns->cmds[k].calls) /
			    (double)(st->cmds[m].calls + ns->cmds[k].calls ?
			    st->cmds[m].calls + ns->cmds[k].calls : 1);
			st->cmds[m].calls += ns->cmds[k].calls;
			st->cmds[m].errors += ns->cmds[k].errors;
#define RCL_MAX(f) if (ns->cmds[k].f > st->cmds[m].f) st->cmds[m].f = ns->cmds[k].f
			RCL_MAX(p50_us);
			RCL_MAX(p95_us);
			RCL_MAX(p99_us);
			RCL_MAX(max_us);
#undef RCL_MAX
		}
		rds_stats_free(ns);
	}
	st->connected = live > 0;
	pthread_mutex_lock(&cl->mtx);
	snprintf(st->endpoint, sizeof(st->endpoint), "cluster of %zu nodes "
	    "(%u connected; %llu map reads, %llu MOVED, %llu ASK)", cl->nnodes,
	    live, (unsigned long long)cl->refreshes, (unsigned long long)cl->moved,
	    (unsigned long long)cl->asks);
	pthread_mutex_unlock(&cl->mtx);
	free(cand);
	return (st);
}

/*
 * Dial node n for a caller that keeps the connection (Pub/Sub): over TLS
 * when the target is rediss+cluster:// (*tls gets the session; NULL tls
 * refuses a TLS node, as rds_dial does). The node's TLS session details
 * become the front's, for health and doctor.
 */
static int
rcl_dial_node(struct rds_cluster *cl, struct rcl_node *n, const char *suffix,
    redisContext **out, struct rdstls **tls, char *ep, size_t eplen,
    struct mc_err *err)
{
	if (tls == NULL)
		return (rds_dial(n->r, suffix, out, ep, eplen, err));
	if (rds_dial_tls(n->r, suffix, out, tls, ep, eplen, err) == -1)
		return (-1);
	if (*tls != NULL)
		rcl_tls_note(cl, n);
	return (0);
}

/* The first master's client (or the first node's). */
struct rds *
rds_cluster_any(struct rds_cluster *cl, struct mc_err *err)
{
	struct rcl_node	*n;

	if (rcl_ensure_map(cl, err) == -1)
		return (NULL);
	return ((n = rcl_route(cl, -1, err)) == NULL ? NULL : n->r);
}

/* Dial the first node that accepts a connection (masters first). */
int
rds_cluster_dial(struct rds_cluster *cl, const char *suffix,
    redisContext **out, struct rdstls **tls, char *ep, size_t eplen,
    struct mc_err *err)
{
	struct rcl_node	**cand;
	size_t		  n, i;
	int		  rc = -1;
	struct mc_err	  e = { 0 };

	(void)rcl_refresh(cl, false, NULL);
	cand = rcl_candidates(cl, &n);
	for (i = 0; i < n && rc == -1; i++) {
		memset(&e, 0, sizeof(e));
		rc = rcl_dial_node(cl, cand[i], suffix, out, tls, ep, eplen, &e);
	}
	free(cand);
	if (rc == -1) {
		snprintf(ep, eplen, "cluster");
		return (mc_err_set(err, e.code ? e.code : MC_E_CONNECT, "redis "
		    "cluster: no node accepts a connection (last: %s)", e.msg));
	}
	return (0);
}

/* Dial the master of slot, the map read again first (see rds-int.h). */
int
rds_cluster_dial_slot(struct rds_cluster *cl, int slot, const char *suffix,
    redisContext **out, struct rdstls **tls, char *ep, size_t eplen,
    struct mc_err *err)
{
	struct rcl_node	*n;

	*out = NULL;
	if (tls != NULL)
		*tls = NULL;
	if (rcl_refresh(cl, true, err) == -1 ||
	    (n = rcl_route(cl, slot, err)) == NULL) {
		snprintf(ep, eplen, "cluster slot %d", slot);
		return (-1);
	}
	return (rcl_dial_node(cl, n, suffix, out, tls, ep, eplen, err));
}

/* Turn a fresh plain client into the front of cl. */
static void
rcl_attach(struct rds *r, struct rds_cluster *cl, const char *what)
{
	r->cl = cl;
	cl->front = r;
	snprintf(r->name, sizeof(r->name), "cluster %.140s", what);
	snprintf(r->endpoint, sizeof(r->endpoint), "%s", r->name);
}

/* A cluster client for a redis+cluster:// target. */
struct rds *
rds_cluster_open(const struct conf_target *t, struct logger *log,
    const char *component, struct mc_err *err)
{
	struct rdsuri_cluster	 u;
	struct conf_target	 nt;
	struct rds		*r;
	struct rds_cluster	*cl;
	char			 what[160];
	size_t			 i, l;

	if (rdsuri_cluster_parse(t->redis, &u, err) == -1)
		return (mc_err_prefix(err, "target %s: ", t->name ? t->name : "?"),
		    NULL);
	if (t->redis_opts.nsentinels > 0) {
		rdsuri_cluster_done(&u);
		return (mc_err_set(err, MC_E_CONFIG, "target %s: redis+cluster:// and "
		    "redis_options.sentinels exclude each other (a cluster fails "
		    "over by itself)", t->name ? t->name : "?"), NULL);
	}
	nt = *t;
	nt.redis = u.auth_uri;
	nt.redis_opts.sentinels = NULL;
	nt.redis_opts.nsentinels = 0;
	nt.redis_opts.sentinel_master = NULL;
	if ((r = rds_new(&nt, log, component, err)) == NULL) {
		rdsuri_cluster_done(&u);
		return (NULL);
	}
	cl = rcl_new(t, u.auth_uri, u.seeds, u.nseeds, log, component);
	what[0] = '\0';
	for (i = 0; i < u.nseeds; i++) {
		l = strlen(what);
		snprintf(what + l, sizeof(what) - l, strchr(u.seeds[i].host, ':') ?
		    "%s[%s]:%d" : "%s%s:%d", i ? "," : "", u.seeds[i].host,
		    u.seeds[i].port);
	}
	rcl_attach(r, cl, what);
	rdsuri_cluster_done(&u);
	return (r);
}

/* Is r's single node a cluster node? If so, make r a cluster front. */
int
rds_cluster_detect(struct rds *r, const struct conf_target *t,
    const char *component)
{
	struct rdsuri_seed	 seed;
	struct rds_cluster	*cl;
	redisContext		*c;
	redisReply		*rep;
	struct rdstls		*tls;
	struct mc_err		 e = { 0 };
	char			 ep[160];
	const char		*argv[] = { "INFO", "cluster" };
	bool			 on;

	if (r->cl != NULL || r->nsentinels > 0 || r->uri.path != NULL ||
	    r->uri.host == NULL || t->redis == NULL)
		return (0);
	/* A rediss:// seed is probed over TLS, and its cluster is all TLS. */
	if (rds_dial_tls(r, "-probe", &c, &tls, ep, sizeof(ep), &e) == -1)
		return (0);
	rep = tls != NULL ? rdstls_command_argv(tls, c, 2, argv, NULL,
	    r->command_timeout_ms) : redisCommandArgv(c, 2, argv, NULL);
	on = rep != NULL && rep->type == REDIS_REPLY_STRING &&
	    strstr(rep->str, "cluster_enabled:1") != NULL;
	if (rep != NULL)
		freeReplyObject(rep);
	rdstls_close(tls);
	redisFree(c);
	if (!on)
		return (0);
	memset(&seed, 0, sizeof(seed));
	snprintf(seed.host, sizeof(seed.host), "%s", r->uri.host);
	seed.port = r->uri.port;
	cl = rcl_new(t, t->redis, &seed, 1, r->log, component);
	rcl_attach(r, cl, ep);
	log_msg(r->log, LOGL_DEBUG, "redis %s answers cluster_enabled:1: routing "
	    "by slot", ep);
	return (1);
}

/* Does r route through a cluster? */
bool
rds_is_cluster(const struct rds *r)
{
	return (r != NULL && r->cl != NULL);
}

/* ===================================================================== */
/* Cluster view                                                           */
/* ===================================================================== */

/* An integer field "name:value" of CLUSTER INFO text; -1 when missing. */
static int64_t
rcl_info_int(const char *text, const char *name)
{
	const char	*p = text;
	size_t		 l = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[l] == ':')
			return (strtoll(p + l + 1, NULL, 10));
		p += l;
	}
	return (-1);
}

/* Parse one CLUSTER NODES line into nv; mark its slots in mine[]. */
static bool
rcl_parse_node_line(char *line, struct rds_cluster_node_view *nv,
    uint8_t *slotmap, uint8_t mark)
{
	char	*tok[16 + 1], *save = NULL, *p, *dash, *f, *fs = NULL;
	int	 nt = 0, lo, hi, s;
	size_t	 l;

	memset(nv, 0, sizeof(*nv));
	nv->lag_bytes = -1;
	for (p = strtok_r(line, " ", &save); p != NULL; ) {
		tok[nt++] = p;
		if (nt == 8)
			break;
		p = strtok_r(NULL, " ", &save);
	}
	if (nt < 8)
		return (false);
	snprintf(nv->id, sizeof(nv->id), "%s", tok[0]);
	if ((p = strchr(tok[1], '@')) != NULL)
		*p = '\0';
	if ((p = strchr(tok[1], ',')) != NULL)
		*p = '\0';
	snprintf(nv->addr, sizeof(nv->addr), "%s", tok[1]);
	for (f = strtok_r(tok[2], ",", &fs); f != NULL; f = strtok_r(NULL, ",", &fs)) {
		if (strcmp(f, "myself") == 0)
			continue;
		if (strcmp(f, "master") == 0)
			snprintf(nv->role, sizeof(nv->role), "master");
		else if (strcmp(f, "slave") == 0)
			snprintf(nv->role, sizeof(nv->role), "replica");
		l = strlen(nv->flags);
		snprintf(nv->flags + l, sizeof(nv->flags) - l, "%s%s", l ? "," : "", f);
	}
	if (nv->role[0] == '\0')
		snprintf(nv->role, sizeof(nv->role), "?");
	if (strcmp(tok[3], "-") != 0)
		snprintf(nv->master_id, sizeof(nv->master_id), "%s", tok[3]);
	snprintf(nv->link, sizeof(nv->link), "%s", tok[7]);
	for (p = strtok_r(NULL, " \n", &save); p != NULL;
	    p = strtok_r(NULL, " \n", &save)) {
		if (p[0] == '[')
			continue;	/* [slot->-id] / [slot-<-id]: migration state */
		lo = atoi(p);
		hi = (dash = strchr(p, '-')) != NULL ? atoi(dash + 1) : lo;
		if (lo < 0 || hi >= RDS_CLUSTER_SLOTS || lo > hi)
			continue;
		nv->nslots += hi - lo + 1;
		l = strlen(nv->slots);
		if (l + strlen(p) + 5 < sizeof(nv->slots))
			snprintf(nv->slots + l, sizeof(nv->slots) - l, "%s%s",
			    l ? "," : "", p);
		else if (l + 4 < sizeof(nv->slots) && strstr(nv->slots, "...") == NULL)
			snprintf(nv->slots + l, sizeof(nv->slots) - l, ",...");
		for (s = lo; s <= hi; s++)
			slotmap[s] = mark;
	}
	return (true);
}

/* CLUSTER INFO and CLUSTER NODES from the first node that answers both. */
static int
rcl_view_fetch(struct rds_cluster *cl, char **info, char **nodes, char *src,
    size_t srclen, struct mc_err *err)
{
	static const char *const ci[] = { "CLUSTER", "INFO" };
	static const char *const cn[] = { "CLUSTER", "NODES" };
	struct rcl_node		**cand;
	struct rds_reply	 *a, *b = NULL;
	size_t			  n, i;
	struct mc_err		  e = { 0 };
	int			  rc = -1;

	cand = rcl_candidates(cl, &n);
	for (i = 0; i < n && rc == -1; i++) {
		memset(&e, 0, sizeof(e));
		if ((a = rds_command(cand[i]->r, 0, 2, ci, NULL, &e)) == NULL)
			continue;
		if (a->type == RDS_STRING &&
		    (b = rds_command(cand[i]->r, 0, 2, cn, NULL, &e)) != NULL &&
		    b->type == RDS_STRING) {
			*info = a->str;
			*nodes = b->str;
			a->str = b->str = NULL;
			snprintf(src, srclen, "%s", cand[i]->addr);
			rc = 0;
		}
		rds_reply_free(a);
		rds_reply_free(b);
		b = NULL;
	}
	free(cand);
	if (rc == -1)
		mc_err_set(err, e.code ? e.code : MC_E_CONNECT, "redis cluster: no node "
		    "answered CLUSTER INFO: %s", e.msg[0] ? e.msg : "no nodes known");
	return (rc);
}

/* Order: masters by their first slot, each followed by its replicas. */
static int
rcl_view_cmp(const void *a, const void *b)
{
	const struct rds_cluster_node_view *x = a, *y = b;
	int	kx = x->nslots > 0 ? atoi(x->slots) : RDS_CLUSTER_SLOTS;
	int	ky = y->nslots > 0 ? atoi(y->slots) : RDS_CLUSTER_SLOTS;

	return (kx < ky ? -1 : kx > ky ? 1 : strcmp(x->addr, y->addr));
}

/* Describe the cluster (see rds-cluster.h). */
int
rds_cluster_describe(struct rds *r, struct rds_cluster_view *v,
    struct mc_err *err)
{
	struct rds_cluster		*cl = r->cl;
	struct rds_cluster_node_view	*raw, *m;
	struct rds_health		 h;
	struct rcl_node			*node;
	char				*info = NULL, *nodes = NULL, *line, *save = NULL;
	char				*host;
	uint8_t				*slotmap;
	size_t				 nraw = 0, i, j;
	int				 port, s;
	struct mc_err			 e;

	memset(v, 0, sizeof(*v));
	v->first_uncovered = -1;
	if (cl == NULL)
		return (mc_err_set(err, MC_E_INTERNAL, "rds_cluster_describe: not a "
		    "cluster"));
	(void)rcl_refresh(cl, true, NULL);
	if (rcl_view_fetch(cl, &info, &nodes, v->source, sizeof(v->source),
	    err) == -1)
		return (-1);
	s = 0;
	if ((line = strstr(info, "cluster_state:")) != NULL)
		sscanf(line, "cluster_state:%15s", v->state);
	v->slots_assigned = (int)rcl_info_int(info, "cluster_slots_assigned");
	v->slots_ok = (int)rcl_info_int(info, "cluster_slots_ok");
	v->slots_pfail = (int)rcl_info_int(info, "cluster_slots_pfail");
	v->slots_fail = (int)rcl_info_int(info, "cluster_slots_fail");
	v->known_nodes = (int)rcl_info_int(info, "cluster_known_nodes");
	v->size = (int)rcl_info_int(info, "cluster_size");
	v->current_epoch = rcl_info_int(info, "cluster_current_epoch");
	slotmap = xcalloc(RDS_CLUSTER_SLOTS, 1);	/* 0 none, 1 served, 2 dead master */
	raw = xcalloc(RDS_CLUSTER_MAX_NODES, sizeof(*raw));
	for (line = strtok_r(nodes, "\n", &save); line != NULL &&
	    nraw < RDS_CLUSTER_MAX_NODES; line = strtok_r(NULL, "\n", &save)) {
		char	lcopy[4096];

		snprintf(lcopy, sizeof(lcopy), "%s", line);
		if (!rcl_parse_node_line(lcopy, &raw[nraw], slotmap, 1))
			continue;
		m = &raw[nraw++];
		/* Ask the node itself: reachability, memory, ops/s, offsets. */
		snprintf(lcopy, sizeof(lcopy), "%s", m->addr);
		if (!rcl_split_addr(lcopy, &host, &port)) {
			snprintf(m->error, sizeof(m->error), "no address (handshake?)");
			continue;
		}
		pthread_mutex_lock(&cl->mtx);
		node = rcl_node_get(cl, host, port);
		pthread_mutex_unlock(&cl->mtx);
		memset(&e, 0, sizeof(e));
		if (strstr(m->flags, "fail") != NULL && strstr(m->flags, "fail?") == NULL) {
			/*
			 * The cluster agreed it failed: do not wait a timeout for
			 * it each time (a frozen node keeps its link "connected").
			 */
			snprintf(m->error, sizeof(m->error), "marked fail by the cluster; "
			    "link %s", m->link[0] ? m->link : "?");
			continue;
		}
		if (rds_health(node->r, &h, &e) == -1) {
			snprintf(m->error, sizeof(m->error), "%.159s", e.msg);
			continue;
		}
		m->reachable = true;
		if (h.tls.tls && !v->tls.tls) {
			v->tls = h.tls;	/* the first node's session: doctor's line */
			rcl_tls_note(cl, node);
		}
		m->rtt_us = h.rtt_us;
		m->used_memory = h.info.used_memory;
		m->maxmemory = h.info.maxmemory;
		m->ops_per_sec = h.info.ops_per_sec;
		m->repl_offset = strcmp(m->role, "master") == 0 ?
		    h.info.master_repl_offset : h.info.slave_repl_offset;
	}
	/* Slots whose master is unreachable or failed are not covered. */
	for (i = 0; i < nraw; i++) {
		if (strcmp(raw[i].role, "master") != 0 || raw[i].nslots == 0)
			continue;
		if (raw[i].reachable && strstr(raw[i].flags, "fail") == NULL)
			continue;
		char	tmp[sizeof(raw[i].slots)], *t, *ts = NULL, *d;

		snprintf(tmp, sizeof(tmp), "%s", raw[i].slots);
		for (t = strtok_r(tmp, ",", &ts); t != NULL; t = strtok_r(NULL, ",", &ts)) {
			int lo = atoi(t), hi = (d = strchr(t, '-')) ? atoi(d + 1) : lo;

			for (s = lo; s <= hi && s < RDS_CLUSTER_SLOTS; s++)
				if (s >= 0)
					slotmap[s] = 2;
		}
	}
	for (s = 0; s < RDS_CLUSTER_SLOTS; s++)
		if (slotmap[s] != 1) {
			v->uncovered++;
			if (v->first_uncovered < 0)
				v->first_uncovered = s;
		}
	/* Masters first (by slots), then their replicas with the byte lag. */
	qsort(raw, nraw, sizeof(*raw), rcl_view_cmp);
	for (i = 0; i < nraw; i++) {
		if (strcmp(raw[i].role, "master") != 0)
			continue;
		v->nodes[v->nnodes++] = raw[i];
		for (j = 0; j < nraw; j++) {
			if (strcmp(raw[j].master_id, raw[i].id) != 0)
				continue;
			v->nodes[v->nnodes] = raw[j];
			if (raw[i].reachable && raw[j].reachable)
				v->nodes[v->nnodes].lag_bytes = raw[i].repl_offset -
				    raw[j].repl_offset;
			v->nnodes++;
		}
	}
	for (i = 0; i < nraw && v->nnodes < RDS_CLUSTER_MAX_NODES; i++) {
		/* Orphans: replicas of an unknown master, nodes with no role. */
		for (j = 0; j < v->nnodes; j++)
			if (strcmp(v->nodes[j].id, raw[i].id) == 0)
				break;
		if (j == v->nnodes)
			v->nodes[v->nnodes++] = raw[i];
	}
	pthread_mutex_lock(&cl->mtx);
	v->refreshes = cl->refreshes;
	v->moved = cl->moved;
	v->asks = cl->asks;
	pthread_mutex_unlock(&cl->mtx);
	free(raw);
	free(slotmap);
	free(info);
	free(nodes);
	return (0);
}

/* Is the cluster healthy (see rds-cluster.h)? */
bool
rds_cluster_view_ok(const struct rds_cluster_view *v, char *why, size_t len)
{
	char	buf[256];

	buf[0] = '\0';
	if (strcmp(v->state, "ok") != 0)
		snprintf(buf, sizeof(buf), "Redis cluster_state is %s (reported by %s)",
		    v->state[0] ? v->state : "unknown", v->source);
	else if (v->uncovered > 0)
		snprintf(buf, sizeof(buf), "Redis cluster: %d slots have no reachable "
		    "master (first: slot %d)", v->uncovered, v->first_uncovered);
	else if (v->slots_fail > 0 || v->slots_pfail > 0)
		snprintf(buf, sizeof(buf), "Redis cluster: %d slots fail, %d pfail",
		    v->slots_fail, v->slots_pfail);
	if (why != NULL)
		snprintf(why, len, "%s", buf);
	return (buf[0] == '\0');
}

/* The view as JSON. */
cJSON *
rds_cluster_view_json(const struct rds_cluster_view *v)
{
	cJSON				*o = cJSON_CreateObject(), *sl, *arr, *n;
	const struct rds_cluster_node_view *nv;
	char				 why[256];
	size_t				 i;

	cJSON_AddBoolToObject(o, "ok", rds_cluster_view_ok(v, why, sizeof(why)));
	if (why[0] != '\0')
		cJSON_AddStringToObject(o, "problem", why);
	cJSON_AddStringToObject(o, "state", v->state);
	cJSON_AddStringToObject(o, "source", v->source);
	sl = cJSON_AddObjectToObject(o, "slots");
	cJSON_AddNumberToObject(sl, "assigned", v->slots_assigned);
	cJSON_AddNumberToObject(sl, "ok", v->slots_ok);
	cJSON_AddNumberToObject(sl, "pfail", v->slots_pfail);
	cJSON_AddNumberToObject(sl, "fail", v->slots_fail);
	cJSON_AddNumberToObject(sl, "uncovered", v->uncovered);
	cJSON_AddNumberToObject(o, "known_nodes", v->known_nodes);
	cJSON_AddNumberToObject(o, "size", v->size);
	cJSON_AddNumberToObject(o, "current_epoch", (double)v->current_epoch);
	cJSON_AddNumberToObject(o, "map_reads", (double)v->refreshes);
	cJSON_AddNumberToObject(o, "moved", (double)v->moved);
	cJSON_AddNumberToObject(o, "ask", (double)v->asks);
	arr = cJSON_AddArrayToObject(o, "nodes");
	for (i = 0; i < v->nnodes; i++) {
		nv = &v->nodes[i];
		n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "id", nv->id);
		cJSON_AddStringToObject(n, "addr", nv->addr);
		cJSON_AddStringToObject(n, "role", nv->role);
		if (nv->master_id[0] != '\0')
			cJSON_AddStringToObject(n, "master_id", nv->master_id);
		cJSON_AddStringToObject(n, "flags", nv->flags);
		cJSON_AddStringToObject(n, "link", nv->link);
		cJSON_AddStringToObject(n, "slots", nv->slots);
		cJSON_AddNumberToObject(n, "nslots", nv->nslots);
		cJSON_AddBoolToObject(n, "reachable", nv->reachable);
		if (nv->error[0] != '\0')
			cJSON_AddStringToObject(n, "error", nv->error);
		if (nv->reachable) {
			cJSON_AddNumberToObject(n, "used_memory", (double)nv->used_memory);
			cJSON_AddNumberToObject(n, "maxmemory", (double)nv->maxmemory);
			cJSON_AddNumberToObject(n, "ops_per_sec", (double)nv->ops_per_sec);
			cJSON_AddNumberToObject(n, "repl_offset", (double)nv->repl_offset);
			cJSON_AddNumberToObject(n, "rtt_us", (double)nv->rtt_us);
		}
		if (nv->lag_bytes >= 0)
			cJSON_AddNumberToObject(n, "lag_bytes", (double)nv->lag_bytes);
		cJSON_AddItemToArray(arr, n);
	}
	return (o);
}

/* Bytes as "1.5 MiB". */
static void
rcl_bytes(int64_t n, char *out, size_t len)
{
	const char	*u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double		 v = (double)n;
	int		 k = 0;

	while (v >= 1024 && k < 4) {
		v /= 1024;
		k++;
	}
	snprintf(out, len, k ? "%.1f %s" : "%.0f %s", v, u[k]);
}

/* The view as a table (see rds-cluster.h). */
struct table *
rds_cluster_view_table(const struct rds_cluster_view *v)
{
	struct table	*tb = table_new(NULL, 8, "node", "role", "slots", "link",
	    "memory", "ops/s", "lag", "state");
	const struct rds_cluster_node_view *n;
	char		 mem[64], used[24], max[24], ops[24], lag[32], *st;
	size_t		 i;

	for (i = 0; i < v->nnodes; i++) {
		n = &v->nodes[i];
		mem[0] = ops[0] = lag[0] = '\0';
		if (n->reachable) {
			rcl_bytes(n->used_memory, used, sizeof(used));
			if (n->maxmemory > 0)
				rcl_bytes(n->maxmemory, max, sizeof(max));
			else
				snprintf(max, sizeof(max), "unbounded");
			snprintf(mem, sizeof(mem), "%s / %s", used, max);
			snprintf(ops, sizeof(ops), "%lld", (long long)n->ops_per_sec);
		}
		if (n->lag_bytes >= 0)
			snprintf(lag, sizeof(lag), "%lld B", (long long)n->lag_bytes);
		st = n->reachable ? xasprintf("up (%s)", n->flags) :
		    xasprintf("DOWN (%s): %s", n->flags, n->error);
		table_add(tb, n->addr, strcmp(n->role, "master") == 0 ? "master" :
		    "  replica", n->slots[0] ? n->slots : "-", n->link, mem, ops, lag,
		    st);
		free(st);
	}
	return (tb);
}

/* One summary line (see rds-cluster.h). */
char *
rds_cluster_view_summary(const struct rds_cluster_view *v)
{
	return (xasprintf("redis cluster: state %s, slots %d assigned, %d ok, %d "
	    "pfail, %d fail, %d without a reachable master; %d nodes, %d masters "
	    "with slots, epoch %lld (from %s)", v->state, v->slots_assigned,
	    v->slots_ok, v->slots_pfail, v->slots_fail, v->uncovered,
	    v->known_nodes, v->size, (long long)v->current_epoch, v->source));
}
