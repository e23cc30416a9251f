#!/bin/sh
# migrate-rss.sh - memory of `mcpdb migrate up` on one big migration, next to
# `psql -1 -f` on the same file: peak RSS (/usr/bin/time -v), wall time, and
# the size of the ledger row (mcpdb.migrations.applied_sql) it leaves.
# The file is MB megabytes of multi-row INSERTs (ROWS rows per statement).
# Target: peak RSS under 2 x the file size; a bounded ledger row.
#
# usage: sh bench/migrate-rss.sh      (from a configured build directory)
# Environment: MB=20 ROWS=1000 ROUNDS=3; MCPDB_TEST_PGURL to use a running
# server (else a private one is started with src/mcpdb-servers.sh and purged
# at the end); BUILDDIR (default: .). Only processes started here are stopped.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
MB=${MB:-20}
ROWS=${ROWS:-1000}
ROUNDS=${ROUNDS:-3}
MCPDB=$BUILDDIR/mcpdb
PSQL=psql
[ -x /usr/lib/postgresql/15/bin/psql ] && PSQL=/usr/lib/postgresql/15/bin/psql
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 1; }
[ -x "$MCPDB" ] || { echo "$MCPDB not built (run make first)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-migrss.XXXXXX")
STARTED=0
cleanup()
{
	set +e
	[ "$STARTED" = 1 ] && sh "$SRCDIR/src/mcpdb-servers.sh" down --purge \
	    --dir "$W/srv" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${MCPDB_TEST_PGURL:-}" ]; then
	sh "$SRCDIR/src/mcpdb-servers.sh" up --dir "$W/srv" >"$W/env"
	STARTED=1
	MCPDB_TEST_PGURL=$(sed -n "s/^MCPDB_TEST_PGURL=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
URL=$MCPDB_TEST_PGURL
q() { "$PSQL" "$URL" -XAtqc "$1"; }
export XDG_CONFIG_HOME="$W/xdg"
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL

# The migration: CREATE TABLE, then INSERT statements of ROWS rows each.
mkdir -p "$W/mc"
awk -v mb="$MB" -v rows="$ROWS" 'BEGIN {
	print "CREATE TABLE big_t (id bigint, note text);"
	limit = mb * 1024 * 1024; n = 0; id = 0
	while (n < limit) {
		s = "INSERT INTO big_t (id, note) VALUES"
		for (r = 0; r < rows; r++) {
			id++
			s = s sprintf("%s\n (%d, '\''row %d of the big migration, padded to look like data'\'')",
			    r ? "," : "", id, id)
		}
		s = s ";"
		print s
		n += length(s) + 1
	}
}' >"$W/mc/0001_big.up.sql"
echo "DROP TABLE big_t;" >"$W/mc/0001_big.down.sql"
SIZE=$(wc -c <"$W/mc/0001_big.up.sql")
echo "file: $SIZE bytes, $(grep -c '^INSERT' "$W/mc/0001_big.up.sql") INSERT statements; server $(q 'show server_version')"

rss() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }
wall() { sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1"; }
for r in $(seq 1 "$ROUNDS"); do
	q "DROP DATABASE IF EXISTS bm_rss WITH (FORCE)" >/dev/null; q "CREATE DATABASE bm_rss" >/dev/null
	/usr/bin/time -v -o "$W/mc.time" "$MCPDB" --pg "$URL dbname=bm_rss" -q migrate up \
	    --dir "$W/mc" >/dev/null
	row=$("$PSQL" "$URL dbname=bm_rss" -XAtqc "SELECT octet_length(applied_sql) FROM mcpdb.migrations")
	q "DROP DATABASE bm_rss WITH (FORCE)" >/dev/null; q "CREATE DATABASE bm_rss" >/dev/null
	/usr/bin/time -v -o "$W/ps.time" "$PSQL" "$URL dbname=bm_rss" -X -q -1 \
	    -v ON_ERROR_STOP=1 -f "$W/mc/0001_big.up.sql" >/dev/null
	echo "round $r: mcpdb migrate up RSS $(rss "$W/mc.time") kB in $(wall "$W/mc.time"), ledger row applied_sql $row bytes; psql -1 -f RSS $(rss "$W/ps.time") kB in $(wall "$W/ps.time")"
done
q "DROP DATABASE IF EXISTS bm_rss WITH (FORCE)" >/dev/null
