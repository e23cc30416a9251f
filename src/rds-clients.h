/*
 * rds-clients.h - what Redis says about its clients and its errors, parsed:
 * CLIENT LIST lines and the INFO commandstats / errorstats sections. Pure
 * text in, value types out (no I/O), so the CLI and a TUI view share them.
 */
#ifndef MCPDB_RDS_CLIENTS_H
#define MCPDB_RDS_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

/* One CLIENT LIST line. Numbers are -1 when the server does not give them. */
struct rds_client {
	long long	id;
	char		addr[64];
	char		name[64];
	char		user[64];
	char		flags[16];
	char		cmd[48];	/* last command */
	long long	age_s;
	long long	idle_s;
	long long	db;
	long long	tot_mem;	/* bytes */
	long long	tot_cmds;	/* Redis 7.4+; -1 */
};

/* Sort keys of rds_clients_sort. */
enum rds_clients_sort {
	RCS_IDLE,	/* most idle first */
	RCS_MEM,	/* most memory first */
	RCS_CMDS,	/* most commands first (tot-cmds) */
};

/*
 * Parse CLIENT LIST text (len bytes) into *out (caller frees *out); returns
 * the count. Lines without id= are skipped.
 */
size_t	rds_clients_parse(const char *text, size_t len, struct rds_client **out);
/* Sort n clients by key (ties: by id). */
void	rds_clients_sort(struct rds_client *, size_t n, enum rds_clients_sort);
/* Parse "idle", "mem", "cmds"; -1 for anything else. */
int	rds_clients_sort_key(const char *);

/* One command of INFO commandstats. */
struct rds_cmdstat {
	char		name[64];	/* "get", "client|list" */
	long long	calls;
	long long	usec;
	double		usec_per_call;
	long long	rejected_calls;	/* -1 before 6.2 */
	long long	failed_calls;	/* -1 before 6.2 */
};

/* One error prefix of INFO errorstats ("ERR", "WRONGTYPE", "OOM"...). */
struct rds_errstat {
	char		name[64];
	long long	count;
};

/*
 * Parse INFO commandstats / errorstats text (NUL-terminated) into *out;
 * returns the count. Caller frees *out.
 */
size_t	rds_cmdstats_parse(const char *text, struct rds_cmdstat **out);
size_t	rds_errstats_parse(const char *text, struct rds_errstat **out);

#endif
