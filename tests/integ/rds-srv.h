/*
 * rds-srv.h - private redis-server processes for the Redis integration
 * tests that kill, pause or fail over their server (so the shared harness
 * server is never disturbed). Everything lives in one mktemp directory,
 * and an atexit handler kills every server and removes the directory, so
 * nothing is left running even when a test bails out.
 */
#ifndef MCPDB_TEST_RDS_SRV_H
#define MCPDB_TEST_RDS_SRV_H

#include <stdbool.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

struct rds_srv {
	char	name[32];
	char	conf[512];	/* config file (writable: sentinels rewrite it) */
	char	sock[512];	/* unix socket, "" for sentinels */
	int	port;
	bool	sentinel;
	pid_t	pid;		/* 0 when not running */
};

/* The private directory (created on first use). */
const char	*rds_srv_dir(void);
/* True when redis-server can be found in PATH (or $MCPDB_REDIS_SERVER). */
bool	rds_srv_available(void);
/* A free loopback TCP port. */
int	rds_srv_free_port(void);
/*
 * Start a server called name on a free port with extra config lines
 * (may be NULL). sentinel starts it with --sentinel. Waits until it
 * answers PING (up to 5 s). NULL on failure (diagnostics printed).
 */
struct rds_srv	*rds_srv_start(const char *name, const char *extra, bool sentinel);
/* Start a stopped server again with the same config and port. */
int	rds_srv_restart(struct rds_srv *);
/* SIGKILL and reap (a crash). */
void	rds_srv_kill(struct rds_srv *);
/* Run a command on a fresh TCP connection; caller frees the reply. NULL on error. */
redisReply	*rds_srv_cmd(struct rds_srv *, const char *fmt, ...);
/* "redis://127.0.0.1:PORT/0". Static storage per call site: copy it. */
const char	*rds_srv_url(struct rds_srv *);

#endif
