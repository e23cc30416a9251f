/*
 * backup.h - per-service backup and restore: `mcpdb backup`, `backup
 * verify` and `restore`, below the command layer.
 *
 * A backup is a directory (written under a temporary name in the same
 * parent directory and renamed into place when complete, so a failed or
 * interrupted backup leaves nothing under the final name):
 *
 *   NAME/dump.pgc        pg_dump -Fc of the service schemas
 *   NAME/manifest.json   format, mcpdb and server versions, schemas, their
 *                        tables and row counts (counted in the snapshot
 *                        pg_dump used), the roles and platform objects each
 *                        schema needs, its migration ledger rows, and the
 *                        size and SHA-256 of dump.pgc
 *
 * pg_dump and pg_restore run as child processes (posix_spawn, never a
 * shell); the tools are $MCPDB_PG_BINDIR/pg_dump when that is set, else the
 * first on PATH. pg_dump gets the connection in PG* environment variables
 * (what the session mcpdb opened actually used) and the password, if any,
 * in a 0600 temporary PGPASSFILE removed as soon as pg_dump has connected:
 * nothing secret is in any argv.
 *
 * Restore runs pg_restore without a database (-f -: the archive as SQL)
 * and plays that SQL on one mcpdb session inside one transaction that also
 * drops the old schema (--clean), re-grants USAGE on the shared schema and
 * compares the row counts with the manifest before COMMIT: all or nothing.
 */
#ifndef MCPDB_BACKUP_H
#define MCPDB_BACKUP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "out.h"

/* The manifest's "format" and "format_version". */
#define BACKUP_FORMAT		"mcpdb-backup"
#define BACKUP_FORMAT_VERSION	1
#define BACKUP_DUMP_NAME	"dump.pgc"
#define BACKUP_MANIFEST_NAME	"manifest.json"

/* Switches and callbacks of backup_run, backup_verify and backup_restore. */
struct backup_opts {
	const char *const *schemas;	/* backup: the schemas to dump */
	size_t		 nschemas;
	const char	*file;		/* backup: the directory to create, or NULL */
	const char	*schema;	/* restore --schema, or NULL for all */
	bool		 clean;		/* restore --clean */
	volatile int	*stop;		/* non-zero: cancel (may be NULL) */
	/* A transient progress line ("tables 3/12, 4.1 MB"); may be NULL. */
	void		(*progress)(void *, const char *line);
	/*
	 * Ask before restoring: what describes it. 0 to go on, -1 with err
	 * to stop. NULL = no confirmation needed.
	 */
	int		(*confirm)(void *, const char *what, struct mc_err *);
	void		*arg;		/* passed to progress and confirm */
};

/*
 * What a backup, verify or restore did. tables has the columns schema,
 * table, rows (from the manifest) and, after a restore, restored.
 * Caller frees with backup_report_free.
 */
struct backup_report {
	char		*path;		/* the backup directory */
	char		*created_at;	/* from the manifest */
	char		*database;	/* the source database */
	char		*server_version;	/* the source server */
	char		*tool_version;	/* pg_dump (backup) or pg_restore */
	char		*sha256;	/* of dump.pgc, hex */
	long long	 bytes;		/* size of dump.pgc */
	char		**schemas;	/* the schemas backed up / restored */
	size_t		 nschemas;
	struct table	*tables;
	long long	 rows;		/* sum of the manifest's row counts */
	int		 toc_entries;	/* verify: entries pg_restore --list read */
	bool		 counts_match;	/* restore: every count as in the manifest */
	bool		 replaced;	/* restore: an existing schema was dropped */
	double		 secs;
};

void	backup_report_free(struct backup_report *);

/* Default options: nothing given. */
void	backup_opts_init(struct backup_opts *);

/*
 * Back up opts->schemas (service schemas: created by an applied migration
 * of the ledger, not the shared schema platform) of target t into
 * opts->file, or "SCHEMA[+SCHEMA..]-YYYYmmddTHHMMSSZ.backup" in the current
 * directory when NULL. Refuses an existing path. Returns 0 with *rep, or -1
 * with err and nothing written.
 */
int	backup_run(const struct conf_target *, const struct backup_opts *,
	    struct backup_report **rep, struct mc_err *);

/*
 * Check backup directory path without any server: the manifest parses and
 * is consistent, dump.pgc has its size and SHA-256, pg_restore --list reads
 * it, and its TOC has exactly the manifest's schemas and tables. Returns 0
 * with *rep or -1 with err (MC_E_INPUT naming the file and what is wrong).
 */
int	backup_verify(const char *path, const struct backup_opts *,
	    struct backup_report **rep, struct mc_err *);

/*
 * Restore the backup at path (all its schemas, or opts->schema) into target
 * t in one transaction. Before anything changes: backup_verify, the tool
 * versions, the roles and platform objects each schema needs, an existing
 * non-empty schema (refused unless opts->clean), then opts->confirm.
 * Commits only when every table has the manifest's row count. Returns 0
 * with *rep, or -1 with err and nothing changed.
 */
int	backup_restore(const struct conf_target *, const char *path,
	    const struct backup_opts *, struct backup_report **rep,
	    struct mc_err *);

/*
 * Major version of "pg_dump (PostgreSQL) 15.18 (Debian ...)"-style output:
 * 15, or 9 for "9.6.24"; -1 when there is no version in it.
 */
int	backup_tool_major(const char *version_line);

#endif
