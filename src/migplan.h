/*
 * migplan.h - what the migration runner should do, decided from the files
 * on disk (struct mig_set) and the ledger rows read from the database
 * (struct mig_ledger). Pure: the runner reads, this decides, the runner
 * acts; so ordering, drift and refusal rules are unit tested.
 *
 * Rules:
 *   - status merges files and ledger rows by version: applied, pending,
 *     checksum-mismatch (the up file changed since it ran), file-missing (an
 *     applied version has no files), failed, running;
 *   - up refuses over failed/running rows, drift and missing files, and
 *     refuses a pending file numbered below the newest applied version unless
 *     out-of-order is allowed (then that file is flagged out_of_order);
 *   - down rolls back in reverse *applied* order (ledger seq), one step by
 *     default, and needs the files of what it rolls back;
 *   - repeatables (R_name.sql) merge with their rows by name: applied,
 *     pending (never applied), outdated (the file changed since it was last
 *     applied: up applies it again), file-missing (applied, file gone: left
 *     alone, nothing is dropped); up applies the pending and outdated ones,
 *     by name, after the versioned ones; down never touches them.
 */
#ifndef MCPDB_MIGPLAN_H
#define MCPDB_MIGPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "migfile.h"

/* The state column of a ledger row. */
enum mig_rstate {
	MR_APPLIED,
	MR_RUNNING,
	MR_FAILED,
};

/* One row of the ledger (mcpdb.migrations). */
struct mig_row {
	long long	 version;
	char		*name;
	char		 checksum[MIG_SUM_LEN + 1];	/* of the up file */
	char		 down_checksum[MIG_SUM_LEN + 1];
	int		 algo;			/* checksum_algo */
	enum mig_rstate	 state;
	bool		 op_down;		/* running/failed while rolling back */
	bool		 no_tx;
	bool		 out_of_order;
	long long	 seq;			/* applied order */
	long long	 ms;			/* execution time, -1 if unknown */
	char		*applied_at;		/* text as the server printed it */
	char		*applied_by;
	char		*error;			/* of a failed run, or NULL */
	char		*applied_sql;		/* only when read for verify --diff */
	bool		 baselined;		/* marked by migrate baseline, not run */
};

/* One row of mcpdb.migration_repeatables: the last apply of a repeatable. */
struct mig_reprow {
	char		*name;			/* "views" */
	char		 checksum[MIG_SUM_LEN + 1];
	int		 algo;
	long long	 applies;		/* how many times it was applied */
	long long	 ms;			/* the last apply, -1 if unknown */
	char		*applied_at;
	char		*applied_by;
};

/* All ledger rows, sorted by version; repeatable rows sorted by name. */
struct mig_ledger {
	bool		 exists;	/* false: the table is not there yet */
	struct mig_row	*rows;
	size_t		 n;
	struct mig_reprow *reps;
	size_t		 nreps;
};

/* Free the rows (the struct itself is the caller's). */
void	mig_ledger_done(struct mig_ledger *);
/* The row for version, or NULL. Borrowed. */
struct mig_row *mig_ledger_find(const struct mig_ledger *, long long version);
/* Parse "applied"/"running"/"failed"; -1 if unknown. */
int	mig_rstate_parse(const char *, enum mig_rstate *);
const char *mig_rstate_name(enum mig_rstate);

/* A migration's state as `migrate status` shows it. */
enum mig_state {
	MIG_APPLIED,
	MIG_PENDING,
	MIG_MISMATCH,	/* checksum-mismatch */
	MIG_MISSING,	/* file-missing */
	MIG_FAILED,
	MIG_RUNNING,
};

/* "applied", "pending", "checksum-mismatch", "file-missing", "failed", "running". */
const char *mig_state_name(enum mig_state);

/* One line of status. Pointers are borrowed from the set and the ledger. */
struct mig_status {
	long long		 version;
	char			 vstr[24];
	const char		*name;
	enum mig_state		 state;
	const struct mig_file	*file;		/* NULL when file-missing */
	const struct mig_row	*row;		/* NULL when pending */
	bool			 down_changed;	/* the down file changed since it ran */
	bool			 out_of_order;	/* applied so, or pending below the newest */
};

/*
 * Merge files and rows into status lines sorted by version. *out is
 * caller-freed (free()). Returns the count. set may be NULL (no files).
 */
size_t	migplan_status(const struct mig_set *, const struct mig_ledger *,
	    struct mig_status **out);
/* True when every line is applied (exit 0 for `status`). */
bool	migplan_clean(const struct mig_status *, size_t);

/* One step of a plan. */
struct mig_step {
	struct mig_file		*file;		/* borrowed from the set */
	const struct mig_row	*row;		/* for down: the row rolled back */
	bool			 out_of_order;
};

/*
 * The migrations `up` would apply, in version order, up to and including
 * version to (-1: all). Refuses (MC_E_STATE, err names the migration and the
 * way out) over failed or running rows, drift, missing files and
 * out-of-order files (unless allow_ooo); MC_E_NOTFOUND when to names no file.
 * *steps is caller-freed; *n may be 0 (up to date).
 */
int	migplan_up(const struct mig_set *, const struct mig_ledger *, long long to,
	    bool allow_ooo, struct mig_step **steps, size_t *n, struct mc_err *);

/*
 * The migrations `down` would roll back, newest applied first: the last
 * nsteps (to == -1) or everything applied with a version above to (to >= 0;
 * 0 = all). Refuses over failed or running rows, a rolled-back migration
 * whose files are missing or whose up file changed. *steps caller-freed.
 */
int	migplan_down(const struct mig_set *, const struct mig_ledger *, int nsteps,
	    long long to, struct mig_step **steps, size_t *n, struct mc_err *);

/* A repeatable's state as `migrate status` shows it. */
enum mig_repstate {
	MIGR_APPLIED,
	MIGR_PENDING,
	MIGR_OUTDATED,	/* file changed since its last apply */
	MIGR_MISSING,	/* applied, file gone */
};

/* "applied", "pending", "outdated", "file-missing". */
const char *mig_repstate_name(enum mig_repstate);

/* One repeatable line of status. Borrowed from the set and the ledger. */
struct mig_repstatus {
	const char		*name;
	enum mig_repstate	 state;
	const struct mig_rep	*file;		/* NULL when file-missing */
	const struct mig_reprow	*row;		/* NULL when pending */
};

/*
 * Merge repeatable files and rows into status lines sorted by name. *out
 * is caller-freed. Returns the count. set may be NULL.
 */
size_t	migplan_reps(const struct mig_set *, const struct mig_ledger *,
	    struct mig_repstatus **out);
/* True when no repeatable is pending or outdated (file-missing is a note). */
bool	migplan_reps_clean(const struct mig_repstatus *, size_t);

/* One repeatable that up would apply. */
struct mig_repstep {
	struct mig_rep		*rep;		/* borrowed from the set */
	const struct mig_reprow	*row;		/* the last apply, NULL when new */
};

/*
 * The repeatables up would apply, by name: new ones and those whose
 * checksum changed. *steps caller-freed; *n may be 0.
 */
void	migplan_up_reps(const struct mig_set *, const struct mig_ledger *,
	    struct mig_repstep **steps, size_t *n);

/*
 * Any failed or running row: the message says how to resolve it. Returns 0
 * when there is none, -1 with err (MC_E_STATE).
 */
int	migplan_check_failed(const struct mig_set *, const struct mig_ledger *,
	    struct mc_err *);

#endif
