/*
 * httpd.c - the tiny HTTP server behind `mcpdb metrics --listen`: GET and
 * HEAD only, one request per connection, bounded in size, time and
 * concurrency.
 *
 * Model: the accept thread polls the listening socket and a stop pipe;
 * every connection runs on a detached thread counted under mtx, and
 * httpd_free waits for that count to reach zero. Connection threads wait in
 * poll() slices of HTTPD_SLICE_MS so they notice a stop quickly, and use
 * non-blocking sockets so no read or write can block past its deadline.
 */
#include "config.h"

#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "clk.h"
#include "xmem.h"

#define HTTPD_SLICE_MS	100

struct httpd {
	int			 fd;		/* listening socket */
	int			 pipe[2];	/* stop: accept thread wakes */
	char			 addr[300];
	httpd_handler		 handler;
	void			*arg;
	struct logger		*log;
	pthread_t		 thread;
	bool			 started;
	atomic_bool		 stop;
	atomic_ulong		 served;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;		/* active went down */
	int			 active;	/* connection threads */
};

/* What a connection thread gets. */
struct httpd_job {
	struct httpd	*h;
	int		 fd;
	char		 peer[64];
};

int
httpd_parse_addr(const char *spec, char *host, size_t hostlen, int *port,
    struct mc_err *err)
{
	const char	*colon, *p, *orig = spec;
	char		*end;
	long		 n;
	size_t		 hl;

	if (spec == NULL || *spec == '\0')
		return (mc_err_set(err, MC_E_USAGE,
		    "--listen: empty address (want [ADDR:]PORT, e.g. 127.0.0.1:9187)"));
	if (spec[0] == '[') {		/* [v6]:port */
		if ((p = strchr(spec, ']')) == NULL || p[1] != ':')
			return (mc_err_set(err, MC_E_USAGE,
			    "--listen %s: want [IPV6]:PORT", spec));
		hl = (size_t)(p - spec - 1);
		colon = p + 1;
		spec++;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		if (strchr(spec, ':') != colon)
			return (mc_err_set(err, MC_E_USAGE, "--listen %s: put an "
			    "IPv6 address in brackets ([::1]:9187)", spec));
		hl = (size_t)(colon - spec);
	} else {
		hl = 0;
		colon = spec - 1;
	}
	if (hl >= hostlen)
		return (mc_err_set(err, MC_E_USAGE, "--listen: address too long"));
	if (hl == 0)
		snprintf(host, hostlen, "127.0.0.1");
	else {
		memcpy(host, spec, hl);
		host[hl] = '\0';
	}
	errno = 0;
	n = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || n < 0 ||
	    n > 65535)
		return (mc_err_set(err, MC_E_USAGE, "--listen %s: the port must "
		    "be a number from 0 to 65535", orig));
	*port = (int)n;
	return (0);
}

/* Make fd non-blocking and close-on-exec. */
static void
httpd_nonblock(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	if (fl != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* "host:port" of a socket address. */
static void
httpd_name(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char	h[NI_MAXHOST], s[NI_MAXSERV];

	if (getnameinfo(sa, len, h, sizeof(h), s, sizeof(s),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, s);
}

struct httpd *
httpd_new(const char *spec, httpd_handler handler, void *arg,
    struct logger *log, struct mc_err *err)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	struct httpd		*h;
	char			 host[256], port[8];
	int			 pn, rc, one = 1, fd;

	if (httpd_parse_addr(spec, host, sizeof(host), &pn, err) != 0)
		return (NULL);
	snprintf(port, sizeof(port), "%d", pn);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		mc_err_set(err, MC_E_USAGE, "--listen %s: cannot resolve %s: %s",
		    spec, host, gai_strerror(rc));
		return (NULL);
	}
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd == -1) {
		mc_err_sys(err, "--listen %s: socket", spec);
		freeaddrinfo(res);
		return (NULL);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, 64) != 0) {
		int	e = errno;

		close(fd);
		freeaddrinfo(res);
		errno = e;
		if (e == EADDRINUSE)
			mc_err_sys(err, "cannot listen on %s:%s (another exporter "
			    "or mcpdb may be running there; pick another port)",
			    host, port);
		else if (e == EADDRNOTAVAIL)
			mc_err_set(err, MC_E_USAGE, "--listen %s: %s is not an "
			    "address of this machine", spec, host);
		else
			mc_err_sys(err, "cannot listen on %s:%s", host, port);
		return (NULL);
	}
	freeaddrinfo(res);
	h = xcalloc(1, sizeof(*h));
	h->fd = fd;
	h->handler = handler;
	h->arg = arg;
	h->log = log;
	atomic_init(&h->stop, false);
	atomic_init(&h->served, 0);
	pthread_mutex_init(&h->mtx, NULL);
	pthread_cond_init(&h->cond, NULL);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		httpd_name((struct sockaddr *)&ss, sl, h->addr, sizeof(h->addr));
	else
		snprintf(h->addr, sizeof(h->addr), "%s:%s", host, port);
	httpd_nonblock(fd);
	if (pipe(h->pipe) != 0) {
		mc_err_sys(err, "httpd: pipe");
		close(fd);
		pthread_mutex_destroy(&h->mtx);
		pthread_cond_destroy(&h->cond);
		free(h);
		return (NULL);
	}
	httpd_nonblock(h->pipe[0]);
	httpd_nonblock(h->pipe[1]);
	return (h);
}

const char *
httpd_addr(const struct httpd *h)
{
	return (h->addr);
}

unsigned long
httpd_served(struct httpd *h)
{
	return (atomic_load(&h->served));
}

/*
 * Wait until fd is ready for events or deadline (monotonic us) passes, in
 * slices, giving up on a stop. Returns 1 ready, 0 timeout or stop, -1 error.
 */
static int
httpd_wait(struct httpd *h, int fd, short events, int64_t deadline)
{
	struct pollfd	pfd;
	int64_t		left;
	int		rc;

	for (;;) {
		if (atomic_load(&h->stop))
			return (0);
		if ((left = deadline - clk_mono_us()) <= 0)
			return (0);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, left > HTTPD_SLICE_MS * 1000 ?
		    HTTPD_SLICE_MS : (int)((left + 999) / 1000));
		if (rc > 0)
			return (1);
		if (rc == -1 && errno != EINTR)
			return (-1);
	}
}

/* Send len bytes of data before deadline. 0 or -1. */
static int
httpd_send(struct httpd *h, int fd, const char *data, size_t len,
    int64_t deadline)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    httpd_wait(h, fd, POLLOUT, deadline) == 1)
			continue;
		return (-1);
	}
	return (0);
}

/* The reason phrase of a status code. */
static const char *
httpd_reason(int status)
{
	switch (status) {
	case 200:
		return ("OK");
	case 400:
		return ("Bad Request");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 408:
		return ("Request Timeout");
	case 431:
		return ("Request Header Fields Too Large");
	case 503:
		return ("Service Unavailable");
	case 505:
		return ("HTTP Version Not Supported");
	default:
		return (status < 500 ? "Error" : "Server Error");
	}
}

/* Send a whole response (headers, then body unless head) and count it. */
static void
httpd_respond(struct httpd *h, int fd, int status, const char *ctype,
    const struct buf *body, bool head)
{
	struct buf	hdr;
	int64_t		deadline = clk_mono_us() + HTTPD_WRITE_MS * 1000LL;

	buf_init(&hdr);
	buf_printf(&hdr, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n", status,
	    httpd_reason(status), ctype, body->len);
	if (status == 405)
		buf_puts(&hdr, "Allow: GET, HEAD\r\n");
	buf_puts(&hdr, "\r\n");
	if (httpd_send(h, fd, hdr.data, hdr.len, deadline) == 0 && !head)
		(void)httpd_send(h, fd, body->data, body->len, deadline);
	buf_done(&hdr);
	atomic_fetch_add(&h->served, 1);
}

/* A plain-text error response. */
static void
httpd_error(struct httpd *h, int fd, int status, const char *text, bool head)
{
	struct buf	body;

	buf_init(&body);
	buf_printf(&body, "%d %s%s%s\n", status, httpd_reason(status),
	    text ? ": " : "", text ? text : "");
	httpd_respond(h, fd, status, "text/plain; charset=utf-8", &body, head);
	buf_done(&body);
}

/* Where the header block ends in data (length len), or NULL. */
static const char *
httpd_end_of_headers(const char *data, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++) {
		if (data[i] == '\n' && data[i + 1] == '\n')
			return (data + i + 2);
		if (i + 3 < len && memcmp(data + i, "\r\n\r\n", 4) == 0)
			return (data + i + 4);
	}
	return (NULL);
}

/* Read, parse and answer one request on fd (connection thread). */
static void
httpd_serve_one(struct httpd *h, int fd)
{
	char		 req[HTTPD_MAX_REQUEST + 1], *sp1, *sp2, *eol, *q;
	const char	*ctype = "text/plain; charset=utf-8";
	int64_t		 deadline = clk_mono_us() + HTTPD_READ_MS * 1000LL;
	struct buf	 body;
	size_t		 len = 0;
	ssize_t		 n;
	bool		 head;
	int		 status;

	for (;;) {
		n = recv(fd, req + len, HTTPD_MAX_REQUEST - len, 0);
		if (n > 0) {
			len += (size_t)n;
			if (httpd_end_of_headers(req, len) != NULL)
				break;
			if (len == HTTPD_MAX_REQUEST) {
				httpd_error(h, fd, 431, "request too large", false);
				return;
			}
			continue;
		}
		if (n == 0)
			return;			/* closed before a request */
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    httpd_wait(h, fd, POLLIN, deadline) == 1)
			continue;
		if (!atomic_load(&h->stop) && clk_mono_us() >= deadline)
			httpd_error(h, fd, 408, "no request within 5 s", false);
		return;
	}
	req[len] = '\0';
	/* request line: METHOD SP TARGET SP HTTP/1.x */
	if ((eol = strpbrk(req, "\r\n")) == NULL) {	/* a NUL came first */
		httpd_error(h, fd, 400, "NUL byte in the request line", false);
		return;
	}
	*eol = '\0';
	if ((sp1 = strchr(req, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' ')) {
		httpd_error(h, fd, 400, "want \"GET /metrics HTTP/1.1\"", false);
		return;
	}
	*sp1 = *sp2 = '\0';
	head = strcmp(req, "HEAD") == 0;
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		httpd_error(h, fd, 505, NULL, head);
		return;
	}
	if (strcmp(req, "GET") != 0 && !head) {
		httpd_error(h, fd, 405, "only GET and HEAD", false);
		return;
	}
	if (sp1[1] != '/') {
		httpd_error(h, fd, 400, "the target must be a path", head);
		return;
	}
	if ((q = strpbrk(sp1 + 1, "?#")) != NULL)
		*q = '\0';
	buf_init(&body);
	status = h->handler(h->arg, sp1 + 1, &body, &ctype);
	httpd_respond(h, fd, status, ctype, &body, head);
	buf_done(&body);
}

/* A connection thread: answer, then let the client close first. */
static void *
httpd_conn_main(void *arg)
{
	struct httpd_job	*j = arg;
	struct httpd		*h = j->h;
	char			 sink[512];
	int64_t			 deadline;

	httpd_serve_one(h, j->fd);
	/* half-close and drain, so unread request bytes cannot turn the
	 * close into a reset that truncates the response at the client */
	(void)shutdown(j->fd, SHUT_WR);
	deadline = clk_mono_us() + 500 * 1000;
	while (httpd_wait(h, j->fd, POLLIN, deadline) == 1 &&
	    recv(j->fd, sink, sizeof(sink), 0) > 0)
		;
	close(j->fd);
	if (h->log != NULL)
		log_msg(h->log, LOGL_DEBUG, "metrics: served %s", j->peer);
	free(j);
	pthread_mutex_lock(&h->mtx);
	h->active--;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->mtx);
	return (NULL);
}

/* Hand an accepted connection to a thread, or turn it away. */
static void
httpd_dispatch(struct httpd *h, int fd, const struct sockaddr *sa,
    socklen_t sl)
{
	struct httpd_job	*j;
	pthread_attr_t		 attr;
	pthread_t		 t;
	bool			 full;

	httpd_nonblock(fd);
	pthread_mutex_lock(&h->mtx);
	full = h->active >= HTTPD_MAX_CONNS;
	if (!full)
		h->active++;
	pthread_mutex_unlock(&h->mtx);
	if (full) {
		/* best effort: a non-blocking write of a short answer */
		static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n";

		(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
		close(fd);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->h = h;
	j->fd = fd;
	httpd_name(sa, sl, j->peer, sizeof(j->peer));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, httpd_conn_main, j) != 0) {
		close(fd);
		free(j);
		pthread_mutex_lock(&h->mtx);
		h->active--;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->mtx);
	}
	pthread_attr_destroy(&attr);
}

/* The accept thread. */
static void *
httpd_accept_main(void *arg)
{
	struct httpd		*h = arg;
	struct pollfd		 pfd[2];
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd;

	while (!atomic_load(&h->stop)) {
		pfd[0].fd = h->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = h->pipe[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		sl = sizeof(ss);
		fd = accept(h->fd, (struct sockaddr *)&ss, &sl);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE)
				usleep(100 * 1000);	/* let threads finish */
			continue;
		}
		httpd_dispatch(h, fd, (struct sockaddr *)&ss, sl);
	}
	return (NULL);
}

int
httpd_start(struct httpd *h, struct mc_err *err)
{
	if (pthread_create(&h->thread, NULL, httpd_accept_main, h) != 0)
		return (mc_err_set(err, MC_E_SYS, "httpd: cannot start a thread"));
	h->started = true;
	return (0);
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	atomic_store(&h->stop, true);
	if (write(h->pipe[1], "x", 1) != 1 && h->log != NULL)
		log_msg(h->log, LOGL_DEBUG, "metrics: stop pipe full");
	if (h->started)
		pthread_join(h->thread, NULL);
	close(h->fd);
	pthread_mutex_lock(&h->mtx);
	while (h->active > 0)
		pthread_cond_wait(&h->cond, &h->mtx);
	pthread_mutex_unlock(&h->mtx);
	close(h->pipe[0]);
	close(h->pipe[1]);
	pthread_mutex_destroy(&h->mtx);
	pthread_cond_destroy(&h->cond);
	free(h);
}
