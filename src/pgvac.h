/*
 * pgvac.h - vacuum and wraparound health of a PostgreSQL server, read in
 * four bounded statements: each database's transaction ID and multixact
 * age against autovacuum_freeze_max_age and the wraparound limit, the
 * vacuums running now with their progress (pg_stat_progress_vacuum), the
 * oldest xmin horizon (what stops VACUUM from removing dead rows: a
 * session, a prepared transaction or a replication slot), and the
 * connected database's tables with the most dead rows: last (auto)vacuum
 * and analyze, when autovacuum will pick them up, their own xid age and an
 * estimated bloat. Works as a pg_monitor non-superuser (bloat then needs
 * SELECT on the table for pg_stats, else it is unknown). Used by `mcpdb
 * vacuum status` and the Dashboard's vacuum view.
 */
#ifndef MCPDB_PGVAC_H
#define MCPDB_PGVAC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "err.h"
#include "out.h"

/* How worrying a value is. */
enum pgvac_level {
	PGVAC_OK,
	PGVAC_WARN,		/* anti-wraparound autovacuum is due (age >= freeze max) */
	PGVAC_CRIT,		/* inside the server's warning zone: 40 M xids left or fewer */
};

/* One database's freeze state. */
struct pgvac_db {
	char			*name;
	long long		 xid_age;	/* age(datfrozenxid) */
	long long		 mxid_age;	/* mxid_age(datminmxid) */
	long long		 xids_left;	/* before the server stops assigning xids */
	enum pgvac_level	 level;		/* the worse of xid and multixact */
};

/* A vacuum running now. */
struct pgvac_run {
	int		 pid;
	char		*db;
	char		*rel;		/* regclass in this database, else the oid */
	char		*phase;
	bool		 autovacuum;
	bool		 wraparound;	/* an anti-wraparound autovacuum */
	double		 secs;		/* since its transaction started */
	long long	 heap_total, heap_scanned, heap_vacuumed;	/* blocks */
	long long	 index_passes;
	long long	 dead;		/* dead tuples (item ids on 17+) collected */
};

/* One table of the connected database. */
struct pgvac_table {
	char		*name;		/* schema.table */
	long long	 live, dead;	/* n_live_tup, n_dead_tup */
	long long	 av_threshold;	/* dead rows at which autovacuum picks it up */
	char		*last_vacuum;	/* the later of manual and auto, or NULL: never */
	bool		 last_vacuum_auto;
	char		*last_analyze;
	bool		 last_analyze_auto;
	long long	 xid_age;	/* age(relfrozenxid) */
	long long	 size;		/* heap bytes */
	long long	 bloat;		/* estimated reclaimable heap bytes, -1 unknown */
};

struct pgvac {
	int			 server_version;
	long long		 freeze_max_age;	/* autovacuum_freeze_max_age */
	long long		 mfreeze_max_age;	/* ..._multixact_freeze_max_age */
	struct pgvac_db		*dbs;
	size_t			 ndbs;
	struct pgvac_run	*runs;
	size_t			 nruns;
	char			*horizon_kind;	/* session, prepared, slot; NULL: none */
	char			*horizon_who;	/* pid, gid or slot name */
	long long		 horizon_age;	/* xids it holds back */
	struct pgvac_table	*tables;
	size_t			 ntables;
	enum pgvac_level	 level;		/* the worst database */
};

/* Statements one pgvac_read sends (the poller's bound, bench/RESULTS.md). */
#define PGVAC_STATEMENTS	4

/*
 * Read it all; tables: at most limit of the connected database's, most
 * dead rows first. conn must be idle. Caller frees with pgvac_free.
 */
struct pgvac *pgvac_read(PGconn *, int limit, struct mc_err *);
void	pgvac_free(struct pgvac *);

/*
 * The level of an age against its freeze max age; *left gets the IDs left
 * before the server stops assigning new ones (2^31 - 3 M - age).
 */
enum pgvac_level pgvac_age_level(long long age, long long freeze_max, long long *left);
/*
 * Estimated heap bytes a table holds beyond what its live rows need:
 * size less ceil(live / rows per page) pages, where a row takes the
 * 24-byte header plus width (sum of pg_stats.avg_width), MAXALIGNed, plus
 * its 4-byte line pointer, and a page holds (block - 24) * fillfactor% of
 * them. Never negative; -1 when width is unknown (< 0).
 */
long long pgvac_bloat_estimate(long long size, long long live, int width, int fillfactor,
	    int block_size);
/* "ok", "anti-wraparound vacuum due", "CRITICAL". */
const char *pgvac_level_name(enum pgvac_level);
/* One line on a database's state in words ("12% of autovacuum_freeze_max_age ..."). Caller frees. */
char	*pgvac_db_words(const struct pgvac *, const struct pgvac_db *);

/* The sections as tables, for `vacuum status` and the TUI. Caller frees. */
struct table *pgvac_db_table(const struct pgvac *);
struct table *pgvac_run_table(const struct pgvac *);
struct table *pgvac_table_table(const struct pgvac *);
/* The whole reading as a JSON document. Caller owns. */
cJSON	*pgvac_to_json(const struct pgvac *);

#endif
