/*
 * pgstmt.h - top queries from pg_stat_statements, as pgcenter shows them:
 * total and mean time, calls, rows, shared blocks hit and read, sorted by
 * any of them, either cumulative since the last reset or as deltas between
 * two samples (reset-aware: a statement whose counters went back, or a
 * pg_stat_statements_reset() between the samples, counts from zero). When
 * the extension is missing it says how to enable it (preloaded or not).
 * Version-aware (total_exec_time from 13, pg_stat_statements_info from 14).
 * Works as a pg_monitor non-superuser (query texts of other users included).
 */
#ifndef MCPDB_PGSTMT_H
#define MCPDB_PGSTMT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "err.h"
#include "out.h"

/* Sort keys. */
enum pgstmt_sort {
	PGSTMT_TOTAL,		/* total execution time */
	PGSTMT_MEAN,
	PGSTMT_CALLS,
	PGSTMT_ROWS,
	PGSTMT_READ,		/* shared blocks read */
	PGSTMT__COUNT
};

/* One statement's counters. */
struct pgstmt_row {
	char		*key;		/* "userid/dbid/queryid" */
	char		*query;		/* first 300 characters, newlines as spaces */
	char		*user, *db;
	double		 total_ms, mean_ms;
	long long	 calls, rows, hit, read;
};

struct pgstmt {
	bool			 available;	/* the extension is installed here */
	char			*why;		/* how to enable it, when not */
	char			*reset;		/* stats_reset (14+), or NULL */
	long long		 dealloc;	/* entries evicted (14+), -1 unknown */
	double			 t;		/* server clock, seconds */
	struct pgstmt_row	*rows;
	size_t			 nrows;
};

/* Statements one pgstmt_read sends (with the extension on 14+; 1 without it). */
#define PGSTMT_STATEMENTS	3

/* One sample (at most 5,000 statements). Caller frees. */
struct pgstmt *pgstmt_read(PGconn *, struct mc_err *);
void	pgstmt_free(struct pgstmt *);
/* "total", "mean", "calls", "rows", "read" -> sort key; -1 when unknown. */
int	pgstmt_sort_parse(const char *);
const char *pgstmt_sort_name(enum pgstmt_sort);

/*
 * The limit statements by sort from prev to cur (prev NULL: cumulative);
 * times in ms, mean over the interval's calls. Caller frees.
 */
struct table *pgstmt_top(const struct pgstmt *prev, const struct pgstmt *cur,
	    enum pgstmt_sort sort, size_t limit);
cJSON	*pgstmt_to_json(const struct pgstmt *prev, const struct pgstmt *cur,
	    enum pgstmt_sort sort, size_t limit);

#endif
