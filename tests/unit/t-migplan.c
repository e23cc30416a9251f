/* t-migplan.c - unit tests for migration planning: status, up and down order, refusals. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migplan.h"
#include "tap.h"
#include "xmem.h"

static struct mig_file	files[8];
static struct mig_set	set;
static struct mig_row	rows[8];
static struct mig_ledger ledger;

/* Fill file i with version v; its checksums are "u<v>" and "d<v>". */
static void
file(size_t i, long long v, const char *name)
{
	struct mig_file	*f = &files[i];

	free(f->id);
	free(f->up.path);
	free(f->down.path);
	memset(f, 0, sizeof(*f));
	f->version = v;
	snprintf(f->vstr, sizeof(f->vstr), "%04lld", v);
	f->name = (char *)name;
	f->id = xasprintf("%04lld_%s", v, name);
	f->up.path = xasprintf("m/%s.up.sql", f->id);
	f->down.path = xasprintf("m/%s.down.sql", f->id);
	snprintf(f->up.sum, sizeof(f->up.sum), "u%lld", v);
	snprintf(f->down.sum, sizeof(f->down.sum), "d%lld", v);
}

/* Fill ledger row i for version v, applied in order seq, matching the file. */
static void
row(size_t i, long long v, long long seq)
{
	struct mig_row	*r = &rows[i];

	memset(r, 0, sizeof(*r));
	r->version = v;
	r->name = (char *)"x";
	snprintf(r->checksum, sizeof(r->checksum), "u%lld", v);
	snprintf(r->down_checksum, sizeof(r->down_checksum), "d%lld", v);
	r->algo = MIG_CHECKSUM_ALGO;
	r->state = MR_APPLIED;
	r->seq = seq;
	r->ms = 1;
}

/* Set up nf files and nr rows. */
static void
setup(size_t nf, size_t nr)
{
	set.dir = (char *)"m";
	set.files = files;
	set.n = nf;
	set.vwidth = 4;
	ledger.exists = true;
	ledger.rows = rows;
	ledger.n = nr;
}

/* Status merging and states. */
static void
test_status(void)
{
	struct mig_status	*s;
	size_t			 n;

	file(0, 1, "a");
	file(1, 2, "b");
	file(2, 3, "c");
	file(3, 5, "e");
	row(0, 1, 1);
	row(1, 2, 2);
	row(2, 4, 3);
	row(3, 6, 4);
	setup(4, 4);
	snprintf(rows[1].checksum, sizeof(rows[1].checksum), "changed");
	snprintf(rows[0].down_checksum, sizeof(rows[0].down_checksum), "otherdown");
	rows[3].state = MR_FAILED;
	n = migplan_status(&set, &ledger, &s);
	is_int((long long)n, 6, "files and rows merged: 1 2 3 4 5 6");
	is_str(mig_state_name(s[0].state), "applied", "1 applied");
	ok(s[0].down_changed, "1: down file changed is flagged");
	is_str(mig_state_name(s[1].state), "checksum-mismatch", "2 checksum-mismatch");
	is_str(mig_state_name(s[2].state), "pending", "3 pending");
	ok(s[2].out_of_order, "3 is below the newest applied: out of order");
	is_str(mig_state_name(s[3].state), "file-missing", "4 file-missing");
	is_str(s[3].vstr, "0004", "missing file's version printed with the set's width");
	is_str(mig_state_name(s[4].state), "pending", "5 pending");
	is_str(mig_state_name(s[5].state), "failed", "6 failed (no file, but failed wins)");
	ok(!migplan_clean(s, n), "not clean");
	free(s);
	setup(1, 1);
	rows[0].down_checksum[0] = '\0';
	n = migplan_status(&set, &ledger, &s);
	ok(n == 1 && migplan_clean(s, n), "one applied: clean");
	free(s);
	n = migplan_status(NULL, &ledger, &s);
	ok(n == 1 && s[0].state == MIG_MISSING, "no files at all: applied rows are file-missing");
	free(s);
}

/* up: order, --to, refusals. */
static void
test_up(void)
{
	struct mig_step	*st;
	struct mc_err	 err = { 0 };
	size_t		 n;

	file(0, 1, "a");
	file(1, 2, "b");
	file(2, 3, "c");
	file(3, 4, "d");
	row(0, 1, 1);
	setup(4, 1);
	ok(migplan_up(&set, &ledger, -1, false, &st, &n, &err) == 0 && n == 3 &&
	    st[0].file->version == 2 && st[2].file->version == 4, "pending 2, 3, 4 in order");
	free(st);
	ok(migplan_up(&set, &ledger, 3, false, &st, &n, &err) == 0 && n == 2 &&
	    st[1].file->version == 3, "--to 3 stops at 3");
	free(st);
	ok(migplan_up(&set, &ledger, 7, false, &st, &n, &err) == -1 && err.code == MC_E_NOTFOUND,
	    "--to an unknown version refused");
	setup(4, 0);
	ledger.exists = false;
	ok(migplan_up(&set, &ledger, -1, false, &st, &n, &err) == 0 && n == 4,
	    "no ledger: everything pending");
	free(st);

	row(0, 1, 1);
	row(1, 3, 2);
	setup(4, 2);
	ok(migplan_up(&set, &ledger, -1, false, &st, &n, &err) == -1 && err.code == MC_E_STATE,
	    "pending 2 below applied 3 refused");
	like(err.msg, "0002_b is pending but a newer migration (version 0003)", "names both");
	ok(migplan_up(&set, &ledger, -1, true, &st, &n, &err) == 0 && n == 2 &&
	    st[0].out_of_order && !st[1].out_of_order, "allowed: 2 flagged out of order, 4 not");
	free(st);

	snprintf(rows[1].checksum, sizeof(rows[1].checksum), "edited");
	ok(migplan_up(&set, &ledger, -1, true, &st, &n, &err) == -1 && err.code == MC_E_STATE,
	    "drift refused");
	like(err.msg, "m/0003_c.up.sql was changed after it was applied", "names the file");
	rows[1].algo = 2;
	snprintf(rows[1].checksum, sizeof(rows[1].checksum), "u3");
	ok(migplan_up(&set, &ledger, -1, true, &st, &n, &err) == -1,
	    "a checksum of an unknown algorithm is not silently accepted");
	row(1, 3, 2);
	row(2, 9, 3);
	setup(4, 3);
	ok(migplan_up(&set, &ledger, -1, true, &st, &n, &err) == -1 &&
	    strstr(err.msg, "0009_x is applied but its files are missing") != NULL,
	    "missing files refused");
	row(2, 4, 3);
	rows[2].state = MR_FAILED;
	rows[2].error = (char *)"boom";
	ok(migplan_up(&set, &ledger, -1, true, &st, &n, &err) == -1 && err.code == MC_E_STATE,
	    "failed row refused");
	like(err.msg, "migration 0004_x is failed (its no-transaction up stopped: boom)", "says which and why");
	like(err.msg, "mcpdb migrate resolve 0004 --applied", "and how to resolve");
	rows[2].state = MR_RUNNING;
	rows[2].op_down = true;
	ok(migplan_check_failed(&set, &ledger, &err) == -1 &&
	    strstr(err.msg, "is running (its no-transaction down is still running or its runner died") != NULL,
	    "running row refused too");
}

/* down: reverse applied order, steps, --to, refusals. */
static void
test_down(void)
{
	struct mig_step	*st;
	struct mc_err	 err = { 0 };
	size_t		 n;

	file(0, 1, "a");
	file(1, 2, "b");
	file(2, 3, "c");
	/* applied 1, 3, then 2 out of order */
	row(0, 1, 10);
	row(1, 2, 30);
	row(2, 3, 20);
	rows[1].out_of_order = true;
	setup(3, 3);
	ok(migplan_down(&set, &ledger, 1, -1, &st, &n, &err) == 0 && n == 1 &&
	    st[0].file->version == 2, "one step: the last applied (2), not the highest version");
	free(st);
	ok(migplan_down(&set, &ledger, 2, -1, &st, &n, &err) == 0 && n == 2 &&
	    st[0].file->version == 2 && st[1].file->version == 3 && st[0].out_of_order,
	    "two steps: 2 then 3");
	free(st);
	ok(migplan_down(&set, &ledger, 9, -1, &st, &n, &err) == 0 && n == 3, "more steps than applied: all");
	free(st);
	ok(migplan_down(&set, &ledger, 1, 1, &st, &n, &err) == 0 && n == 2 &&
	    st[0].file->version == 2 && st[1].file->version == 3, "--to 1: everything above 1, reverse applied order");
	free(st);
	ok(migplan_down(&set, &ledger, 1, 0, &st, &n, &err) == 0 && n == 3 &&
	    st[2].file->version == 1, "--to 0: all");
	free(st);
	ok(migplan_down(&set, &ledger, 1, 5, &st, &n, &err) == -1 && err.code == MC_E_NOTFOUND,
	    "--to a version not applied refused");
	ok(migplan_down(&set, &ledger, 1, 2, &st, &n, &err) == 0 && n == 1 &&
	    st[0].file->version == 3, "--to 2: only what is above 2");
	free(st);
	setup(2, 3);	/* the file of version 3 is gone */
	ok(migplan_down(&set, &ledger, 2, -1, &st, &n, &err) == -1 &&
	    strstr(err.msg, "cannot roll back 0003_x: its files are missing") != NULL,
	    "rolling back a migration without files refused");
	setup(3, 3);
	snprintf(rows[1].checksum, sizeof(rows[1].checksum), "edited");
	ok(migplan_down(&set, &ledger, 1, -1, &st, &n, &err) == -1 &&
	    strstr(err.msg, "cannot roll back 0002_x: m/0002_b.up.sql changed") != NULL,
	    "rolling back a drifted migration refused");
	setup(3, 0);
	ok(migplan_down(&set, &ledger, 1, -1, &st, &n, &err) == 0 && n == 0, "nothing applied: nothing to do");
	free(st);
}

/* Repeatables: status by name and what up applies. */
static void
test_reps(void)
{
	struct mig_rep		 reps[3];
	struct mig_reprow	 rr[3];
	struct mig_repstatus	*s;
	struct mig_repstep	*st;
	size_t			 n, i;

	memset(reps, 0, sizeof(reps));
	memset(rr, 0, sizeof(rr));
	reps[0].name = (char *)"a";
	reps[1].name = (char *)"b";
	reps[2].name = (char *)"c";
	for (i = 0; i < 3; i++)
		snprintf(reps[i].sc.sum, sizeof(reps[i].sc.sum), "s%zu", i);
	rr[0].name = (char *)"a";	/* unchanged */
	snprintf(rr[0].checksum, sizeof(rr[0].checksum), "s0");
	rr[1].name = (char *)"b";	/* changed */
	snprintf(rr[1].checksum, sizeof(rr[1].checksum), "old");
	rr[2].name = (char *)"aa";	/* file gone */
	snprintf(rr[2].checksum, sizeof(rr[2].checksum), "x");
	for (i = 0; i < 3; i++)
		rr[i].algo = MIG_CHECKSUM_ALGO;
	setup(0, 0);
	set.reps = reps;
	set.nreps = 3;
	ledger.reps = rr;
	ledger.nreps = 3;
	n = migplan_reps(&set, &ledger, &s);
	ok(n == 4, "four repeatable lines (three files, one row without a file)");
	if (n == 4) {
		is_str(s[0].name, "a", "by name: a");
		is_str(mig_repstate_name(s[0].state), "applied", "unchanged: applied");
		is_str(s[1].name, "aa", "then aa");
		is_str(mig_repstate_name(s[1].state), "file-missing", "row without file: file-missing");
		is_str(mig_repstate_name(s[2].state), "outdated", "checksum changed: outdated");
		is_str(mig_repstate_name(s[3].state), "pending", "no row: pending");
	}
	ok(!migplan_reps_clean(s, n), "pending or outdated: not clean");
	ok(migplan_reps_clean(s, 2), "applied and file-missing: clean");
	free(s);
	migplan_up_reps(&set, &ledger, &st, &n);
	ok(n == 2 && st[0].rep == &reps[1] && st[0].row == &rr[1] &&
	    st[1].rep == &reps[2] && st[1].row == NULL,
	    "up applies the changed (with its row) and the new, by name");
	free(st);
	rr[0].algo = MIG_CHECKSUM_ALGO + 1;
	migplan_up_reps(&set, &ledger, &st, &n);
	ok(n == 3, "another checksum algorithm counts as changed");
	free(st);
	set.reps = NULL;
	set.nreps = 0;
	ledger.reps = NULL;
	ledger.nreps = 0;
}

int
main(void)
{
	size_t	i;

	test_status();
	test_reps();
	test_up();
	test_down();
	for (i = 0; i < 8; i++) {
		free(files[i].id);
		free(files[i].up.path);
		free(files[i].down.path);
	}
	return (done_testing());
}
