/*
 * t-pgvac.c - unit tests for the vacuum health arithmetic: the wraparound
 * levels at their boundaries (autovacuum_freeze_max_age, 40 M IDs before
 * the wrap) and the IDs left before the server stops (3 M before it); the
 * bloat estimate for a full table, a half-deleted one, fillfactor, and an
 * unknown width.
 */
#include "config.h"

#include "pgvac.h"
#include "tap.h"

int
main(void)
{
	long long	left;

	is_int(pgvac_age_level(1000, 200000000, &left), PGVAC_OK, "a young database is ok");
	is_int(left, 2147483647LL - 3000000 - 1000, "IDs left: 2^31 - 1 - 3 M - age");
	is_int(pgvac_age_level(199999999, 200000000, NULL), PGVAC_OK, "one below the freeze max: ok");
	is_int(pgvac_age_level(200000000, 200000000, NULL), PGVAC_WARN,
	    "at autovacuum_freeze_max_age: anti-wraparound vacuum due");
	is_int(pgvac_age_level(2147483647LL - 40000001, 200000000, NULL), PGVAC_WARN,
	    "just outside the server's 40 M warning zone: still a warning");
	is_int(pgvac_age_level(2147483647LL - 40000000, 200000000, NULL), PGVAC_CRIT,
	    "inside the 40 M warning zone: critical");
	is_int(pgvac_age_level(2147483647LL, 200000000, &left), PGVAC_CRIT, "at the wrap: critical");
	is_int(left, 0, "and no IDs left (never negative)");
	ok(pgvac_level_name(PGVAC_WARN)[0] != '\0' && pgvac_level_name(PGVAC_OK)[0] == 'o',
	    "levels have names");

	/* 8 kB pages, 24-byte header + 8-byte width = 32 + 4 = 36 bytes a row: 226 a page. */
	is_int(pgvac_bloat_estimate(8192 * 10, 2260, 8, 100, 8192), 0,
	    "a packed table has no bloat");
	is_int(pgvac_bloat_estimate(8192 * 10, 1130, 8, 100, 8192), 8192 * 5,
	    "half its rows deleted: half its pages reclaimable");
	is_int(pgvac_bloat_estimate(8192 * 10, 0, 8, 100, 8192), 8192 * 10,
	    "every row deleted: all of it");
	is_int(pgvac_bloat_estimate(8192 * 10, 2260, 8, 50, 8192), 0,
	    "fillfactor 50 needs twice the pages: not counted as bloat");
	is_int(pgvac_bloat_estimate(8192 * 10, 2260, -1, 100, 8192), -1, "unknown width: unknown");
	is_int(pgvac_bloat_estimate(8192, 1, 20000, 100, 8192), 0,
	    "a row wider than a page still takes a page");
	return (done_testing());
}
