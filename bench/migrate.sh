#!/bin/sh
# migrate.sh - the migration runner's benchmark, side by side in one run:
#   1. mcpdb migrate up      N trivial migrations (CREATE TABLE m_NNNN), each in
#                            its own transaction with its ledger row
#   2. mcpdb migrate status  the same N, all applied
#   3. sqitch deploy         the same N changes (Debian package sqitch)
#   4. sqitch status
#   5. psql -1 -f            all N files concatenated, one transaction (the floor)
# Targets: sqitch deploy >= 5 x mcpdb up, sqitch status >= 5 x mcpdb status,
# mcpdb up <= 2 x psql -1. Every round uses fresh databases and runs the
# tools in a rotated order; medians and ratios are printed as markdown.
#
# usage: sh bench/migrate.sh      (from a configured build directory)
# Environment: N=500 ROUNDS=3; MCPDB_TEST_PGURL to use a running server (else
# a private one is started with src/mcpdb-servers.sh and purged at the end);
# DURABLE=1 (private server only) turns fsync and synchronous_commit on,
# which the test server has off; BUILDDIR (default: .).
# Only processes started here are stopped, by pid.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
N=${N:-500}
ROUNDS=${ROUNDS:-3}
DURABLE=${DURABLE:-0}
MCPDB=$BUILDDIR/mcpdb
PSQL=psql
[ -x /usr/lib/postgresql/15/bin/psql ] && PSQL=/usr/lib/postgresql/15/bin/psql
command -v sqitch >/dev/null || { echo "sqitch not found (apt-get install sqitch)" >&2; exit 1; }
[ -x "$MCPDB" ] || { echo "$MCPDB not built (run make first)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-migrate.XXXXXX")
chmod 755 "$W"
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

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
med() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0 || b == "nan") print "nan"; else printf "%.2f", a/b }'; }

if [ -z "${MCPDB_TEST_PGURL:-}" ]; then
	log "starting a private PostgreSQL with mcpdb-servers.sh"
	sh "$SRCDIR/src/mcpdb-servers.sh" up --dir "$W/srv" >"$W/env"
	STARTED=1
	MCPDB_TEST_PGURL=$(sed -n "s/^MCPDB_TEST_PGURL=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
URL=$MCPDB_TEST_PGURL
q() { "$PSQL" "$URL" -XAtqc "$1"; }
SOCK=$(q "show unix_socket_directories" | cut -d, -f1)
PORT=$(q "show port")
if [ "$DURABLE" = 1 ]; then
	[ "$STARTED" = 1 ] || { echo "DURABLE=1 needs the private server" >&2; exit 1; }
	q "ALTER SYSTEM SET fsync = on" && q "ALTER SYSTEM SET synchronous_commit = on" &&
	    q "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
fi
SETTINGS="server $(q "show server_version"), fsync=$(q "show fsync"), synchronous_commit=$(q "show synchronous_commit")"
log "$SETTINGS; N=$N ROUNDS=$ROUNDS"

# The same N changes for all three tools.
mkdir -p "$W/mc" "$W/sq/deploy" "$W/sq/revert" "$W/sq/verify"
printf '[core]\n\tengine = pg\n\ttop_dir = .\n[engine "pg"]\n\tclient = %s\n' \
    "$(command -v "$PSQL")" >"$W/sq/sqitch.conf"
{ echo '%syntax-version=1.0.0'; echo '%project=bench'; echo; } >"$W/sq/sqitch.plan"
for i in $(seq -f '%04g' 1 "$N"); do
	echo "CREATE TABLE m_$i (id int);" >"$W/mc/${i}_m_$i.up.sql"
	echo "DROP TABLE m_$i;" >"$W/mc/${i}_m_$i.down.sql"
	cp "$W/mc/${i}_m_$i.up.sql" "$W/sq/deploy/m_$i.sql"
	cp "$W/mc/${i}_m_$i.down.sql" "$W/sq/revert/m_$i.sql"
	echo "SELECT id FROM m_$i WHERE false;" >"$W/sq/verify/m_$i.sql"
	echo "m_$i 2024-01-01T00:00:00Z Bench <bench@example.invalid> # change $i" >>"$W/sq/sqitch.plan"
done
cat "$W"/sq/deploy/*.sql >"$W/all.sql"
export SQITCH_USER_CONFIG=/dev/null SQITCH_SYSTEM_CONFIG=/dev/null \
    SQITCH_FULLNAME=Bench SQITCH_EMAIL=bench@example.invalid
export XDG_CONFIG_HOME="$W/xdg"
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL

fresh() { q "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1; q "CREATE DATABASE $1" >/dev/null; }
tables() { "$PSQL" "$URL dbname=$1" -XAtqc "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'm\\_%'"; }
rec() { echo "$2" >>"$W/res.$1"; }

run()
{
	case $1 in
	mcpdb)
		fresh bm_mc
		t0=$(now)
		"$MCPDB" --pg "$URL dbname=bm_mc" -q migrate up --dir "$W/mc" >"$W/mc_up.log"
		t1=$(now)
		[ "$(tables bm_mc)" = "$N" ] || { cat "$W/mc_up.log" >&2; exit 1; }
		rec mcpdb_up "$(dt "$t0" "$t1")"
		t0=$(now)
		"$MCPDB" --pg "$URL dbname=bm_mc" migrate status --dir "$W/mc" >"$W/mc_status.log"
		t1=$(now)
		grep -q "$N applied, 0 pending: up to date" "$W/mc_status.log" ||
		    { tail -3 "$W/mc_status.log" >&2; exit 1; }
		rec mcpdb_status "$(dt "$t0" "$t1")"
		q "DROP DATABASE bm_mc" ;;
	sqitch)
		fresh bm_sq
		T="db:pg://postgres@/bm_sq?host=$SOCK&port=$PORT"
		t0=$(now)
		(cd "$W/sq" && sqitch deploy "$T") >"$W/sq_deploy.log" 2>&1
		t1=$(now)
		[ "$(grep -c '\.\. ok' "$W/sq_deploy.log")" = "$N" ] || { tail "$W/sq_deploy.log" >&2; exit 1; }
		rec sqitch_deploy "$(dt "$t0" "$t1")"
		t0=$(now)
		(cd "$W/sq" && sqitch status "$T") >"$W/sq_status.log" 2>&1
		t1=$(now)
		grep -q "up-to-date" "$W/sq_status.log" || { tail "$W/sq_status.log" >&2; exit 1; }
		rec sqitch_status "$(dt "$t0" "$t1")"
		q "DROP DATABASE bm_sq" ;;
	psql)
		fresh bm_ps
		t0=$(now)
		"$PSQL" "$URL dbname=bm_ps" -X -q -1 -v ON_ERROR_STOP=1 -f "$W/all.sql"
		t1=$(now)
		[ "$(tables bm_ps)" = "$N" ] || exit 1
		rec psql_1 "$(dt "$t0" "$t1")"
		q "DROP DATABASE bm_ps" ;;
	esac
}

MODES="mcpdb sqitch psql"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	set -- $MODES
	k=1
	while [ "$k" -lt "$r" ]; do m=$1; shift; set -- "$@" "$m"; k=$((k + 1)); done
	for m in "$@"; do run "$m"; done
	log "round $r: mcpdb up $(tail -1 "$W/res.mcpdb_up") s, status $(tail -1 "$W/res.mcpdb_status") s;" \
	    "sqitch deploy $(tail -1 "$W/res.sqitch_deploy") s, status $(tail -1 "$W/res.sqitch_status") s;" \
	    "psql -1 $(tail -1 "$W/res.psql_1") s"
	r=$((r + 1))
done

MU=$(med <"$W/res.mcpdb_up"); MS=$(med <"$W/res.mcpdb_status")
SD=$(med <"$W/res.sqitch_deploy"); SS=$(med <"$W/res.sqitch_status")
P1=$(med <"$W/res.psql_1")
cat <<EOF
## migrate benchmark: $N trivial migrations, median of $ROUNDS rounds

$SETTINGS; $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)

| what | seconds |
|---|---|
| mcpdb migrate up | $MU |
| mcpdb migrate status | $MS |
| sqitch deploy | $SD |
| sqitch status | $SS |
| psql -1 -f (all files, one transaction) | $P1 |

| ratio | value | target |
|---|---|---|
| sqitch deploy / mcpdb migrate up | $(div "$SD" "$MU") | >= 5 |
| sqitch status / mcpdb migrate status | $(div "$SS" "$MS") | >= 5 |
| mcpdb migrate up / psql -1 | $(div "$MU" "$P1") | <= 2 |
EOF
