#!/bin/sh
# t-tui-dash-views.sh - the Dashboard's full-pane views as an operator uses
# them. v: vacuum and wraparound lists the databases with their xid age
# against autovacuum_freeze_max_age, a table's dead rows and "(due)", a
# running VACUUM with its phase, refreshing by itself while open. w: I/O and
# WAL shows the checkpoints, then rates once it has two readings, with a
# table being written to listed with its inserts per second. k on the Redis
# pane: the keyspace sample and the doctor reports. Esc goes back.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"

sql "CREATE TABLE tv (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false);
INSERT INTO tv SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
ANALYZE tv; DELETE FROM tv WHERE id % 4 = 0;" >/dev/null || bail_out "cannot build the table"
i=0
while [ "$(sql "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'tv'")" != 5000 ] && [ $i -lt 50 ]; do
	sleep 0.2; i=$((i + 1))
done

start
wait_for "── Server 15" 15; ok $? "the Dashboard opens"
keys v
wait_for "Vacuum and wraparound" 5; ok $? "v opens the vacuum view"
wait_for "public.tv" 10; ok $? "it lists the tables of the database"
like "$(screen | grep 'public.tv')" " 5000 " "with the table's dead rows"
like "$(screen | grep 'public.tv')" "(due)" "and that autovacuum is due"
like "$(screen)" "autovacuum_freeze_max_age 200000000" "the freeze max age"
like "$(screen)" "$DB" "the databases with their xid age"
# (the list is cluster-wide: other tests' autovacuums may show; ours is "DB tv VACUUM")
wait_re() {
	n=$(( $2 * 20 ))
	while [ "$n" -gt 0 ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.05; n=$((n - 1))
	done
	return 1
}
screen | grep -Eq "$DB +tv +VACUUM"; ok $((1 - $?)) "no vacuum of tv is running yet"

# A slow VACUUM: it shows up on the next read (every 5 s) without a key.
( "$PSQL" "$PG" -qX -c "SET vacuum_cost_delay = '100ms'" -c "SET vacuum_cost_limit = 1" \
	-c "VACUUM tv" >/dev/null 2>&1 ) &
VAC=$!
wait_re "$DB +tv +VACUUM" 15; ok $? "a running VACUUM appears by itself (the view refreshes)"
like "$(screen | grep -E "$DB +tv +VACUUM")" "scanning heap" "with its phase"
sql "SELECT pg_cancel_backend(pid) FROM pg_stat_progress_vacuum WHERE datname = '$DB'" >/dev/null
wait $VAC 2>/dev/null
keys s
n=200
while [ $n -gt 0 ] && screen | grep -Eq "$DB +tv +VACUUM"; do sleep 0.05; n=$((n - 1)); done
ok $([ $n -gt 0 ]; echo $?) "s reads again at once: the cancelled VACUUM is gone"

keys Escape
wait_gone "Vacuum and wraparound" 5; ok $? "Esc goes back to the Dashboard"
wait_for "── Server 15" 5; ok $? "and its server section"

# ---- w: I/O and WAL, with a writer running
( i=1; while [ $i -le 40 ]; do
	echo "INSERT INTO tv SELECT g, 'y' FROM generate_series(100000 + $i * 100, 100000 + $i * 100 + 99) g;"
	sleep 0.25; i=$((i + 1)); done | "$PSQL" "$PG" -qX >/dev/null 2>&1 ) &
WR=$!
keys w
wait_for "I/O and WAL" 5; ok $? "w opens the I/O and WAL view"
wait_for "checkpoints" 10; ok $? "it shows the checkpoints"
wait_for "rates over the last 2 s" 10; ok $? "then rates, from two readings"
wait_for "public.tv" 10; ok $? "the table being written is listed"
like "$(screen | grep 'public.tv')" "/s" "with its writes per second"
like "$(screen)" "WAL" "and the WAL rate"
keys w
wait_gone "I/O and WAL" 5; ok $? "w again closes it"
kill $WR 2>/dev/null
# ---- t: top queries from pg_stat_statements (the harness preloads it)
if "$PSQL" "$PG" -qAtX -c "SHOW shared_preload_libraries" | grep -q pg_stat_statements; then
	keys t
	wait_for "Top queries (pg_stat_statements)" 5; ok $? "t opens the top queries view"
	wait_for "not installed in database $DB" 10; ok $? "without the extension it says how to install it"
	keys t
	sql "CREATE EXTENSION pg_stat_statements" >/dev/null
	( i=0; while [ $i -lt 120 ]; do echo "SELECT count(*) FROM generate_series(1, 100000) g /* mcpdb-tui-top */;"
		sleep 0.1; i=$((i + 1)); done | "$PSQL" "$PG" -qX >/dev/null 2>&1 ) &
	TQ=$!
	keys t
	wait_for "Top statements by total time over the last" 10; ok $? "as deltas between readings"
	keys Escape
	wait_gone "Top queries" 5; ok $? "Esc closes it"
	kill $TQ 2>/dev/null
else
	skip 4 "the harness server does not preload pg_stat_statements"
fi

# ---- k on the Redis pane: keys per database, the sample, the doctor
keys 2
wait_for "[2 Redis]" 5
keys k
wait_for "Redis keyspace" 5; ok $? "k on the Redis pane opens the keyspace view"
wait_for "keys sampled in" 10; ok $? "it samples the keyspace by SCAN"
like "$(screen)" "Databases (INFO keyspace)" "with the keys per database"
keys End; sleep 0.3
like "$(screen)" "LATENCY DOCTOR" "and, at the end, the doctor reports"
keys Escape
wait_gone "Redis keyspace" 5; ok $? "Esc goes back to the Redis pane"
keys q
wait_for "EXITED 0" 5; ok $? "q quits"
done_testing
