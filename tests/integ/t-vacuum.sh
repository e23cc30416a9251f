#!/bin/sh
# t-vacuum.sh - `mcpdb vacuum status` on a real server: a table with
# deleted rows and autovacuum off shows its dead rows, the threshold at
# which autovacuum would pick it up (due), an estimated bloat near the
# deleted share, its last analyze; a session idle in a transaction is named
# as the oldest xmin horizon; a slow VACUUM shows as running with its phase
# and progress; --json carries the same numbers; every database is listed
# with its xid age and the ratios match the server's own age(); exit 0 when
# nothing is due; a bad --limit is a usage error.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (needed to read the JSON)"
PSQL=psql
[ -n "${MCPDB_TEST_PGBIN:-}" ] && [ -x "$MCPDB_TEST_PGBIN/psql" ] && PSQL=$MCPDB_TEST_PGBIN/psql
DB=mcpdb_t_vacuum_$$
D=$(mktemp -d -t mcpdb-vacuum.XXXXXX)
BG=""
cleanup() {
	for p in $BG; do kill "$p" 2>/dev/null; done
	"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE $DB" >/dev/null || bail_out "cannot create $DB"
URL="$MCPDB_TEST_PGURL dbname=$DB"
case $MCPDB_TEST_PGURL in *://*) URL=$(echo "$MCPDB_TEST_PGURL" | sed "s|/[^/?]*\(?\|$\)|/$DB\1|") ;; esac
q() { "$PSQL" -X -qAt -d "$URL" -c "$1"; }
unset MCPDB_CONFIG MCPDB_TARGET
export XDG_CONFIG_HOME="$D/xdg"
m() { "$M" --pg "$URL" --log-level error "$@"; }
js() { python3 -c "import json,sys; d=json.load(open('$D/out.json')); print($1)"; }

q "CREATE TABLE vt (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false);
INSERT INTO vt SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
ANALYZE vt; DELETE FROM vt WHERE id % 2 = 0;" >/dev/null || bail_out "cannot build the table"
# Backends report their counters at most once a second: wait for them.
i=0
while [ "$(q "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'vt'")" != 10000 ] && [ $i -lt 50 ]; do
	sleep 0.2; i=$((i + 1))
done

out=$(m vacuum status 2>&1); rc=$?
is "$rc" 0 "vacuum status: exit 0 when no database is due"
like "$out" "Databases (autovacuum_freeze_max_age 200000000" "it names the freeze max age"
like "$out" "$DB " "every database is listed, ours too"
row=$(echo "$out" | grep '^ *public.vt ')
like "$row" " 10000 " "public.vt: its 10,000 dead rows"
like "$row" "(due)" "past the autovacuum threshold: due"
like "$row" "never" "never vacuumed"
# (the list is cluster-wide: other tests' autovacuums may show; not ours)
echo "$out" | grep -q " vt .*VACUUM"; ok $((1 - $?)) "no vacuum of public.vt running yet"

m --json vacuum status >"$D/out.json" 2>"$D/err"; rc=$?
is "$rc" 0 "--json: exit 0"
is "$(js "[t for t in d['tables'] if t['table']=='public.vt'][0]['dead_rows']")" 10000 "--json: dead rows"
is "$(js "[t for t in d['tables'] if t['table']=='public.vt'][0]['autovacuum_due']")" True "--json: due"
thr=$(js "[t for t in d['tables'] if t['table']=='public.vt'][0]['autovacuum_threshold']")
is "$thr" "$(q "SELECT (50 + 0.2 * reltuples)::bigint FROM pg_class WHERE relname = 'vt'")" \
	"the threshold is autovacuum_vacuum_threshold + scale_factor x reltuples"
bloat=$(js "[t for t in d['tables'] if t['table']=='public.vt'][0]['est_bloat_bytes']")
size=$(q "SELECT pg_relation_size('vt')")
ok "$(python3 -c "print(0 if 0.35 * $size <= $bloat <= 0.65 * $size else 1)")" \
	"estimated bloat about half the heap: $bloat of $size bytes"
# (read after mcpdb's: other tests' transactions only make the age grow)
age=$(js "[x['xid_age'] for x in d['databases'] if x['name']=='$DB'][0]")
sage=$(q "SELECT age(datfrozenxid) FROM pg_database WHERE datname = '$DB'")
ok "$([ "$age" -gt 0 ] && [ "$age" -le "$sage" ] && [ $((sage - age)) -lt 100000 ] && echo 0 || echo 1)" \
	"a database's xid age is age(datfrozenxid) ($age, then $sage)"
is "$(js "d['level']")" ok "--json level ok"

# -- the oldest xmin horizon: a session idle in a transaction that took a snapshot
mkfifo "$D/hold"
( "$PSQL" -X -qAt -d "$URL" <"$D/hold" >/dev/null 2>&1 ) &
BG="$BG $!"
exec 7>"$D/hold"
printf "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM vt; SELECT txid_current();\n" >&7
i=0
while [ -z "$(q "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND state = 'idle in transaction' AND backend_xmin IS NOT NULL")" ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
hpid=$(q "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND state = 'idle in transaction'")
q "SELECT txid_current()" >/dev/null; q "SELECT txid_current()" >/dev/null
out=$(m vacuum status 2>&1)
# (cluster-wide: an older snapshot of another test may be the oldest; never a younger one)
mine=$(q "SELECT age(backend_xmin) FROM pg_stat_activity WHERE pid = $hpid")
m --json vacuum status >"$D/out.json" 2>/dev/null
is "$(js "d['xmin_horizon']['kind']")" session "a session idle in a transaction holds the xmin horizon"
ok "$(js "0 if d['xmin_horizon']['age'] >= $mine else 1")" \
	"its age is at least our session's ($(js "d['xmin_horizon']['age']") >= $mine)"
if [ "$(js "d['xmin_horizon']['holder']")" = "$hpid" ]; then
	like "$out" "Oldest xmin: session $hpid holds back" "the text names it"
else
	like "$out" "Oldest xmin: session " "the text names the oldest session"
fi

# -- a running VACUUM, slowed by cost-based delay, with phase and progress
( "$PSQL" -X -q -d "$URL" -c "SET vacuum_cost_delay = '100ms'" -c "SET vacuum_cost_limit = 1" \
	-c "VACUUM vt" >/dev/null 2>&1 ) &
BG="$BG $!"
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_progress_vacuum WHERE datname = '$DB'")" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
out=$(m vacuum status 2>&1)
unlike "$out" "Running vacuums: none" "a running VACUUM is listed"
row=$(echo "$out" | grep " vt .*VACUUM")
like "$row" "$DB" "with its database"
like "$row" "VACUUM" "its kind (manual)"
echo "$row" | grep -Eq "scanning heap|vacuuming indexes|vacuuming heap|initializing|cleaning up indexes|truncating heap|performing final cleanup"
ok $? "and its phase: $row"
m --json vacuum status >"$D/out.json" 2>/dev/null
is "$(js "[r['table'] for r in d['running'] if r['database']=='$DB'][0]")" vt "--json: the running vacuum's table"
q "SELECT pg_cancel_backend(pid) FROM pg_stat_progress_vacuum WHERE datname = '$DB'" >/dev/null
printf "ROLLBACK;\n" >&7
exec 7>&-

# -- bad input
out=$(m vacuum status --limit 0 2>&1); rc=$?
is "$rc" 2 "--limit 0: usage error"
like "$out" "--limit" "naming the option"
out=$(m vacuum status extra 2>&1); rc=$?
is "$rc" 2 "an extra argument: usage error"
done_testing
