/* migplan.c - deciding status, up and down plans from files and ledger rows. */
#include "config.h"

#include "migplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

void
mig_ledger_done(struct mig_ledger *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->rows[i].name);
		free(l->rows[i].applied_at);
		free(l->rows[i].applied_by);
		free(l->rows[i].error);
		free(l->rows[i].applied_sql);
	}
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
	for (i = 0; i < l->nreps; i++) {
		free(l->reps[i].name);
		free(l->reps[i].applied_at);
		free(l->reps[i].applied_by);
	}
	free(l->reps);
	l->reps = NULL;
	l->nreps = 0;
}

struct mig_row *
mig_ledger_find(const struct mig_ledger *l, long long version)
{
	size_t	lo = 0, hi = l->n, mid;

	while (lo < hi) {	/* rows are sorted by version */
		mid = (lo + hi) / 2;
		if (l->rows[mid].version == version)
			return (&l->rows[mid]);
		if (l->rows[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

int
mig_rstate_parse(const char *s, enum mig_rstate *st)
{
	if (strcmp(s, "applied") == 0)
		*st = MR_APPLIED;
	else if (strcmp(s, "running") == 0)
		*st = MR_RUNNING;
	else if (strcmp(s, "failed") == 0)
		*st = MR_FAILED;
	else
		return (-1);
	return (0);
}

const char *
mig_rstate_name(enum mig_rstate st)
{
	switch (st) {
	case MR_APPLIED:
		return ("applied");
	case MR_RUNNING:
		return ("running");
	case MR_FAILED:
		return ("failed");
	}
	return ("?");
}

const char *
mig_state_name(enum mig_state st)
{
	switch (st) {
	case MIG_APPLIED:
		return ("applied");
	case MIG_PENDING:
		return ("pending");
	case MIG_MISMATCH:
		return ("checksum-mismatch");
	case MIG_MISSING:
		return ("file-missing");
	case MIG_FAILED:
		return ("failed");
	case MIG_RUNNING:
		return ("running");
	}
	return ("?");
}

/* The highest applied version in the ledger (0 when none). */
static long long
migplan_max_applied(const struct mig_ledger *l)
{
	long long	max = 0;
	size_t		i;

	for (i = 0; i < l->n; i++)
		if (l->rows[i].version > max)
			max = l->rows[i].version;
	return (max);
}

/* Does the applied up checksum still match the file? */
static bool
migplan_matches(const struct mig_file *f, const struct mig_row *r)
{
	return (r->algo == MIG_CHECKSUM_ALGO && strcmp(f->up.sum, r->checksum) == 0);
}

/* The "NNNN_name" of a row, with the set's version width. */
static void
migplan_row_id(const struct mig_set *set, const struct mig_row *r, char *out,
    size_t len)
{
	snprintf(out, len, "%0*lld_%s", set ? set->vwidth : 4, r->version, r->name);
}

size_t
migplan_status(const struct mig_set *set, const struct mig_ledger *l,
    struct mig_status **out)
{
	struct mig_status	*v;
	size_t			 nf = set ? set->n : 0, i = 0, j = 0, n = 0;
	long long		 max = migplan_max_applied(l);
	int			 width = set ? set->vwidth : 4;

	v = xcalloc(nf + l->n + 1, sizeof(*v));
	while (i < nf || j < l->n) {
		struct mig_status	*s = &v[n++];
		struct mig_file		*f = i < nf ? &set->files[i] : NULL;
		struct mig_row		*r = j < l->n ? &l->rows[j] : NULL;

		if (f != NULL && (r == NULL || f->version < r->version))
			r = NULL;
		else if (r != NULL && (f == NULL || r->version < f->version))
			f = NULL;
		if (f != NULL) {
			i++;
			s->version = f->version;
			snprintf(s->vstr, sizeof(s->vstr), "%s", f->vstr);
			s->name = f->name;
		}
		if (r != NULL) {
			j++;
			s->version = r->version;
			if (f == NULL) {
				snprintf(s->vstr, sizeof(s->vstr), "%0*lld", width, r->version);
				s->name = r->name;
			}
		}
		s->file = f;
		s->row = r;
		if (r == NULL) {
			s->state = MIG_PENDING;
			s->out_of_order = f->version < max;
		} else {
			s->out_of_order = r->out_of_order;
			if (r->state == MR_FAILED)
				s->state = MIG_FAILED;
			else if (r->state == MR_RUNNING)
				s->state = MIG_RUNNING;
			else if (f == NULL)
				s->state = MIG_MISSING;
			else if (!migplan_matches(f, r))
				s->state = MIG_MISMATCH;
			else
				s->state = MIG_APPLIED;
			if (f != NULL && r->down_checksum[0] != '\0' &&
			    strcmp(f->down.sum, r->down_checksum) != 0)
				s->down_changed = true;
		}
	}
	*out = v;
	return (n);
}

bool
migplan_clean(const struct mig_status *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i].state != MIG_APPLIED)
			return (false);
	return (true);
}

int
migplan_check_failed(const struct mig_set *set, const struct mig_ledger *l,
    struct mc_err *err)
{
	char	id[128];
	size_t	i;

	for (i = 0; i < l->n; i++) {
		const struct mig_row	*r = &l->rows[i];

		if (r->state == MR_APPLIED)
			continue;
		migplan_row_id(set, r, id, sizeof(id));
		return (mc_err_set(err, MC_E_STATE,
		    "migration %s is %s (its no-transaction %s %s%s%s): check the database "
		    "by hand, then run \"mcpdb migrate resolve %0*lld --applied\" if its "
		    "changes are in place or \"--rolled-back\" if they are not",
		    id, mig_rstate_name(r->state), r->op_down ? "down" : "up",
		    r->state == MR_RUNNING ? "is still running or its runner died" :
		    "stopped", r->error ? ": " : "", r->error ? r->error : "",
		    set ? set->vwidth : 4, r->version));
	}
	return (0);
}

int
migplan_up(const struct mig_set *set, const struct mig_ledger *l, long long to,
    bool allow_ooo, struct mig_step **steps, size_t *n, struct mc_err *err)
{
	struct mig_step	*v;
	size_t		 i, k = 0;
	long long	 max = migplan_max_applied(l);
	char		 id[128];

	*steps = NULL;
	*n = 0;
	if (migplan_check_failed(set, l, err) == -1)
		return (-1);
	if (to >= 0 && migset_find(set, to) == NULL)
		return (mc_err_set(err, MC_E_NOTFOUND,
		    "--to %lld: no migration with that version in %s", to, set->dir));
	for (i = 0; i < l->n; i++) {
		const struct mig_row	*r = &l->rows[i];
		const struct mig_file	*f = migset_find(set, r->version);

		migplan_row_id(set, r, id, sizeof(id));
		if (f == NULL)
			return (mc_err_set(err, MC_E_STATE,
			    "migration %s is applied but its files are missing from %s: "
			    "restore them (refusing to run over drift)", id, set->dir));
		if (!migplan_matches(f, r))
			return (mc_err_set(err, MC_E_STATE,
			    "%s was changed after it was applied (checksum mismatch): restore "
			    "it or put the change in a new migration; \"mcpdb migrate verify "
			    "--diff\" shows what changed (refusing to run over drift)",
			    f->up.path));
	}
	v = xcalloc(set->n + 1, sizeof(*v));
	for (i = 0; i < set->n; i++) {
		struct mig_file	*f = &set->files[i];

		if (to >= 0 && f->version > to)
			break;
		if (mig_ledger_find(l, f->version) != NULL)
			continue;
		if (f->version < max && !allow_ooo) {
			free(v);
			return (mc_err_set(err, MC_E_STATE,
			    "%s is pending but a newer migration (version %0*lld) is already "
			    "applied: refusing to apply it out of order (pass "
			    "--allow-out-of-order to apply it anyway; it is recorded as such)",
			    f->id, set->vwidth, max));
		}
		v[k].file = f;
		v[k].out_of_order = f->version < max;
		k++;
	}
	*steps = v;
	*n = k;
	return (0);
}

/* qsort: ledger rows by seq, newest first. */
static int
migplan_seq_desc(const void *a, const void *b)
{
	const struct mig_row	*x = *(const struct mig_row *const *)a;
	const struct mig_row	*y = *(const struct mig_row *const *)b;

	return (x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0);
}

int
migplan_down(const struct mig_set *set, const struct mig_ledger *l, int nsteps,
    long long to, struct mig_step **steps, size_t *n, struct mc_err *err)
{
	const struct mig_row	**order;
	struct mig_step		 *v;
	size_t			  i, k = 0;
	char			  id[128];

	*steps = NULL;
	*n = 0;
	if (migplan_check_failed(set, l, err) == -1)
		return (-1);
	if (to > 0 && mig_ledger_find(l, to) == NULL)
		return (mc_err_set(err, MC_E_NOTFOUND,
		    "--to %lld: that version is not applied (use --to 0 to roll back everything)",
		    to));
	order = xcalloc(l->n + 1, sizeof(*order));
	for (i = 0; i < l->n; i++)
		order[i] = &l->rows[i];
	qsort(order, l->n, sizeof(*order), migplan_seq_desc);
	v = xcalloc(l->n + 1, sizeof(*v));
	for (i = 0; i < l->n; i++) {
		const struct mig_row	*r = order[i];
		struct mig_file		*f;

		if (to < 0 && (int)k >= nsteps)
			break;
		if (to >= 0 && r->version <= to)
			continue;
		migplan_row_id(set, r, id, sizeof(id));
		if ((f = set ? migset_find(set, r->version) : NULL) == NULL) {
			free(order);
			free(v);
			return (mc_err_set(err, MC_E_STATE,
			    "cannot roll back %s: its files are missing from %s", id,
			    set ? set->dir : "the migrations directory"));
		}
		if (!migplan_matches(f, r)) {
			free(order);
			free(v);
			return (mc_err_set(err, MC_E_STATE,
			    "cannot roll back %s: %s changed after it was applied, so its down "
			    "may not match what ran (restore the file; \"mcpdb migrate verify "
			    "--diff\" shows the change)", id, f->up.path));
		}
		v[k].file = f;
		v[k].row = r;
		v[k].out_of_order = r->out_of_order;
		k++;
	}
	free(order);
	*steps = v;
	*n = k;
	return (0);
}

/* ------------------------------------------------------------ repeatables */

const char *
mig_repstate_name(enum mig_repstate st)
{
	switch (st) {
	case MIGR_APPLIED:
		return ("applied");
	case MIGR_PENDING:
		return ("pending");
	case MIGR_OUTDATED:
		return ("outdated");
	case MIGR_MISSING:
		return ("file-missing");
	}
	return ("?");
}

/* The row of the repeatable name, or NULL. */
static const struct mig_reprow *
migplan_reprow(const struct mig_ledger *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->nreps; i++)
		if (strcmp(l->reps[i].name, name) == 0)
			return (&l->reps[i]);
	return (NULL);
}

/* qsort order of repeatable status lines: name. */
static int
migplan_repstatus_cmp(const void *a, const void *b)
{
	const struct mig_repstatus	*x = a, *y = b;

	return (strcmp(x->name, y->name));
}

size_t
migplan_reps(const struct mig_set *set, const struct mig_ledger *l,
    struct mig_repstatus **out)
{
	struct mig_repstatus	*v;
	size_t			 nf = set ? set->nreps : 0, i, n = 0;

	v = xcalloc(nf + l->nreps + 1, sizeof(*v));
	for (i = 0; i < nf; i++) {
		const struct mig_rep	*f = &set->reps[i];
		const struct mig_reprow	*r = migplan_reprow(l, f->name);

		v[n].name = f->name;
		v[n].file = f;
		v[n].row = r;
		if (r == NULL)
			v[n].state = MIGR_PENDING;
		else if (r->algo != MIG_CHECKSUM_ALGO ||
		    strcmp(r->checksum, f->sc.sum) != 0)
			v[n].state = MIGR_OUTDATED;
		else
			v[n].state = MIGR_APPLIED;
		n++;
	}
	for (i = 0; i < l->nreps; i++) {
		if (migset_find_rep(set, l->reps[i].name) != NULL)
			continue;
		v[n].name = l->reps[i].name;
		v[n].row = &l->reps[i];
		v[n++].state = MIGR_MISSING;
	}
	qsort(v, n, sizeof(*v), migplan_repstatus_cmp);
	*out = v;
	return (n);
}

bool
migplan_reps_clean(const struct mig_repstatus *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i].state == MIGR_PENDING || s[i].state == MIGR_OUTDATED)
			return (false);
	return (true);
}

void
migplan_up_reps(const struct mig_set *set, const struct mig_ledger *l,
    struct mig_repstep **steps, size_t *n)
{
	struct mig_repstep	*v;
	size_t			 i, k = 0;

	v = xcalloc((set ? set->nreps : 0) + 1, sizeof(*v));
	for (i = 0; set != NULL && i < set->nreps; i++) {
		struct mig_rep		*f = &set->reps[i];
		const struct mig_reprow	*r = migplan_reprow(l, f->name);

		if (r != NULL && r->algo == MIG_CHECKSUM_ALGO &&
		    strcmp(r->checksum, f->sc.sum) == 0)
			continue;
		v[k].rep = f;
		v[k++].row = r;
	}
	*steps = v;
	*n = k;
}
