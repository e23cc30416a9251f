#!/usr/bin/env bash
# bench/tui-catalog.sh - the Schema browser on a catalog of 10,000 tables.
#
# A database gets NTABLES tables in schema bulk, each with a bigserial
# primary key, a text and a timestamptz column (so the catalog also holds
# NTABLES sequences, indexes and toast tables: about 4 x NTABLES pg_class
# rows), plus a small schema. mcpdb runs in a 120x40 tmux pane with
# --log-level debug; the Schema pane logs what it measures itself:
#   - tree load: the catalog queries (schema_tree_load, one round trip) and
#     the time from asking (key `s`) to the tree being installed for the
#     next frame; ROUNDS reloads;
#   - filter keystroke: from the key reaching the pane to the end of the
#     pane's draw (rebuilding the visible rows over every object, then
#     drawing the rows on screen), for each key of "/t05000" (the middle
#     table) and Backspaces,
#     ROUNDS times; plus the same keystrokes end to end through tmux
#     (send-keys until capture-pane shows the change: an upper bound that
#     includes tmux and the terminal output);
#   - details of one table (9 catalog queries) from asking to on screen;
#   - resident memory of mcpdb with the tree loaded;
#   - for reference, psql's \dt bulk.* (list only) on the same catalog.
# Targets (issue 7): tree under 300 ms, a filter keystroke under 16 ms.
#
# Usage: bench/tui-catalog.sh [MCPDB_BINARY]   (default ./mcpdb; run from a build dir)
# Environment: NTABLES (10000), ROUNDS (7), MCPDB_TEST_PGURL (use a running
# server; else a private one is started with src/mcpdb-servers.sh and purged),
# OUT (a directory for the raw numbers; default a new mktemp -d).
# Needs: tmux, psql, awk. Only processes started here are stopped.
set -Eeuo pipefail

M=$(readlink -f "${1:-./mcpdb}")
HERE=$(cd "$(dirname "$0")" && pwd -P)
SRV=${MCPDB_SERVERS_SH:-$HERE/../src/mcpdb-servers.sh}
NTABLES=${NTABLES:-10000}
ROUNDS=${ROUNDS:-7}
[ -x "$M" ] || { echo "tui-catalog.sh: $M is not an executable mcpdb" >&2; exit 2; }
PSQL=psql
[ -x /usr/lib/postgresql/15/bin/psql ] && PSQL=/usr/lib/postgresql/15/bin/psql
for t in tmux "$PSQL" awk; do
	command -v "$t" >/dev/null || { echo "tui-catalog.sh: $t not found" >&2; exit 2; }
done
OUT=${OUT:-$(mktemp -d -t tui-catalog.XXXXXX)}
mkdir -p "$OUT"
W=$(mktemp -d -t tui-catalog-w.XXXXXX)
S=$W/tmux.sock
STARTED=0
DB=""
URL=${MCPDB_TEST_PGURL:-}

cleanup() {
	set +e
	tmux -S "$S" kill-server >/dev/null 2>&1
	[ -n "$DB" ] && "$PSQL" "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	[ "$STARTED" = 1 ] && sh "$SRV" down --purge --dir "$W/srv" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
ms_now() { echo $(( $(date +%s%N) / 1000 )); }	# microseconds
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pmax() { sort -n | tail -1; }
pmin() { sort -n | head -1; }
screen() { tmux -S "$S" capture-pane -p; }
keys() { tmux -S "$S" send-keys "$@"; }
# wait_screen TEXT SECONDS
wait_screen() {
	local n=$(( $2 * 100 ))
	while [ $n -gt 0 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.01
		n=$((n - 1))
	done
	echo "tui-catalog.sh: timed out waiting for: $1" >&2
	screen >&2
	return 1
}
# wait_log PATTERN COUNT SECONDS: until the log has COUNT lines matching.
wait_log() {
	local n=$(( $3 * 100 ))
	while [ $n -gt 0 ]; do
		[ "$(grep -c -- "$1" "$W/mcpdb.log" 2>/dev/null || true)" -ge "$2" ] && return 0
		sleep 0.01
		n=$((n - 1))
	done
	echo "tui-catalog.sh: timed out waiting for $2 log lines: $1" >&2
	return 1
}

if [ -z "$URL" ]; then
	log "starting a private PostgreSQL and Redis with mcpdb-servers.sh"
	sh "$SRV" up --dir "$W/srv" >"$W/env"
	STARTED=1
	URL=$(sed -n "s/^MCPDB_TEST_PGURL=//p" "$W/env" | sed "s/^'//; s/'\$//")
fi
DB=bench_tui_catalog_$$
"$PSQL" "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null
PG="$URL dbname=$DB"
q() { "$PSQL" "$PG" -XAtqc "$1"; }

log "creating $NTABLES tables"
t0=$(ms_now)
q "CREATE SCHEMA bulk; CREATE SCHEMA app;
   CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE);" >/dev/null
# In batches of 500 (one transaction each: a table takes several locks).
for lo in $(seq 1 500 "$NTABLES"); do
	hi=$((lo + 499)); [ $hi -gt "$NTABLES" ] && hi=$NTABLES
	q "DO \$\$ BEGIN FOR i IN $lo..$hi LOOP
	     EXECUTE format('CREATE TABLE bulk.t%s (id bigserial PRIMARY KEY, name text,
	       created_at timestamptz DEFAULT now())', lpad(i::text, 5, '0'));
	   END LOOP; END \$\$" >/dev/null
done
q "ANALYZE" >/dev/null
log "created in $(( ($(ms_now) - t0) / 1000 )) ms"
NREL=$(q "SELECT count(*) FROM pg_class")
NOBJ=$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname IN ('bulk', 'app', 'public')")

# psql \dt bulk.* for reference (the list only).
for r in $(seq 1 "$ROUNDS"); do
	a=$(ms_now)
	"$PSQL" "$PG" -X -c '\dt bulk.*' >/dev/null
	echo $(( $(ms_now) - a ))
done | awk '{ printf "%.1f\n", $1 / 1000 }' >"$OUT/psql-dt.ms"

# mcpdb in tmux; logs to a file at debug level.
mkdir -p "$W/work"
cat >"$W/run.sh" <<EOF
#!/bin/sh
cd "$W/work" || exit 1
exec "$M" --pg "$PG" --log-level debug --log-file "$W/mcpdb.log"
EOF
tmux -S "$S" -f /dev/null new-session -d -x 120 -y 40 \
	"env LC_ALL=C.UTF-8 TERM=screen XDG_STATE_HOME=$W/state XDG_CONFIG_HOME=$W/config sh '$W/run.sh'"
wait_screen "1 Dashboard" 10
keys 4
wait_log "schema browser: .* objects: catalog queries" 1 60
wait_screen "objects  loaded in" 10
PID=$(pgrep -n -f "$W/mcpdb.log" || true)

# ---- tree reloads
log "tree: $ROUNDS reloads"
for r in $(seq 1 "$ROUNDS"); do
	keys s
	wait_log "schema browser: .* objects: catalog queries" $((r + 1)) 60
done
grep "objects: catalog queries" "$W/mcpdb.log" | tail -n "$ROUNDS" |
	sed 's/.*catalog queries \([0-9.]*\) ms, tree on screen \([0-9.]*\) ms.*/\1 \2/' >"$OUT/tree.ms"
RSS=$(awk '/VmRSS/ { print $2 }' "/proc/$PID/status" 2>/dev/null || echo "?")

# ---- filter keystrokes: in-pane (key to frame) and end to end through tmux
TARGET=$(printf 't%05d' $(( (NTABLES + 1) / 2 )))	# t05000 of 10,000
log "filter: $ROUNDS rounds of /$TARGET and 6 Backspaces"
: >"$OUT/tmux-key.ms"
for r in $(seq 1 "$ROUNDS"); do
	keys /
	wait_screen "/_" 5
	typed=""
	for c in $(echo "$TARGET" | sed 's/./& /g'); do
		typed="$typed$c"
		a=$(ms_now)
		keys "$c"
		wait_screen "/${typed}_" 5
		echo $(( $(ms_now) - a )) >>"$OUT/tmux-key.ms"
	done
	wait_screen "table  $TARGET" 5
	for i in 1 2 3 4 5 6; do
		typed=${typed%?}
		a=$(ms_now)
		keys BSpace
		wait_screen "/${typed}_" 5
		echo $(( $(ms_now) - a )) >>"$OUT/tmux-key.ms"
	done
	keys Escape
	wait_screen "/ filter  Enter open" 5
done
grep "filter keystroke" "$W/mcpdb.log" |
	sed 's/.*filter keystroke "\([^"]*\)": [0-9]* objects -> \([0-9]*\) rows: key to frame \([0-9.]*\) ms (rebuild \([0-9.]*\) ms, draw \([0-9.]*\) ms).*/\1 \2 \3 \4 \5/' \
	>"$OUT/filter.ms"
awk '{ printf "%.2f\n", $1 / 1000 }' "$OUT/tmux-key.ms" >"$OUT/tmux-key-ms.ms"

# ---- details of one table
log "details: $ROUNDS tables"
for r in $(seq 1 "$ROUNDS"); do
	t=$(printf 't%05d' $(( r * 997 % NTABLES + 1 )))
	keys / ; keys "$t" Enter
	wait_log "schema browser: details of bulk.$t" 1 30
	keys Escape 2>/dev/null
	keys /; keys Escape
done
grep "schema browser: details of bulk" "$W/mcpdb.log" | tail -n "$ROUNDS" |
	sed 's/.*queries \([0-9.]*\) ms, on screen \([0-9.]*\) ms.*/\1 \2/' >"$OUT/details.ms"
keys q
sleep 0.5

# ---- report
tq=$(awk '{ print $1 }' "$OUT/tree.ms" | med); tqmin=$(awk '{ print $1 }' "$OUT/tree.ms" | pmin); tqmax=$(awk '{ print $1 }' "$OUT/tree.ms" | pmax)
ts=$(awk '{ print $2 }' "$OUT/tree.ms" | med); tsmin=$(awk '{ print $2 }' "$OUT/tree.ms" | pmin); tsmax=$(awk '{ print $2 }' "$OUT/tree.ms" | pmax)
fk=$(awk '{ print $3 }' "$OUT/filter.ms" | med); fkmax=$(awk '{ print $3 }' "$OUT/filter.ms" | pmax)
fr=$(awk '{ print $4 }' "$OUT/filter.ms" | med); frmax=$(awk '{ print $4 }' "$OUT/filter.ms" | pmax)
fd=$(awk '{ print $5 }' "$OUT/filter.ms" | med); fdmax=$(awk '{ print $5 }' "$OUT/filter.ms" | pmax)
nk=$(wc -l <"$OUT/filter.ms")
tk=$(med <"$OUT/tmux-key-ms.ms"); tkmax=$(pmax <"$OUT/tmux-key-ms.ms")
dq=$(awk '{ print $1 }' "$OUT/details.ms" | med); ds=$(awk '{ print $2 }' "$OUT/details.ms" | med)
pd=$(med <"$OUT/psql-dt.ms")
cat <<EOF
Catalog: $NTABLES tables in schema bulk ($NREL pg_class rows; $NOBJ objects in the tree), PostgreSQL $(q "SHOW server_version"), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg).

| measurement | median | min-max | rounds | target |
|---|---:|---:|---:|---:|
| tree: catalog queries (one round trip) | $tq ms | $tqmin-$tqmax ms | $ROUNDS | |
| tree: asked (s) to installed for the next frame | $ts ms | $tsmin-$tsmax ms | $ROUNDS | < 300 ms |
| filter keystroke: key to frame drawn, in the pane | $fk ms | max $fkmax ms | $nk keys | < 16 ms |
| - of which rebuilding the visible rows | $fr ms | max $frmax ms | | |
| - of which drawing the pane | $fd ms | max $fdmax ms | | |
| filter keystroke end to end via tmux (upper bound) | $tk ms | max $tkmax ms | $(wc -l <"$OUT/tmux-key-ms.ms") keys | |
| details of one table: queries / on screen | $dq / $ds ms | | $ROUNDS | |
| psql \\dt bulk.* (reference, list only) | $pd ms | | $ROUNDS | |
| mcpdb resident memory with the tree loaded | ${RSS} kB | | | |
EOF
log "raw numbers in $OUT"
