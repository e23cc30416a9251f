/*
 * t-depth-parse.c - the operator views' parsing without a server: the lock
 * tree built from a result made with libpq's PQsetvalue (a chain, a session
 * blocked by two, a cycle, a blocker that is gone), and CLIENT LIST, INFO
 * commandstats and errorstats text of old and new Redis servers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pg-locks.h"
#include "rds-clients.h"
#include "tap.h"

/* A result with pg_locks_sql's 12 columns, all text. */
static PGresult *
locks_result(void)
{
	PGresAttDesc	a[12];
	PGresult	*r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	int		i;
	static char	names[12][4];

	memset(a, 0, sizeof(a));
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		a[i].name = names[i];
		a[i].typid = 25;
		a[i].typlen = -1;
		a[i].atttypmod = -1;
	}
	PQsetResultAttrs(r, 12, a);
	return (r);
}

/* Row `row`: pid, app, mode, blockers ("" = NULL). */
static void
locks_row(PGresult *r, int row, const char *pid, const char *app,
    const char *mode, const char *by)
{
	const char	*v[12] = { pid, "u", app, "active", "1000", "5.0", mode,
	    mode[0] ? "transactionid" : "", "", mode[0] ? "2.5" : "", "q", by };
	int		 i;

	for (i = 0; i < 12; i++)
		PQsetvalue(r, row, i, (char *)v[i], v[i][0] ? (int)strlen(v[i]) :
		    -1);
}

/* "pid@depth pid@depth ..." of a tree. */
static const char *
locks_shape(const struct pg_locks *t)
{
	static char	buf[256];
	size_t		i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < pg_locks_count(t) && o < sizeof(buf) - 16; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%d@%d",
		    i ? " " : "", pg_locks_at(t, i)->pid,
		    pg_locks_at(t, i)->depth);
	return (buf);
}

static void
test_locks(void)
{
	PGresult	*r;
	struct pg_locks	*t;
	cJSON		*j;
	char		*s;

	/* A <- B <- C, and D blocked by both A and C */
	r = locks_result();
	locks_row(r, 0, "10", "a", "", "");
	locks_row(r, 1, "11", "b", "ShareLock", "{10}");
	locks_row(r, 2, "12", "c", "ExclusiveLock", "{11}");
	locks_row(r, 3, "13", "d", "ShareLock", "{10,12}");
	t = pg_locks_from_result(r);
	is_int(pg_locks_waiters(t), 3, "three waiters");
	is_str(locks_shape(t), "10@0 11@1 12@2 13@3 13@1",
	    "depth first; a session blocked by two shows under each");
	is_int(pg_locks_at(t, 0)->nblocked, 2, "A blocks B and D directly");
	is_int(pg_locks_at(t, 2)->parent, 11, "C is shown under B");
	ok(pg_locks_at(t, 1)->wait_s == 2.5 && pg_locks_at(t, 0)->wait_s < 0,
	    "wait durations: B's read, A's unknown (-1)");
	j = pg_locks_json(t);
	s = cJSON_PrintUnformatted(j);
	like(s, "\"roots\":[{\"pid\":10", "JSON: A is the one root");
	like(s, "\"blocked\":[{\"pid\":11", "JSON: B nested under A");
	like(s, "\"lock_mode\":null", "JSON: A's lock mode is null");
	free(s);
	cJSON_Delete(j);
	pg_locks_free(t);
	PQclear(r);

	/* a cycle (a deadlock before the detector runs) has no root */
	r = locks_result();
	locks_row(r, 0, "20", "x", "ShareLock", "{21}");
	locks_row(r, 1, "21", "y", "ShareLock", "{20}");
	t = pg_locks_from_result(r);
	is_str(locks_shape(t), "20@0 21@1", "a cycle is cut where it comes back");
	pg_locks_free(t);
	PQclear(r);

	/* a blocker that ended between the two reads is no edge */
	r = locks_result();
	locks_row(r, 0, "30", "x", "ShareLock", "{99}");
	t = pg_locks_from_result(r);
	is_str(locks_shape(t), "30@0", "a waiter whose blocker is gone is a root");
	pg_locks_free(t);
	PQclear(r);

	r = locks_result();
	t = pg_locks_from_result(r);
	ok(pg_locks_count(t) == 0 && pg_locks_waiters(t) == 0,
	    "nobody waits: an empty tree");
	pg_locks_free(t);
	PQclear(r);
}

static void
test_clients(void)
{
	static const char list[] =
	    "id=3 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=app age=90 "
	    "idle=5 flags=N db=0 sub=0 psub=0 multi=-1 qbuf=0 tot-mem=20000 "
	    "events=r cmd=get user=default tot-cmds=7\r\n"
	    "id=9 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=9 name= age=10 "
	    "idle=50 flags=b db=2 tot-mem=90000 cmd=blpop user=worker "
	    "tot-cmds=300\n"
	    "junk line\n";
	static const char old[] = "id=4 addr=/tmp/r.sock:0 idle=1 cmd=ping\n";
	struct rds_client	*v;
	size_t			 n;

	n = rds_clients_parse(list, strlen(list), &v);
	is_int((long long)n, 2, "two clients, the junk line skipped");
	is_str(v[0].name, "app", "name");
	is_str(v[1].name, "", "an empty name");
	is_str(v[1].user, "worker", "user");
	is_int(v[0].tot_mem, 20000, "tot-mem");
	is_int(v[0].tot_cmds, 7, "tot-cmds (Redis 7.4+)");
	is_str(v[1].cmd, "blpop", "the last command");
	rds_clients_sort(v, n, RCS_IDLE);
	is_int(v[0].id, 9, "--sort idle: most idle first");
	rds_clients_sort(v, n, RCS_CMDS);
	is_int(v[0].id, 9, "--sort cmds: busiest first");
	rds_clients_sort(v, n, RCS_MEM);
	is_int(v[0].id, 9, "--sort mem: biggest first");
	free(v);
	n = rds_clients_parse(old, strlen(old), &v);
	ok(n == 1 && v[0].tot_cmds == -1 && v[0].tot_mem == -1 && v[0].db == -1,
	    "an older server's missing fields stay unknown (-1)");
	free(v);
	is_int(rds_clients_sort_key("mem"), RCS_MEM, "sort key mem");
	is_int(rds_clients_sort_key("MEM"), -1, "sort keys are exact");
}

static void
test_stats(void)
{
	static const char cs[] = "# Commandstats\r\n"
	    "cmdstat_get:calls=10,usec=25,usec_per_call=2.50,rejected_calls=1,"
	    "failed_calls=0\r\n"
	    "cmdstat_client|list:calls=2,usec=8,usec_per_call=4.00,"
	    "rejected_calls=0,failed_calls=2\r\n";
	static const char cs6[] = "cmdstat_set:calls=3,usec=9,usec_per_call=3.00\r\n";
	static const char es[] = "# Errorstats\r\nerrorstat_OOM:count=4\r\n"
	    "errorstat_WRONGTYPE:count=1\r\n";
	struct rds_cmdstat	*c;
	struct rds_errstat	*e;
	size_t			 n;

	n = rds_cmdstats_parse(cs, &c);
	is_int((long long)n, 2, "two commands");
	is_str(c[1].name, "client|list", "a subcommand keeps its name");
	ok(c[0].calls == 10 && c[0].usec == 25 && c[0].usec_per_call == 2.5 &&
	    c[0].rejected_calls == 1 && c[0].failed_calls == 0,
	    "calls, usec, usec_per_call, rejected, failed");
	free(c);
	n = rds_cmdstats_parse(cs6, &c);
	ok(n == 1 && c[0].rejected_calls == -1 && c[0].failed_calls == -1,
	    "before 6.2: rejected/failed unknown");
	free(c);
	n = rds_errstats_parse(es, &e);
	ok(n == 2 && strcmp(e[0].name, "OOM") == 0 && e[0].count == 4 &&
	    e[1].count == 1, "errorstats: OOM 4, WRONGTYPE 1");
	free(e);
	n = rds_errstats_parse("", &e);
	is_int((long long)n, 0, "no errors: none parsed");
	free(e);
}

int
main(void)
{
	test_locks();
	test_clients();
	test_stats();
	return (done_testing());
}
