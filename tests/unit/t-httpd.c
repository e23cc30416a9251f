/*
 * t-httpd.c - the tiny HTTP server on a loopback port of its own: 200 and
 * 404, HEAD, bad methods, oversize and silent clients, concurrent clients,
 * address parsing and a port in use. No database servers.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/socket.h>

#include "clk.h"
#include "httpd.h"
#include "tap.h"

/* The handler: /metrics answers, everything else is 404. */
static int
handle(void *arg, const char *path, struct buf *body, const char **ctype)
{
	(void)arg;
	if (strcmp(path, "/metrics") == 0) {
		buf_puts(body, "up 1\n");
		*ctype = "text/plain; version=0.0.4";
		return (200);
	}
	buf_puts(body, "nope\n");
	return (404);
}

/* Connect to addr ("127.0.0.1:PORT"); -1 on failure. */
static int
dial(const char *addr)
{
	char		 host[64], *colon;
	struct addrinfo	 hints, *res;
	int		 fd;

	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	*colon = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return (-1);
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

/* Send reqlen bytes of req and read the whole response into out. */
static void
roundtrip_n(const char *addr, const char *req, size_t reqlen, char *out,
    size_t len)
{
	size_t	n = 0;
	ssize_t	r;
	int	fd = dial(addr);

	out[0] = '\0';
	if (fd < 0)
		return;
	if (write(fd, req, reqlen) < 0) {
		close(fd);
		return;
	}
	while (n + 1 < len && (r = read(fd, out + n, len - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
}

/* Send the string req and read the whole response into out. */
static void
roundtrip(const char *addr, const char *req, char *out, size_t len)
{
	roundtrip_n(addr, req, strlen(req), out, len);
}

struct client {
	const char	*addr;
	char		 resp[1024];
};

/* A concurrent scraper. */
static void *
client_main(void *arg)
{
	struct client	*c = arg;

	roundtrip(c->addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", c->resp,
	    sizeof(c->resp));
	return (NULL);
}

int
main(void)
{
	struct mc_err	 err = { 0 };
	struct httpd	*h, *h2;
	struct client	 cl[8];
	pthread_t	 t[8];
	char		 host[64], resp[4096], big[HTTPD_MAX_REQUEST + 100];
	int		 port, i, slow, good;
	int64_t		 t0;

	ok(httpd_parse_addr("9187", host, sizeof(host), &port, &err) == 0 &&
	    strcmp(host, "127.0.0.1") == 0 && port == 9187, "PORT alone binds 127.0.0.1");
	ok(httpd_parse_addr(":9187", host, sizeof(host), &port, &err) == 0 &&
	    strcmp(host, "127.0.0.1") == 0, ":PORT binds 127.0.0.1 too");
	ok(httpd_parse_addr("0.0.0.0:80", host, sizeof(host), &port, &err) == 0 &&
	    strcmp(host, "0.0.0.0") == 0 && port == 80, "ADDR:PORT");
	ok(httpd_parse_addr("[::1]:9", host, sizeof(host), &port, &err) == 0 &&
	    strcmp(host, "::1") == 0 && port == 9, "[IPv6]:PORT");
	ok(httpd_parse_addr("host:99999", host, sizeof(host), &port, &err) == -1 &&
	    err.code == MC_E_USAGE, "port out of range: usage error");
	like(err.msg, "0 to 65535", "message gives the range: %s", err.msg);
	ok(httpd_parse_addr("::1:80", host, sizeof(host), &port, &err) == -1,
	    "bare IPv6 refused (brackets needed)");
	ok(httpd_parse_addr("x:", host, sizeof(host), &port, &err) == -1, "missing port refused");
	ok(httpd_new("no.such.host.invalid:0", handle, NULL, NULL, &err) == NULL &&
	    err.code == MC_E_USAGE, "unresolvable address: usage error: %s", err.msg);

	h = httpd_new("127.0.0.1:0", handle, NULL, NULL, &err);
	if (h == NULL)
		bail_out("cannot listen on loopback: %s", err.msg);
	ok(httpd_start(h, &err) == 0, "server starts on %s", httpd_addr(h));
	h2 = httpd_new(httpd_addr(h), handle, NULL, NULL, &err);
	ok(h2 == NULL && err.code == MC_E_SYS, "port in use: a system error, not usage");
	like(err.msg, "cannot listen on", "one line naming the address: %s", err.msg);

	roundtrip(httpd_addr(h), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp));
	like(resp, "HTTP/1.1 200 OK\r\n", "GET /metrics: 200");
	like(resp, "Content-Type: text/plain; version=0.0.4\r\n", "the handler's content type");
	like(resp, "Content-Length: 5\r\n", "Content-Length");
	like(resp, "Connection: close\r\n", "Connection: close");
	like(resp, "\r\n\r\nup 1\n", "the body");
	roundtrip(httpd_addr(h), "GET /metrics?x=1 HTTP/1.0\n\n", resp, sizeof(resp));
	like(resp, " 200 ", "HTTP/1.0, bare LF and a query string: 200");
	roundtrip(httpd_addr(h), "GET /x HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	like(resp, "HTTP/1.1 404 Not Found\r\n", "GET /x: 404");
	roundtrip(httpd_addr(h), "HEAD /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	ok(strstr(resp, " 200 ") != NULL && strstr(resp, "up 1") == NULL, "HEAD: headers, no body");
	roundtrip(httpd_addr(h), "POST /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	like(resp, " 405 ", "POST: 405");
	like(resp, "Allow: GET, HEAD", "with Allow");
	roundtrip(httpd_addr(h), "hello\r\n\r\n", resp, sizeof(resp));
	like(resp, " 400 ", "junk request line: 400");
	roundtrip_n(httpd_addr(h), "GET /\0x HTTP/1.1\r\n\r\n", 20, resp, sizeof(resp));
	like(resp, " 400 ", "a NUL byte in the request line: 400, no crash");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GET /", 5);
	roundtrip(httpd_addr(h), big, resp, sizeof(resp));
	like(resp, " 431 ", "request over %d bytes: 431", HTTPD_MAX_REQUEST);

	/* a client that connects and says nothing must not block others */
	slow = dial(httpd_addr(h));
	t0 = clk_mono_us();
	roundtrip(httpd_addr(h), "GET /metrics HTTP/1.1\r\n\r\n", resp, sizeof(resp));
	ok(strstr(resp, " 200 ") != NULL && clk_mono_us() - t0 < 1000000,
	    "a silent client does not hold up the next one");
	for (i = 0; i < 8; i++) {
		cl[i].addr = httpd_addr(h);
		pthread_create(&t[i], NULL, client_main, &cl[i]);
	}
	for (good = 0, i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		good += strstr(cl[i].resp, "\r\n\r\nup 1\n") != NULL;
	}
	is_int(good, 8, "8 concurrent scrapers all get the page");
	ok(httpd_served(h) == 17, "requests counted (%lu)", httpd_served(h));
	t0 = clk_mono_us();
	httpd_free(h);
	ok(clk_mono_us() - t0 < 1000000, "stops promptly with a silent client connected (%lld ms)",
	    (long long)(clk_mono_us() - t0) / 1000);
	close(slow);
	httpd_free(NULL);
	return (done_testing());
}
