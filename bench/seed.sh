#!/bin/sh
# seed.sh - seed loading benchmark, side by side on one server in one run:
#   1. psql \copy         ROWS rows of CSV (the floor: COPY with no checks)
#   2. mcpdb seed load    the same CSV file (checked, checksummed, ledger)
#   3. mcpdb seed load    the same rows as NDJSON (cJSON per line, checked)
# Table bench.t(id bigint PRIMARY KEY, name text, payload jsonb, created_at
# timestamptz), the row shape of the peer baseline (doc/research peers.md).
# Targets: mcpdb CSV >= 0.9 x psql's rows/s, mcpdb NDJSON >= 0.5 x.
# Before every load: TRUNCATE, clear the seed ledger, CHECKPOINT. The order
# of the three rotates per round; each ratio is taken within a round and the
# median over rounds is printed as markdown.
#
# usage: sh bench/seed.sh      (from a configured build directory)
# Environment: ROWS=1000000 ROUNDS=3; MCPDB_TEST_PGURL to use a running
# server (else a private one is started with src/mcpdb-servers.sh and purged
# at the end); BUILDDIR (default: .). Only processes started here are stopped.
set -eu

SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
BUILDDIR=${BUILDDIR:-$(pwd -P)}
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
MCPDB=$BUILDDIR/mcpdb
PSQL=psql
[ -x /usr/lib/postgresql/15/bin/psql ] && PSQL=/usr/lib/postgresql/15/bin/psql
[ -x "$MCPDB" ] || { echo "$MCPDB not built (run make first)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/bench-seed.XXXXXX")
chmod 755 "$W"
STARTED=0
DB=""
cleanup()
{
	set +e
	[ -n "$DB" ] && "$PSQL" "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
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

URL=${MCPDB_TEST_PGURL:-}
if [ -z "$URL" ]; then
	log "starting a private PostgreSQL with mcpdb-servers.sh"
	sh "$SRCDIR/src/mcpdb-servers.sh" up --dir "$W/srv" >"$W/env"
	STARTED=1
	URL=$(sed -n "s/^MCPDB_TEST_PGURL=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
DB=bench_seed_$$
"$PSQL" "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null
# A conninfo for the benchmark database: the server's socket and port.
SOCK=$("$PSQL" "$URL" -XAtqc "show unix_socket_directories" | cut -d, -f1)
PORT=$("$PSQL" "$URL" -XAtqc "show port")
USER_=$("$PSQL" "$URL" -XAtqc "select current_user")
PG="host=$SOCK port=$PORT user=$USER_ dbname=$DB"
q() { "$PSQL" "$PG" -XAtqc "$1"; }
q "CREATE SCHEMA bench; CREATE TABLE bench.t (id bigint PRIMARY KEY, name text NOT NULL,
   payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())" >/dev/null

log "generating $ROWS rows as CSV and NDJSON"
mkdir -p "$W/seeds/bench_csv" "$W/seeds/bench_ndjson"
printf '{ "name": "bench_csv", "files": [ { "file": "bench.t.csv", "table": "bench.t", "format": "csv" } ] }\n' \
    >"$W/seeds/bench_csv/seed.json"
printf '{ "name": "bench_ndjson", "files": [ { "file": "bench.t.ndjson", "table": "bench.t", "format": "ndjson" } ] }\n' \
    >"$W/seeds/bench_ndjson/seed.json"
awk -v n="$ROWS" -v csv="$W/seeds/bench_csv/bench.t.csv" -v nd="$W/seeds/bench_ndjson/bench.t.ndjson" 'BEGIN {
	print "id,name,payload,created_at" > csv
	for (i = 1; i <= n; i++) {
		name = sprintf("item-%d %s", i, substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 20, 6))
		p = sprintf("{\"source\":\"bench\",\"n\":%d,\"tags\":[\"t%d\",\"x\"],\"score\":%d.%03d,\"note\":\"row %d of the seed bench\"}", i, i % 97, i % 100, i % 1000, i)
		ts = sprintf("2026-%02d-%02dT%02d:%02d:%02dZ", 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60)
		pc = p; gsub(/"/, "\"\"", pc)
		printf "%d,%s,\"%s\",%s\n", i, name, pc, ts > csv
		printf "{\"id\":%d,\"name\":\"%s\",\"payload\":%s,\"created_at\":\"%s\"}\n", i, name, p, ts > nd
	}
}'
CSV=$W/seeds/bench_csv/bench.t.csv
log "CSV $(du -m "$CSV" | cut -f1) MB, NDJSON $(du -m "$W/seeds/bench_ndjson/bench.t.ndjson" | cut -f1) MB"

reset()
{
	q "TRUNCATE bench.t" >/dev/null
	q "DO \$\$ BEGIN IF to_regclass('mcpdb.seed_loads') IS NOT NULL THEN DELETE FROM mcpdb.seed_loads; END IF; END \$\$" >/dev/null
	q "CHECKPOINT" >/dev/null
}
check_rows()
{
	got=$(q "SELECT count(*) FROM bench.t")
	[ "$got" = "$ROWS" ] || { echo "$1 loaded $got rows, expected $ROWS" >&2; exit 1; }
}
run_psql() { "$PSQL" "$PG" -Xq -c "\\copy bench.t FROM '$CSV' CSV HEADER" >/dev/null; }
run_csv() { "$MCPDB" --pg "$PG" -q seed load bench_csv --dir "$W/seeds" >/dev/null; }
run_ndjson() { "$MCPDB" --pg "$PG" -q seed load bench_ndjson --dir "$W/seeds" >/dev/null; }

: >"$W/times"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	case $((r % 3)) in
	1) order="psql csv ndjson" ;;
	2) order="csv ndjson psql" ;;
	0) order="ndjson psql csv" ;;
	esac
	for tool in $order; do
		reset
		t0=$(now)
		"run_$tool"
		t1=$(now)
		check_rows "$tool"
		s=$(dt "$t0" "$t1")
		log "round $r: $tool $s s"
		echo "$r $tool $s" >>"$W/times"
	done
	r=$((r + 1))
done

# Per-round ratios (rows/s of mcpdb over rows/s of psql = t_psql / t_mcpdb).
ratio()
{
	awk -v tool="$1" '{ t[$1, $2] = $3; rounds[$1] = 1 }
	    END { for (r in rounds) printf "%.3f\n", t[r, "psql"] / t[r, tool] }' "$W/times" | med
}
tmed() { awk -v tool="$1" '$2 == tool { print $3 }' "$W/times" | med; }
range() { awk -v tool="$1" '$2 == tool { print $3 }' "$W/times" | sort -n | awk 'NR==1{a=$1} {b=$1} END{print a "–" b}'; }
rate() { awk -v n="$ROWS" -v s="$1" 'BEGIN { printf "%d", n / s }'; }

tp=$(tmed psql); tc=$(tmed csv); tn=$(tmed ndjson)
rc=$(ratio csv); rn=$(ratio ndjson)
echo "| load ($ROWS rows) | median s | min–max s | rows/s | ratio to psql (median of rounds) | target |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| psql \\\\copy CSV | $tp | $(range psql) | $(rate "$tp") | 1 | |"
echo "| mcpdb seed load CSV | $tc | $(range csv) | $(rate "$tc") | **${rc}x** | 0.9x |"
echo "| mcpdb seed load NDJSON | $tn | $(range ndjson) | $(rate "$tn") | **${rn}x** | 0.5x |"
awk -v c="$rc" -v n="$rn" 'BEGIN { exit !(c >= 0.9 && n >= 0.5) }' &&
    echo "targets met" || echo "targets NOT met"
