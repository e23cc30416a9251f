/*
 * rdstls.h - TLS for the Redis client on OpenSSL (libssl). hiredis 0.14
 * has no TLS, so it keeps what it still does well (connecting the TCP
 * socket, formatting commands, parsing replies with its redisReader) and
 * this module moves the bytes: the handshake on the context's socket, then
 * SSL_write of formatted commands and SSL_read into c->reader until a whole
 * reply is there. Every wait is a poll(2) on the socket with a deadline, so
 * a server that stops answering (or never speaks TLS) is an error within
 * the given timeout, never a hang.
 *
 * Model: one struct rdstls_ctx per client (the SSL_CTX: CA file, client
 * certificate, verify mode), built when the client is created so a bad
 * file is a configuration error; one struct rdstls per connection, freed
 * before its redisContext. I/O errors are reported the way hiredis reports
 * them (c->err and c->errstr; errno EAGAIN for a timeout), so callers
 * handle both transports with the same code.
 */
#ifndef MCPDB_RDSTLS_H
#define MCPDB_RDSTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct rdstls_ctx;
struct rdstls;
struct redisContext;	/* hiredis */

/* What the configuration says (all strings borrowed for the call). */
struct rdstls_conf {
	const char	*ca_file;	/* NULL: the system's trust store */
	const char	*cert_file;	/* client cert (PEM) or NULL */
	const char	*key_file;	/* its private key (PEM), or NULL */
	bool		 insecure;	/* no certificate verification */
};

/* One connection's TLS session, for health and doctor. A value type. */
struct rdstls_info {
	bool	tls;		/* false: plaintext (rest empty) */
	bool	insecure;	/* the certificate was not verified */
	char	protocol[16];	/* "TLSv1.3" */
	char	cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
	int64_t	not_after;	/* cert expiry, Unix s; 0 unknown */
	char	subject[128];	/* certificate subject, one line */
};

/*
 * The shared settings: trust store (the CA file, or the system's), client
 * certificate and key (checked to match), verify mode. NULL with
 * MC_E_CONFIG naming the file and OpenSSL's reason. Caller frees.
 */
struct rdstls_ctx *rdstls_ctx_new(const struct rdstls_conf *, struct mc_err *);
/* Free the settings (NULL is fine); no connection may still use them. */
void	rdstls_ctx_free(struct rdstls_ctx *);

/*
 * Handshake on the connected socket fd (made non-blocking) within
 * timeout_ms. name is the server name for SNI and the certificate check
 * (an IP address is checked against the certificate's IP addresses).
 * NULL with MC_E_CONNECT: "certificate verification failed: <OpenSSL's
 * reason>", a timeout, or the server not speaking TLS. The fd stays the
 * caller's (redisFree closes it). Caller frees with rdstls_close.
 */
struct rdstls	*rdstls_open(struct rdstls_ctx *, int fd, const char *name,
		    int timeout_ms, struct mc_err *);
/* Free a session (NULL is fine), without closing the socket. */
void	rdstls_close(struct rdstls *);
/* The negotiated protocol, cipher and server certificate. */
void	rdstls_info(const struct rdstls *, struct rdstls_info *);

/*
 * Write len bytes within timeout_ms. 0, or -1 with c->err/c->errstr set
 * (errno EAGAIN on a timeout).
 */
int	rdstls_write(struct rdstls *, struct redisContext *c,
	    const char *data, size_t len, int timeout_ms);
/*
 * Read until c->reader holds one whole reply and take it (built by the
 * reader's functions) into *reply. 0, or -1 with c->err/c->errstr set;
 * timeout_ms bounds the whole wait.
 */
int	rdstls_get_reply(struct rdstls *, struct redisContext *c,
	    int timeout_ms, void **reply);
/*
 * Feed c->reader everything the session can read now, without waiting
 * (for a poll loop: the socket was readable). 0, or -1 with c->err and
 * c->errstr set when the server closed the connection or TLS failed.
 */
int	rdstls_read_avail(struct rdstls *, struct redisContext *c);
/*
 * redisCommandArgv over TLS: format, write, read one reply. NULL with
 * c->err/c->errstr set.
 */
void	*rdstls_command_argv(struct rdstls *, struct redisContext *c,
	    int argc, const char **argv, const size_t *argvlen,
	    int timeout_ms);
/*
 * Has the server closed (or written to) an idle session? TLS 1.3 session
 * tickets make the socket readable without any application data: those
 * are consumed and do not count.
 */
bool	rdstls_stale(struct rdstls *);
/* Days from now until the certificate expires (negative: expired). */
int	rdstls_days_left(const struct rdstls_info *);

#endif
