/*
 * catsnap.h - a catalog snapshot of one database: every user-visible object
 * as a (key, description) pair, so two snapshots can be compared object by
 * object. Used by `migrate check` (does each down reverse its up?) and by
 * tests (does --dry-run change nothing?).
 *
 * Covered: schemas, tables/views/materialized views/sequences/foreign tables
 * and composite types (owner, persistence, options, RLS, view definition,
 * sequence parameters), columns (type, NOT NULL, default, identity,
 * generated, collation), constraints (tables and domains), indexes,
 * functions/procedures/aggregates (definition), triggers, rules, policies,
 * enum/domain/range/base types, extensions (version, schema), event
 * triggers, grants (ACLs of all of these, column ACLs) and default
 * privileges, comments. Objects that belong to an extension are left out (the
 * extension stands for them); so are system schemas. Roles are cluster-wide
 * and not part of a database snapshot (only the grants naming them are).
 * Keys look like "table app.users", "column app.users.email",
 * "function app.touch()".
 */
#ifndef MCPDB_CATSNAP_H
#define MCPDB_CATSNAP_H

#include <stddef.h>

#include <libpq-fe.h>

#include "err.h"

struct catsnap;

/* Take a snapshot through conn (one query). NULL with err. Caller frees. */
struct catsnap	*catsnap_take(PGconn *, struct mc_err *);
void	catsnap_free(struct catsnap *);
/* Number of objects. */
size_t	catsnap_count(const struct catsnap *);

/* How one object differs between two snapshots. */
enum catsnap_change {
	CATSNAP_ADDED,		/* only in the second */
	CATSNAP_REMOVED,	/* only in the first */
	CATSNAP_CHANGED,	/* in both, described differently */
};

/*
 * Call fn for every difference from a to b, in key order; before/after are
 * the descriptions (NULL for the side that lacks the object), borrowed for
 * the call. Returns the number of differences.
 */
size_t	catsnap_diff(const struct catsnap *a, const struct catsnap *b,
	    void (*fn)(void *, enum catsnap_change, const char *key,
	    const char *before, const char *after), void *arg);

#endif
