/* rds-srv.c - start, kill and restart private redis-server processes for tests. */
#include "config.h"

#include "rds-srv.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define RDS_SRV_MAX	16

static char		 srv_dir[512];
static struct rds_srv	*srv_all[RDS_SRV_MAX];
static int		 srv_n;

/* The redis-server binary to run. */
static const char *
rds_srv_bin(void)
{
	const char	*b = getenv("MCPDB_REDIS_SERVER");

	return (b && *b ? b : "redis-server");
}

/* Kill every server and remove the directory (atexit). */
static void
rds_srv_cleanup(void)
{
	int	i;
	char	cmd[600];

	for (i = 0; i < srv_n; i++) {
		rds_srv_kill(srv_all[i]);
		free(srv_all[i]);
	}
	srv_n = 0;
	if (srv_dir[0] != '\0' && getenv("MCPDB_KEEP_TEST_DIR") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", srv_dir);
	}
}

/* Create the private directory once. */
const char *
rds_srv_dir(void)
{
	const char	*t = getenv("TMPDIR");

	if (srv_dir[0] != '\0')
		return (srv_dir);
	snprintf(srv_dir, sizeof(srv_dir), "%s/mcpdb-rds.XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(srv_dir) == NULL)
		bail_out("mkdtemp %s: %s", srv_dir, strerror(errno));
	atexit(rds_srv_cleanup);
	return (srv_dir);
}

/* Is redis-server runnable? */
bool
rds_srv_available(void)
{
	char	cmd[300];

	snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", rds_srv_bin());
	return (system(cmd) == 0);
}

/* Ask the kernel for a free loopback port. */
int
rds_srv_free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		sl = sizeof(sa);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		bail_out("free port: %s", strerror(errno));
	port = ntohs(sa.sin_port);
	close(fd);
	return (port);
}

/* Does the server answer PING on TCP? */
static bool
rds_srv_ping(struct rds_srv *s)
{
	redisReply	*r = rds_srv_cmd(s, "PING");
	bool		 ok_ = r != NULL && r->type == REDIS_REPLY_STATUS;

	freeReplyObject(r);
	return (ok_);
}

/* fork + exec redis-server and wait for PING. */
static int
rds_srv_spawn(struct rds_srv *s)
{
	pid_t		pid;
	int		i, st;
	char		log[600];
	struct timespec	ts = { 0, 20 * 1000 * 1000 };

	snprintf(log, sizeof(log), "%s/%s.out", rds_srv_dir(), s->name);
	pid = fork();
	if (pid < 0)
		return (-1);
	if (pid == 0) {
		if (freopen(log, "a", stdout) == NULL || freopen(log, "a", stderr) == NULL)
			_exit(127);
		if (s->sentinel)
			execlp(rds_srv_bin(), rds_srv_bin(), s->conf, "--sentinel", (char *)NULL);
		else
			execlp(rds_srv_bin(), rds_srv_bin(), s->conf, (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	for (i = 0; i < 250; i++) {	/* 5 s */
		if (rds_srv_ping(s))
			return (0);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			s->pid = 0;
			diag("%s exited during start-up; see %s", s->name, log);
			return (-1);
		}
		nanosleep(&ts, NULL);
	}
	diag("%s did not answer PING within 5 s; see %s", s->name, log);
	rds_srv_kill(s);
	return (-1);
}

/* Write the config and start. */
struct rds_srv *
rds_srv_start(const char *name, const char *extra, bool sentinel)
{
	struct rds_srv	*s;
	FILE		*fp;
	int		 tries;

	if (srv_n >= RDS_SRV_MAX)
		bail_out("too many test servers");
	s = calloc(1, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->sentinel = sentinel;
	snprintf(s->conf, sizeof(s->conf), "%s/%s.conf", rds_srv_dir(), name);
	if (!sentinel)
		snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", rds_srv_dir(), name);
	srv_all[srv_n++] = s;
	for (tries = 0; tries < 3; tries++) {
		s->port = rds_srv_free_port();
		if ((fp = fopen(s->conf, "w")) == NULL)
			bail_out("%s: %s", s->conf, strerror(errno));
		fprintf(fp, "port %d\nbind 127.0.0.1\ndir %s\nlogfile %s/%s.log\n",
		    s->port, rds_srv_dir(), rds_srv_dir(), name);
		if (!sentinel)
			fprintf(fp, "unixsocket %s\nunixsocketperm 700\nsave \"\"\n"
			    "appendonly no\ndbfilename %s.rdb\n", s->sock, name);
		if (extra != NULL)
			fprintf(fp, "%s\n", extra);
		fclose(fp);
		if (rds_srv_spawn(s) == 0)
			return (s);
	}
	return (NULL);
}

/* Start again on the same port. */
int
rds_srv_restart(struct rds_srv *s)
{
	if (s->pid != 0)
		return (0);
	return (rds_srv_spawn(s));
}

/* SIGKILL and reap. */
void
rds_srv_kill(struct rds_srv *s)
{
	int	st;

	if (s == NULL || s->pid == 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
}

/* One command on a throwaway connection. */
redisReply *
rds_srv_cmd(struct rds_srv *s, const char *fmt, ...)
{
	struct timeval	 tv = { 2, 0 };
	redisContext	*c;
	redisReply	*r;
	va_list		 ap;

	c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
	if (c == NULL || c->err) {
		redisFree(c);
		return (NULL);
	}
	redisSetTimeout(c, tv);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	return (r);
}

/* The URL of a server. */
const char *
rds_srv_url(struct rds_srv *s)
{
	static char	url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", s->port);
	return (url);
}
