/*
 * seed.h - loading seed sets (seeds/<set>/seed.json + NDJSON/CSV files)
 * into PostgreSQL through COPY, in one transaction per set.
 *
 * A load orders the set's tables by their foreign keys (from pg_constraint),
 * checks every value against the live catalog as it streams it, and either
 * commits everything or nothing. Errors name the file, line and column:
 * `seeds/demo/code_quality.vulnerabilities.ndjson:42: column "severity":
 * "urgent" is not one of low, medium, high, critical`. Loads are recorded
 * in mcpdb.seed_loads (set, file, SHA-256, rows, mode, time); an unchanged
 * file is skipped in append mode, so loading an unchanged set twice is a
 * no-op.
 */
#ifndef MCPDB_SEED_H
#define MCPDB_SEED_H

#include <signal.h>
#include <stdbool.h>

#include <libpq-fe.h>

#include "conf.h"
#include "err.h"
#include "out.h"
#include "seedfmt.h"

/* Where a run is, for a progress bar (seed_opts.progress_stats). */
struct seed_progress {
	const char	*set;
	const char	*file;		/* the file being read (borrowed) */
	int		 file_no;	/* 1-based, of nfiles */
	int		 nfiles;
	long long	 rows;		/* rows sent so far, all files */
	long long	 bytes;		/* bytes read so far, all files */
	long long	 total_bytes;	/* size of all the set's files */
	double		 rows_per_s;
};

/* How to run a load; zero-initialise, then set what you need. */
struct seed_opts {
	enum seed_mode		 mode;
	bool			 mode_given;	/* else the manifest's mode */
	bool			 dry_run;	/* load, report, roll back */
	bool			 verify;	/* check values only: no COPY, no writes */
	volatile sig_atomic_t	*stop;		/* non-zero: cancel (may be NULL) */
	/*
	 * Progress lines, at most four a second; may be NULL. The format is
	 * stable (the TUI parses it): "seed: FILE  N rows  X.X MB  R rows/s"
	 * followed by "  (file I/N, P% of T.T MB)".
	 */
	void			(*progress)(void *, const char *line);
	void			*progress_arg;
	/* The same moments as numbers (the TUI's bar); may be NULL. Same arg. */
	void			(*progress_stats)(void *, const struct seed_progress *);
	/*
	 * Asked before anything is written when the effective mode (flag or
	 * manifest) is replace and this is not a dry run; what describes the
	 * action ("replace the contents of 2 tables (a, b) with seed set x").
	 * Returns 0 to go ahead, -1 with err to stop. NULL means the caller
	 * has already confirmed (the TUI asks before it starts any load).
	 */
	int			(*confirm)(void *, const char *what, struct mc_err *);
	void			*confirm_arg;
};

/* What a load or verify did. */
struct seed_report {
	char			*set;
	enum seed_mode		 mode;
	bool			 dry_run;
	bool			 verify;
	bool			 noop;		/* append of an unchanged set */
	long long		 rows;		/* rows sent (or checked) */
	long long		 bytes;		/* file bytes read */
	double			 secs;
	int			 nloaded;
	int			 nskipped;	/* unchanged files (append) */
	/* One row per file: file, table, format, rows, status ("loaded", "unchanged", "checked"). */
	struct table		*files;
};

/*
 * The seeds directory: flag_dir if given, else t->seeds_dir, else ./seeds
 * when it is a directory, else MCPDB_PKGDATADIR "/seeds". Caller frees.
 */
char	*seed_dir_resolve(const char *flag_dir, const struct conf_target *t);

/*
 * Read and parse dir/set/seed.json, opened without following a symbolic
 * link (errors name "dir/set/seed.json:LINE:COL"). Caller frees with
 * seedfmt_manifest_free; NULL with err.
 */
struct seedfmt_manifest *seed_manifest_read(const char *dir, const char *set,
	    struct mc_err *);

/*
 * List the sets under dir (subdirectories with a seed.json): name, files,
 * mode, description; a broken manifest is listed with its error as the
 * description. Caller frees. NULL with err when dir cannot be read.
 */
struct table *seed_list(const char *dir, struct mc_err *);

/*
 * Load (or with opts->verify, check) set from dir over conn, which must be
 * idle (no transaction open). Everything happens in one transaction that is
 * committed only when every file loaded and opts->dry_run is false. On
 * error returns -1 with err naming FILE:LINE[: column "c"] and the
 * transaction rolled back (no row changed). *report (caller frees with
 * seed_report_free) is set on success.
 */
int	seed_run(PGconn *conn, const char *dir, const char *set,
	    const struct seed_opts *, struct seed_report **report, struct mc_err *);
void	seed_report_free(struct seed_report *);

#endif
