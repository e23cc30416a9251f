/*
 * rdstls.c - TLS transport for the Redis client: OpenSSL moves the bytes,
 * hiredis 0.14 formats the commands and parses the replies (see rdstls.h).
 */
#include "config.h"

#include "rdstls.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clk.h"
#include "xmem.h"

struct rdstls_ctx {
	SSL_CTX	*ssl;
	bool	 insecure;
};

struct rdstls {
	SSL		*ssl;
	int		 fd;
	bool		 insecure;
};

/*
 * OpenSSL's reason for the newest queued error, or dflt, copied into buf
 * (returned); the error queue is emptied.
 */
static const char *
rdstls_reason(char *buf, size_t len, const char *dflt)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*why = e ? ERR_reason_error_string(e) : NULL;

	if (e != 0 && why == NULL)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "%s", why != NULL ? why : dflt);
	ERR_clear_error();
	return (buf);
}

/* Refuse to prompt for a key passphrase: mcpdb runs unattended. */
static int
rdstls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return (0);
}

/* Can path be opened for reading? Sets err naming what when not. */
static int
rdstls_readable(const char *what, const char *path, struct mc_err *err)
{
	FILE	*f = fopen(path, "r");

	if (f == NULL)
		return (mc_err_set(err, MC_E_CONFIG,
		    "%s %s: cannot read it: %s", what, path, strerror(errno)));
	fclose(f);
	return (0);
}

/* Build the shared SSL_CTX (see rdstls.h). */
struct rdstls_ctx *
rdstls_ctx_new(const struct rdstls_conf *cf, struct mc_err *err)
{
	struct rdstls_ctx	*x;
	char			 why[256];

	if ((cf->cert_file == NULL) != (cf->key_file == NULL)) {
		mc_err_set(err, MC_E_CONFIG, "TLS: tls_cert_file and "
		    "tls_key_file go together (a client certificate needs "
		    "its key)");
		return (NULL);
	}
	if ((cf->ca_file != NULL &&
	    rdstls_readable("TLS CA file", cf->ca_file, err) == -1) ||
	    (cf->cert_file != NULL &&
	    rdstls_readable("TLS client certificate", cf->cert_file,
	    err) == -1) ||
	    (cf->key_file != NULL &&
	    rdstls_readable("TLS client key", cf->key_file, err) == -1))
		return (NULL);
	x = xcalloc(1, sizeof(*x));
	x->insecure = cf->insecure;
	ERR_clear_error();
	if ((x->ssl = SSL_CTX_new(TLS_client_method())) == NULL) {
		mc_err_set(err, MC_E_CONFIG, "TLS: cannot create a context: %s",
		    rdstls_reason(why, sizeof(why), "out of memory"));
		goto fail;
	}
	SSL_CTX_set_min_proto_version(x->ssl, TLS1_2_VERSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* A close without close_notify is an EOF, not a TLS error. */
	SSL_CTX_set_options(x->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(x->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_passwd_cb(x->ssl, rdstls_no_passphrase);
	if (cf->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(x->ssl, cf->ca_file,
		    NULL) != 1) {
			mc_err_set(err, MC_E_CONFIG, "TLS CA file %s: not a "
			    "PEM certificate list: %s", cf->ca_file,
			    rdstls_reason(why, sizeof(why), "unreadable"));
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(x->ssl) != 1) {
		mc_err_set(err, MC_E_CONFIG, "TLS: cannot load the system's "
		    "trust store: %s (set tls_ca_file)",
		    rdstls_reason(why, sizeof(why), "unknown error"));
		goto fail;
	}
	if (cf->cert_file != NULL) {
		if (SSL_CTX_use_certificate_chain_file(x->ssl,
		    cf->cert_file) != 1) {
			rdstls_reason(why, sizeof(why), "not a certificate");
			mc_err_set(err, MC_E_CONFIG, "TLS client certificate "
			    "%s: %s", cf->cert_file, why);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(x->ssl, cf->key_file,
		    SSL_FILETYPE_PEM) != 1) {
			rdstls_reason(why, sizeof(why), "not a PEM key");
			if (strstr(why, "mismatch") != NULL)
				mc_err_set(err, MC_E_CONFIG, "TLS client "
				    "key %s does not match the certificate %s",
				    cf->key_file, cf->cert_file);
			else
				mc_err_set(err, MC_E_CONFIG, "TLS client "
				    "key %s: %s (a PEM key without a "
				    "passphrase)", cf->key_file, why);
			goto fail;
		}
		if (SSL_CTX_check_private_key(x->ssl) != 1) {
			ERR_clear_error();
			mc_err_set(err, MC_E_CONFIG, "TLS client key %s does "
			    "not match the certificate %s", cf->key_file,
			    cf->cert_file);
			goto fail;
		}
	}
	SSL_CTX_set_verify(x->ssl, cf->insecure ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	return (x);
fail:
	rdstls_ctx_free(x);
	return (NULL);
}

/* Free the shared settings. */
void
rdstls_ctx_free(struct rdstls_ctx *x)
{
	if (x == NULL)
		return;
	SSL_CTX_free(x->ssl);
	free(x);
}

/*
 * Wait until fd is readable (or writable) or the monotonic deadline
 * passes: 1 ready, 0 timed out, -1 poll failed (errno set).
 */
static int
rdstls_wait(int fd, bool for_write, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		n;

	for (;;) {
		left = deadline - clk_mono_us();
		if (left <= 0)
			return (0);
		pfd.fd = fd;
		pfd.events = for_write ? POLLOUT : POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)((left + 999) / 1000));
		if (n < 0 && errno == EINTR)
			continue;
		return (n < 0 ? -1 : n > 0 ? 1 : 0);
	}
}

/* Is name an IPv4 or IPv6 address literal? */
static bool
rdstls_is_ip(const char *name)
{
	unsigned char	a[16];

	return (inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1);
}

/* Why a failed handshake failed, in one line (into err). */
static int
rdstls_handshake_error(struct rdstls *t, int rc, int tmo, struct mc_err *err)
{
	long	 vr = SSL_get_verify_result(t->ssl);
	int	 se = SSL_get_error(t->ssl, rc), saved = errno;
	char	 why[256];

	if (!t->insecure && vr != X509_V_OK) {
		ERR_clear_error();
		return (mc_err_set(err, MC_E_CONNECT, "TLS handshake: "
		    "certificate verification failed: %s%s",
		    X509_verify_cert_error_string(vr),
		    vr == X509_V_ERR_CERT_HAS_EXPIRED ?
		    " (renew the server certificate)" :
		    vr == X509_V_ERR_HOSTNAME_MISMATCH ||
		    vr == X509_V_ERR_IP_ADDRESS_MISMATCH ?
		    " (set tls_server_name to a name the certificate holds)" :
		    " (check tls_ca_file)"));
	}
	if (se == SSL_ERROR_ZERO_RETURN ||
	    (se == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
		ERR_clear_error();
		if (se == SSL_ERROR_SYSCALL && rc < 0 && saved != 0)
			return (mc_err_set(err, MC_E_CONNECT, "TLS handshake: "
			    "%s (is TLS enabled on this port?)",
			    strerror(saved)));
		return (mc_err_set(err, MC_E_CONNECT, "TLS handshake: the "
		    "server closed the connection (is TLS enabled on this "
		    "port?)"));
	}
	(void)tmo;
	return (mc_err_set(err, MC_E_CONNECT, "TLS handshake failed: %s "
	    "(is TLS enabled on this port? a plaintext server needs redis://)",
	    rdstls_reason(why, sizeof(why), "protocol error")));
}

/* Handshake on fd (see rdstls.h). */
struct rdstls *
rdstls_open(struct rdstls_ctx *x, int fd, const char *name, int timeout_ms,
    struct mc_err *err)
{
	struct rdstls	*t;
	X509_VERIFY_PARAM *vp;
	int64_t		 deadline;
	int		 fl, rc, se, w;
	char		 why[256];

	deadline = clk_mono_us() + (int64_t)timeout_ms * 1000;
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		mc_err_set(err, MC_E_CONNECT, "TLS: cannot make the socket "
		    "non-blocking: %s", strerror(errno));
		return (NULL);
	}
	t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->insecure = x->insecure;
	ERR_clear_error();
	if ((t->ssl = SSL_new(x->ssl)) == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		mc_err_set(err, MC_E_CONNECT, "TLS: cannot start a session: %s",
		    rdstls_reason(why, sizeof(why), "out of memory"));
		goto fail;
	}
	if (name != NULL && *name != '\0') {
		vp = SSL_get0_param(t->ssl);
		if (rdstls_is_ip(name)) {
			if (!t->insecure &&
			    X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1)
				goto badname;
		} else {
			/* SNI only for names (RFC 6066: no addresses). */
			if (SSL_set_tlsext_host_name(t->ssl, name) != 1)
				goto badname;
			if (!t->insecure && SSL_set1_host(t->ssl, name) != 1)
				goto badname;
		}
	}
	for (;;) {
		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(t->ssl);
		if (rc == 1)
			break;
		se = SSL_get_error(t->ssl, rc);
		if (se != SSL_ERROR_WANT_READ && se != SSL_ERROR_WANT_WRITE) {
			rdstls_handshake_error(t, rc, timeout_ms, err);
			goto fail;
		}
		w = rdstls_wait(fd, se == SSL_ERROR_WANT_WRITE, deadline);
		if (w == 0) {
			mc_err_set(err, MC_E_TIMEOUT, "TLS handshake: no "
			    "answer within %d ms (connect timeout; is TLS "
			    "enabled on this port? a plaintext server needs "
			    "redis://)", timeout_ms);
			goto fail;
		}
		if (w < 0) {
			mc_err_set(err, MC_E_CONNECT, "TLS handshake: poll: %s",
			    strerror(errno));
			goto fail;
		}
	}
	return (t);
badname:
	mc_err_set(err, MC_E_CONFIG, "TLS: unusable server name \"%.64s\"",
	    name);
fail:
	ERR_clear_error();
	rdstls_close(t);
	return (NULL);
}

/* Free a session; the socket stays open. */
void
rdstls_close(struct rdstls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

/* Protocol, cipher and the server certificate's subject and expiry. */
void
rdstls_info(const struct rdstls *t, struct rdstls_info *in)
{
	X509		*cert;
	const ASN1_TIME	*na;
	struct tm	 tm;

	memset(in, 0, sizeof(*in));
	if (t == NULL)
		return;
	in->tls = true;
	in->insecure = t->insecure;
	snprintf(in->protocol, sizeof(in->protocol), "%s",
	    SSL_get_version(t->ssl));
	snprintf(in->cipher, sizeof(in->cipher), "%s",
	    SSL_get_cipher_name(t->ssl) ? SSL_get_cipher_name(t->ssl) : "?");
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	cert = SSL_get1_peer_certificate(t->ssl);
#else
	cert = SSL_get_peer_certificate(t->ssl);
#endif
	if (cert == NULL)
		return;
	X509_NAME_oneline(X509_get_subject_name(cert), in->subject,
	    (int)sizeof(in->subject));
	na = X509_get0_notAfter(cert);
	memset(&tm, 0, sizeof(tm));
	if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1)
		in->not_after = (int64_t)timegm(&tm);
	X509_free(cert);
}

/* Days from now until not_after (rounded down; negative: expired). */
int
rdstls_days_left(const struct rdstls_info *in)
{
	int64_t	d = in->not_after - (int64_t)time(NULL);

	return ((int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400)));
}

/* Record an I/O error on c the way hiredis does. -1. */
static int
rdstls_fail(redisContext *c, int type, const char *msg, int saved_errno)
{
	size_t	n = strlen(msg);

	/* hiredis's errstr is 128 bytes: keep what fits. */
	if (n >= sizeof(c->errstr))
		n = sizeof(c->errstr) - 1;
	c->err = type;
	memcpy(c->errstr, msg, n);
	c->errstr[n] = '\0';
	errno = saved_errno;
	return (-1);
}

/*
 * Why an SSL_read/SSL_write returning rc failed, into c; -1. A timeout
 * is REDIS_ERR_IO with errno EAGAIN (as a hiredis SO_RCVTIMEO expiry).
 */
static int
rdstls_io_error(struct rdstls *t, redisContext *c, int rc)
{
	int	se = SSL_get_error(t->ssl, rc), saved = errno;
	char	why[256], msg[300];

	if (se == SSL_ERROR_ZERO_RETURN ||
	    (se == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 &&
	    (rc == 0 || saved == 0))) {
		ERR_clear_error();
		return (rdstls_fail(c, REDIS_ERR_EOF,
		    "Server closed the connection", ECONNRESET));
	}
	if (se == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		ERR_clear_error();
		return (rdstls_fail(c, REDIS_ERR_IO, strerror(saved), saved));
	}
	snprintf(msg, sizeof(msg), "TLS: %s",
	    rdstls_reason(why, sizeof(why), "protocol error"));
	return (rdstls_fail(c, REDIS_ERR_IO, msg, EPROTO));
}

/* Wait for what SSL asked for; -1 with c set on a timeout or poll error. */
static int
rdstls_await(struct rdstls *t, redisContext *c, int se, int64_t deadline)
{
	int	w = rdstls_wait(t->fd, se == SSL_ERROR_WANT_WRITE, deadline);
	char	buf[128];

	if (w == 1)
		return (0);
	if (w == 0)
		return (rdstls_fail(c, REDIS_ERR_IO,
		    strerror_r(EAGAIN, buf, sizeof(buf)), EAGAIN));
	return (rdstls_fail(c, REDIS_ERR_IO, strerror(errno), errno));
}

/* Write len bytes (see rdstls.h). */
int
rdstls_write(struct rdstls *t, redisContext *c, const char *data, size_t len,
    int timeout_ms)
{
	int64_t	deadline = clk_mono_us() + (int64_t)timeout_ms * 1000;
	int	n, se, chunk;

	while (len > 0) {
		chunk = len > (1u << 30) ? 1 << 30 : (int)len;
		ERR_clear_error();
		errno = 0;
		n = SSL_write(t->ssl, data, chunk);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		se = SSL_get_error(t->ssl, n);
		if (se != SSL_ERROR_WANT_READ && se != SSL_ERROR_WANT_WRITE)
			return (rdstls_io_error(t, c, n));
		if (rdstls_await(t, c, se, deadline) == -1)
			return (-1);
	}
	return (0);
}

/* Read one whole reply into *reply (see rdstls.h). */
int
rdstls_get_reply(struct rdstls *t, redisContext *c, int timeout_ms,
    void **reply)
{
	int64_t	deadline = clk_mono_us() + (int64_t)timeout_ms * 1000;
	char	buf[16384];
	int	n, se;

	*reply = NULL;
	for (;;) {
		if (redisReaderGetReply(c->reader, reply) != REDIS_OK)
			return (rdstls_fail(c, REDIS_ERR_PROTOCOL,
			    c->reader->errstr, EPROTO));
		if (*reply != NULL)
			return (0);
		ERR_clear_error();
		errno = 0;
		n = SSL_read(t->ssl, buf, (int)sizeof(buf));
		if (n > 0) {
			if (redisReaderFeed(c->reader, buf,
			    (size_t)n) != REDIS_OK)
				return (rdstls_fail(c, REDIS_ERR_PROTOCOL,
				    c->reader->errstr, EPROTO));
			continue;
		}
		se = SSL_get_error(t->ssl, n);
		if (se != SSL_ERROR_WANT_READ && se != SSL_ERROR_WANT_WRITE)
			return (rdstls_io_error(t, c, n));
		if (rdstls_await(t, c, se, deadline) == -1)
			return (-1);
	}
}

/* Feed the reader what can be read now (see rdstls.h). */
int
rdstls_read_avail(struct rdstls *t, redisContext *c)
{
	char	buf[16384];
	int	n, se;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		n = SSL_read(t->ssl, buf, (int)sizeof(buf));
		if (n > 0) {
			if (redisReaderFeed(c->reader, buf,
			    (size_t)n) != REDIS_OK)
				return (rdstls_fail(c, REDIS_ERR_PROTOCOL,
				    c->reader->errstr, EPROTO));
			continue;
		}
		se = SSL_get_error(t->ssl, n);
		if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE)
			return (0);
		return (rdstls_io_error(t, c, n));
	}
}

/* Format, write and read one command (see rdstls.h). */
void *
rdstls_command_argv(struct rdstls *t, redisContext *c, int argc,
    const char **argv, const size_t *argvlen, int timeout_ms)
{
	char	*cmd = NULL;
	void	*reply = NULL;
	int	 len, rc;

	len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0) {
		rdstls_fail(c, REDIS_ERR_OOM, "Out of memory", ENOMEM);
		return (NULL);
	}
	rc = rdstls_write(t, c, cmd, (size_t)len, timeout_ms);
	redisFreeCommand(cmd);
	if (rc == -1 || rdstls_get_reply(t, c, timeout_ms, &reply) == -1)
		return (NULL);
	return (reply);
}

/* Has the server closed or written to an idle session? */
bool
rdstls_stale(struct rdstls *t)
{
	struct pollfd	pfd = { .fd = t->fd, .events = POLLIN };
	char		b;
	int		n, se;

	if (SSL_pending(t->ssl) > 0)
		return (true);
	if (poll(&pfd, 1, 0) == 0)
		return (false);
	/* Readable: a session ticket (fine), data or a close (stale). */
	ERR_clear_error();
	n = SSL_peek(t->ssl, &b, 1);
	if (n > 0)
		return (true);
	se = SSL_get_error(t->ssl, n);
	ERR_clear_error();
	return (se != SSL_ERROR_WANT_READ && se != SSL_ERROR_WANT_WRITE);
}
