/*
 * rdsuri.h - the one parser of Redis locations, used by the configuration
 * (validation, `config show`, `targets`) and by the Redis client (dialling).
 *
 * Accepted forms (schemes are case-insensitive):
 *   redis://[[user]:password@]host[:port][/db][?query]
 *   rediss://...                      the same over TLS (rdstls.c; the
 *                                     CA file, client certificate and
 *                                     verify switch are redis_options)
 *   redis://password@host...          a lone user info is the password
 *                                     (redis-cli -u); write "user:" for a
 *                                     user with an empty password
 *   unix://[[user]:password@]/path/to/redis.sock[?query]   (redis-py)
 *   /path/to/redis.sock               an absolute socket path, taken as is
 * host is a name or an IPv6 address in brackets ("[::1]"); the port is
 * 1..65535 (default 6379); db is a number >= 0 (default 0). The query takes
 * db=N, username=U and password=P (as redis-py does), each at most once and
 * not together with the same setting in the user info or the path. The user
 * info, the path and query values are percent-decoded ("+" in a query value
 * is a space, as in redis-py); a '/', '?', '#' or '@' in a password must be
 * written %2F, %3F, %23, %40 (the last '@' before the host ends the user info,
 * so a raw '@' works too).
 *
 * Any other scheme is refused with a message naming the usable forms. Error messages quote nothing of the input (it may hold a
 * password): callers that need to show the value use rdsuri_echo.
 */
#ifndef MCPDB_RDSURI_H
#define MCPDB_RDSURI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* A parsed Redis location. All strings owned; free with rdsuri_done. */
struct rdsuri {
	bool	 tls;	/* rediss:// */
	char	*host;	/* TCP host (IPv6 without brackets) or NULL */
	int	 port;	/* TCP port (default 6379); 0 for a socket */
	char	*path;	/* unix socket path, or NULL */
	char	*user;	/* ACL user, or NULL (password-only AUTH) */
	char	*password; /* NULL: no AUTH; may be "" with a user */
	int	 db;		/* SELECT db, default 0 */
};

/*
 * Parse s into u (zeroed first). On error returns -1 with MC_E_CONFIG and a
 * reason that quotes nothing of s; u is then left zeroed.
 */
int	rdsuri_parse(const char *s, struct rdsuri *u, struct mc_err *);
/* Free the parts (the password is wiped first) and zero u. NULL is fine. */
void	rdsuri_done(struct rdsuri *u);
/*
 * "redis[s]://[user:password@]host:port/0" with user and password
 * percent-encoded (either may be NULL or ""; an IPv6 host gets brackets).
 * It holds the password: never print it. Caller frees.
 */
char	*rdsuri_build(bool tls, const char *host, int port, const char *user,
	    const char *password);
/*
 * The location rebuilt from its parts with the password shown as "***":
 * "redis://ops:***@cache1:6379/0", "unix://:***@/run/r.sock?db=3", or the
 * bare socket path when there is nothing to hide or select. User name and
 * path are percent-encoded where needed, so the result is one printable
 * line. Caller frees.
 */
char	*rdsuri_redact(const struct rdsuri *u);
/*
 * A conservatively redacted copy of a string rdsuri_parse may have refused,
 * for error messages: everything between "://" (or the start) and the last
 * '@' becomes "***", and every query value but db's becomes "***". NULL
 * gives NULL. Caller frees.
 */
char	*rdsuri_echo(const char *s);

/*
 * A Redis Cluster target, "redis+cluster://[user[:password]@]host[:port]
 * [,host[:port]...][/]": its seeds and a redis:// form of the first one
 * that carries the AUTH (parsed again by rdsuri_parse when dialled).
 * "rediss+cluster://..." is the same over TLS: the auth URI is rediss://,
 * so every node (seeds, nodes learnt from the map, MOVED and ASK targets)
 * is dialled with the target's tls_* redis_options.
 */
#define RDSURI_MAX_SEEDS	32

struct rdsuri_seed {
	char	host[256];	/* IPv6 without brackets */
	int	port;
};

/* A parsed redis+cluster:// string. Free with rdsuri_cluster_done. */
struct rdsuri_cluster {
	bool			 tls;		/* rediss+cluster:// */
	char			*auth_uri;	/* "redis://[userinfo@]first-seed": carries AUTH */
	size_t			 nseeds;
	struct rdsuri_seed	*seeds;
};

/* Does s start with "redis+cluster://" or "rediss+cluster://"? */
bool	rdsuri_cluster_is(const char *s);
/* Does s start with "rediss+cluster://" (a cluster over TLS)? */
bool	rdsuri_cluster_tls(const char *s);
/*
 * Parse "redis[s]+cluster://[user[:password]@]host[:port][,host[:port]...][/]"
 * (port defaults to 6379, "[v6]:port" allowed, at most
 * RDSURI_MAX_SEEDS seeds, no /db: a cluster has database 0 only).
 * -1 with MC_E_CONFIG and a message naming the bad seed (never the
 * password). out is zeroed first.
 */
int	rdsuri_cluster_parse(const char *, struct rdsuri_cluster *out,
	    struct mc_err *);
void	rdsuri_cluster_done(struct rdsuri_cluster *);

#endif
