/*
 * pgio.h - I/O and WAL of a PostgreSQL server as rates between two
 * samples: checkpoints (timed against requested), buffers written by the
 * checkpointer, the background writer and backends, WAL bytes and records,
 * temporary files, the connected database's size and growth, and the
 * tables with the most inserts, updates and deletes per second. A sample
 * is two statements, version-gated (pg_stat_wal from 14, the checkpointer's
 * own view from 17, where backends' writes move to pg_stat_io and are not
 * shown). Works as a pg_monitor non-superuser. Used by `mcpdb io status`
 * and the Dashboard's w view.
 */
#ifndef MCPDB_PGIO_H
#define MCPDB_PGIO_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "err.h"
#include "out.h"

/* Cumulative counters of one table. */
struct pgio_table {
	char		*name;
	long long	 ins, upd, del, hot_upd, seq_scan;
};

/* One sample; counters are cumulative (-1: not available on this server). */
struct pgio_sample {
	double			 t;		/* server clock_timestamp(), seconds */
	int			 server_version;
	char			*stats_reset;	/* pg_stat_bgwriter's, or NULL */
	long long		 ckpt_timed, ckpt_req;
	long long		 buf_ckpt, buf_clean, maxwritten_clean, buf_backend;
	long long		 buf_backend_fsync, buf_alloc;
	long long		 wal_records, wal_fpi, wal_bytes, wal_buffers_full;
	long long		 temp_files, temp_bytes;	/* all databases */
	char			*db;
	long long		 db_size;
	struct pgio_table	*tables;
	size_t			 ntables;
};

/* Statements one pgio_read sends. */
#define PGIO_STATEMENTS	2

/* One sample (tables: the 500 busiest by DML so far). Caller frees. */
struct pgio_sample *pgio_read(PGconn *, struct mc_err *);
void	pgio_free(struct pgio_sample *);

/* Per-second rate of a counter between two samples; -1 when unknown. */
double	pgio_rate(long long prev, long long cur, double secs);

/*
 * The figures as text lines (into table "what", "value"), rates from prev
 * to cur when prev is given, else the cumulative counters. Caller frees.
 */
struct table *pgio_summary(const struct pgio_sample *prev, const struct pgio_sample *cur);
/* The limit tables with the most DML per second from prev to cur. Caller frees. */
struct table *pgio_table_rates(const struct pgio_sample *prev, const struct pgio_sample *cur,
	    size_t limit);
/* Both as one JSON document (rates null without prev). Caller owns. */
cJSON	*pgio_to_json(const struct pgio_sample *prev, const struct pgio_sample *cur,
	    size_t limit);

#endif
