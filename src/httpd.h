/*
 * httpd.h - a tiny HTTP/1.0 and 1.1 server for GET and HEAD, enough to
 * answer a Prometheus scraper: one request per connection (Connection:
 * close), a request size limit, and deadlines so a slow or silent client
 * cannot hold a connection slot.
 *
 * Model: one accept thread waits with poll() on the listening socket and a
 * stop pipe; each accepted connection gets a short-lived thread of its own,
 * at most HTTPD_MAX_CONNS at a time (more are answered 503 at once and
 * closed). A request must arrive within HTTPD_READ_MS and its response be
 * taken within HTTPD_WRITE_MS. The handler builds the whole body, so it is
 * called on connection threads, concurrently: it must be thread-safe.
 */
#ifndef MCPDB_HTTPD_H
#define MCPDB_HTTPD_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "log.h"

#define HTTPD_MAX_CONNS		16	/* connection threads at once */
#define HTTPD_MAX_REQUEST	8192	/* bytes of request line + headers */
#define HTTPD_READ_MS		5000	/* to receive the request */
#define HTTPD_WRITE_MS		10000	/* to send the response */

struct httpd;

/*
 * Answer one request: path is the request target without its query string
 * (borrowed for the call). Fill body and set *content_type (a static
 * string); return the HTTP status (200, 404, 503 ...). Called on connection
 * threads, concurrently.
 */
typedef int	(*httpd_handler)(void *arg, const char *path, struct buf *body,
		    const char **content_type);

/*
 * Parse "[ADDR:]PORT" ("9187", "127.0.0.1:9187", "[::1]:9187",
 * "0.0.0.0:9187"): host gets the address ("127.0.0.1" when omitted or
 * empty), *port the number (0 = any free port). -1 with MC_E_USAGE on junk.
 */
int	httpd_parse_addr(const char *spec, char *host, size_t hostlen,
	    int *port, struct mc_err *);

/*
 * Bind and listen on spec (see httpd_parse_addr); nothing is accepted until
 * httpd_start. log may be NULL (borrowed; must outlive the server). NULL
 * with err: MC_E_USAGE for a bad or unresolvable address, MC_E_SYS when the
 * socket cannot be bound (e.g. the port is in use). Caller frees.
 */
struct httpd	*httpd_new(const char *spec, httpd_handler, void *arg,
		    struct logger *, struct mc_err *);
/* "127.0.0.1:9187" as bound (the real port when 0 was asked). Borrowed. */
const char	*httpd_addr(const struct httpd *);
/* Start the accept thread. -1 with MC_E_SYS. */
int	httpd_start(struct httpd *, struct mc_err *);
/* Requests answered so far (all statuses). */
unsigned long	httpd_served(struct httpd *);
/*
 * Stop accepting, close the socket, tell connection threads to finish and
 * wait for them (each is bounded by its deadlines; an idle one ends within
 * about 100 ms), then free. NULL is fine.
 */
void	httpd_free(struct httpd *);

#endif
