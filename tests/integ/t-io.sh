#!/bin/sh
# t-io.sh - `mcpdb io status` on a real server: with a writer inserting and
# updating during the interval, the table shows up with its inserts and
# updates per second, WAL bytes per second is positive, a forced
# CHECKPOINT counts as requested, temp files written by a sort count, the
# database size is the server's; --json carries the same; --interval and
# --limit are checked; SIGTERM during the interval exits 143 at once.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (needed to read the JSON)"
PSQL=psql
[ -n "${MCPDB_TEST_PGBIN:-}" ] && [ -x "$MCPDB_TEST_PGBIN/psql" ] && PSQL=$MCPDB_TEST_PGBIN/psql
DB=mcpdb_t_io_$$
D=$(mktemp -d -t mcpdb-io.XXXXXX)
BG=""
cleanup() {
	for p in $BG; do kill "$p" 2>/dev/null; done
	"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE $DB" >/dev/null || bail_out "cannot create $DB"
URL="$MCPDB_TEST_PGURL dbname=$DB"
q() { "$PSQL" -X -qAt -d "$URL" -c "$1"; }
unset MCPDB_CONFIG MCPDB_TARGET
export XDG_CONFIG_HOME="$D/xdg"
m() { "$M" --pg "$URL" --log-level error "$@"; }
js() { python3 -c "import json,sys; d=json.load(open('$D/out.json')); print($1)"; }
q "CREATE TABLE busy (id int PRIMARY KEY, n int); CREATE TABLE busy2 (id int PRIMARY KEY, n int);
CREATE TABLE quiet (id int)" >/dev/null

# A writer for ~6 s, one session: inserts and updates every 0.2 s; idle in
# between, so its counters reach the statistics (at most once a second).
i=1
while [ $i -le 30 ]; do
	echo "INSERT INTO busy SELECT g, 0 FROM generate_series($i * 1000, $i * 1000 + 199) g;"
	echo "UPDATE busy SET n = n + 1 WHERE id BETWEEN $i * 1000 AND $i * 1000 + 99;"
	i=$((i + 1))
done >"$D/writer.sql"
( while read -r a && read -r b; do echo "$a"; echo "$b"; sleep 0.2; done <"$D/writer.sql" |
	"$PSQL" -X -q -d "$URL" >/dev/null 2>&1 ) &
BG="$BG $!"
sleep 0.5
m --json io status --interval 3 >"$D/out.json" 2>"$D/err"; rc=$?
is "$rc" 0 "io status --json: exit 0"
is "$(js "d['database']")" "$DB" "it names the database"
is "$(js "[t['table'] for t in d['tables']][0]")" public.busy "the busy table leads the writes"
ok "$(js "0 if [t for t in d['tables'] if t['table']=='public.busy'][0]['inserts_per_s'] > 100 else 1")" \
	"with its inserts per second ($(js "[t for t in d['tables'] if t['table']=='public.busy'][0]['inserts_per_s']"))"
ok "$(js "0 if [t for t in d['tables'] if t['table']=='public.busy'][0]['updates_per_s'] > 50 else 1")" \
	"and updates per second"
is "$(js "len([t for t in d['tables'] if t['table']=='public.quiet'])")" 0 "a table nobody writes is not listed"
ok "$(js "0 if d['rates']['wal_bytes_per_s'] > 0 else 1")" "WAL bytes per second ($(js "d['rates']['wal_bytes_per_s']"))"
ok "$(js "0 if abs(d['database_size_bytes'] - $(q "SELECT pg_database_size('$DB')")) < 4 * 1048576 else 1")" \
	"the database size is the server's (within what the writer added since)"
ok "$(js "0 if 2.5 < d['rates']['interval_s'] < 4.5 else 1")" "the interval is about 3 s ($(js "d['rates']['interval_s']"))"

# Requested checkpoints and temp files, in text.
req0=$(q "SELECT checkpoints_req FROM pg_stat_bgwriter")
sed 's/busy/busy2/' "$D/writer.sql" >"$D/writer2.sql"
( while read -r a && read -r b; do echo "$a"; echo "$b"; sleep 0.2; done <"$D/writer2.sql" |
	"$PSQL" -X -q -d "$URL" >/dev/null 2>&1 ) &
BG="$BG $!"
( sleep 0.5; q "CHECKPOINT" >/dev/null
  "$PSQL" -X -q -d "$URL" -c "SET work_mem = '64kB'" -c "SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s" >/dev/null 2>&1 ) &
BG="$BG $!"
out=$(m io status --interval 2 2>&1); rc=$?
is "$rc" 0 "io status: exit 0"
# (other tests may checkpoint the shared server too: at least one more)
req=$(echo "$out" | sed -n 's/.* timed, \([0-9]*\) requested.*/\1/p')
ok "$([ "${req:-0}" -gt "$req0" ] && echo 0 || echo 1)" "a CHECKPOINT counts as requested ($req0 -> $req)"
like "$out" "checkpointer " "buffers written by the checkpointer, bgwriter and backends"
line=$(echo "$out" | grep 'temporary files')
unlike "$line" "| 0.0/s files" "a sort spilling to disk shows temporary files: $line"
like "$out" "Tables of $DB with the most writes per second:" "the table list"

# Options and interruption.
out=$(m io status --interval 0 2>&1); rc=$?
is "$rc" 2 "--interval 0: usage error"
out=$(m io status --limit x 2>&1); rc=$?
is "$rc" 2 "--limit x: usage error"
# (SIGTERM: a background job of a script has SIGINT ignored.)
t0=$(date +%s)
m io status --interval 30 >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid; rc=$?
is "$rc" 143 "SIGTERM during the interval: exit 143"
ok "$([ $(( $(date +%s) - t0 )) -lt 5 ] && echo 0 || echo 1)" "promptly, not after the 30 s interval"
done_testing
