#!/bin/sh
# t-pg-session.sh - `mcpdb pg session PID` as an operator uses it, on the
# harness server, as a pg_monitor role that is not a superuser: a session
# waiting on another's row lock shows its whole query, who blocks it, the
# lock it waits for (WAITING ShareLock on the other's xid) and the locks it
# holds; --explain gives the plan of a read and of a write without running
# either (the row is unchanged); --analyze runs a read after the answer and
# is refused for a write, a utility statement, several statements and $N
# parameters on PostgreSQL 15; a gone pid and a bad pid are one-line errors.
# The blocked UPDATE is never executed by the EXPLAIN, even while it waits.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
case $MCPDB_TEST_PGURL in
*://*) skip_all "MCPDB_TEST_PGURL is a URI; the role tests need keyword form" ;;
esac
PG=$MCPDB_TEST_PGURL
D=$(mktemp -d -t mcpdb-pgsess.XXXXXX)
T=ps_$$
MON=ps_mon_$$
APPR=ps_app_$$
PIDS=""
q() { psql -X -A -t -q "$PG" -c "$1" 2>/dev/null; }
cleanup() {
	[ -n "${S:-}" ] && tmux -S "$S" kill-server >/dev/null 2>&1
	q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '$T-%'" >/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	q "DROP TABLE IF EXISTS $T" >/dev/null
	q "DROP ROLE IF EXISTS $MON" >/dev/null
	q "DROP ROLE IF EXISTS $APPR" >/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config" HOME="$D"
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

q "CREATE ROLE $APPR LOGIN PASSWORD 'pw'" >/dev/null
q "CREATE ROLE $MON LOGIN PASSWORD 'pw' IN ROLE pg_monitor" >/dev/null
q "CREATE TABLE $T (id int PRIMARY KEY, v int); INSERT INTO $T SELECT g, 0 FROM generate_series(1, 100) g; GRANT SELECT, UPDATE ON $T TO $APPR; GRANT SELECT ON $T TO $MON" >/dev/null
ok $? "a table and two roles (plain, pg_monitor)"
export PGPASSWORD=pw
APG="$PG user=$APPR"
MPG="$PG user=$MON"
s() { "$M" --pg "$MPG" pg session "$@"; }

pid_of() {
	n=100
	while [ $n -gt 0 ]; do
		p=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05; n=$((n - 1))
	done
	return 1
}
# A holds row 1 in an open transaction; B's UPDATE of it waits.
printf 'BEGIN;\nUPDATE %s SET v = 1 WHERE id = 1;\nSELECT pg_sleep(120);\n' "$T" |
	PGAPPNAME=$T-a psql -X -q "$APG" >/dev/null 2>&1 &
PIDS="$PIDS $!"
A=$(pid_of "$T-a")
while [ "$(q "SELECT wait_event FROM pg_stat_activity WHERE pid = $A")" != PgSleep ]; do sleep 0.05; done
PGAPPNAME=$T-b psql -X -q "$APG" -c "UPDATE $T SET v = 2 WHERE id = 1 /* b's */" >/dev/null 2>&1 &
PIDS="$PIDS $!"
B=$(pid_of "$T-b")
n=100
while [ "$(q "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $B")" != Lock ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
ok "$([ -n "$A" ] && [ -n "$B" ]; echo $?)" "A ($A) holds the row, B ($B) waits for it"

out=$(s "$B"); is "$?" 0 "pg session B exits 0"
like "$out" "session $B  user $APPR  application $T-b" "names the session, its user and application"
like "$out" "waits on Lock:transactionid" "its wait"
like "$out" "blocked by $A" "who blocks it"
like "$out" "UPDATE $T SET v = 2 WHERE id = 1 /* b's */" "its whole query"
like "$out" "WAITING  ShareLock" "the lock it waits for"
like "$(echo "$out" | grep WAITING)" "xid " "on A's transaction id"
like "$out" "held     RowExclusiveLock         relation       public.$T" "the table lock it holds, by name"
unlike "$out" "pw" "no password in the output"

json=$(s "$B" --json); is "$?" 0 "--json exits 0"
is "$(printf '%s' "$json" | js 'd["pid"], d["blocked_by"], any((not l["granted"]) and l["mode"] == "ShareLock" and l["wait_s"] is not None for l in d["locks"]), d["plan"]')" \
	"$B [$A] True None" "--json: pid, blocked_by, the awaited lock with its wait time, no plan"

out=$(s "$B" --explain 2>&1); rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "--explain of an UPDATE the monitor role may not run: refused by the server (exit $rc)"
like "$out" "permission denied for table $T (EXPLAIN needs the privileges the statement itself needs" "with what to do"
q "GRANT UPDATE ON $T TO $MON" >/dev/null
# The plan of B's (blocked) UPDATE: nothing runs, so nothing waits or changes.
t0=$(date +%s%N)
out=$(s "$B" --explain 2>&1); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$rc" 0 "--explain of the blocked UPDATE exits 0"
like "$out" "Update on $T" "and shows its plan"
ok "$([ $ms -lt 3000 ]; echo $?)" "at once, not queued behind A's lock ($ms ms)"
is "$(q "SELECT v FROM $T WHERE id = 1")" 0 "the row is unchanged: A's update is uncommitted and B's never ran"

out=$(s "$B" --analyze --yes 2>&1); rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "--analyze of an UPDATE is refused (exit $rc)"
like "$out" "EXPLAIN ANALYZE would run this UPDATE, which writes or locks rows" "saying why"

# Reads: EXPLAIN and, after the answer, EXPLAIN ANALYZE.
PGAPPNAME=$T-r psql -X -q "$APG" -c "SELECT count(*), pg_sleep(60) FROM $T WHERE v >= 0" >/dev/null 2>&1 &
PIDS="$PIDS $!"
R=$(pid_of "$T-r")
while [ "$(q "SELECT wait_event FROM pg_stat_activity WHERE pid = $R")" != PgSleep ]; do sleep 0.05; done
out=$(s "$R" --explain); is "$?" 0 "--explain of a running SELECT exits 0"
like "$out" "Seq Scan on $T" "with its plan"
out=$(s "$R" --analyze --timeout 500 </dev/null 2>&1); rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "--analyze without an answer is refused (exit $rc)"
unlike "$out" "actual time" "and nothing ran"
out=$(s "$R" --analyze --yes --timeout 500 2>&1); rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "--analyze --yes runs it, and the 500 ms statement_timeout ends its pg_sleep(60) (exit $rc)"
like "$out" "canceling statement due to statement timeout" "saying so"

# Refusals from the statement's own text.
PGAPPNAME=$T-u psql -X -q "$APG" -c "SELECT 1; SELECT pg_sleep(60)" >/dev/null 2>&1 &
PIDS="$PIDS $!"
U=$(pid_of "$T-u")
while [ "$(q "SELECT wait_event FROM pg_stat_activity WHERE pid = $U")" != PgSleep ]; do sleep 0.05; done
out=$(s "$U" --explain 2>&1); ok "$([ $? -ne 0 ]; echo $?)" "several statements: refused"
like "$out" "several statements" "naming why"
cat >"$D/p.sql" <<EOS
PREPARE q(int) AS SELECT v, pg_sleep(60) FROM $T WHERE id = \$1;
EXECUTE q(1);
EOS
PGAPPNAME=$T-p psql -X -q "$APG" -f "$D/p.sql" >/dev/null 2>&1 &
PIDS="$PIDS $!"
P=$(pid_of "$T-p")
while [ "$(q "SELECT wait_event FROM pg_stat_activity WHERE pid = $P")" != PgSleep ]; do sleep 0.05; done
out=$(s "$P" --explain 2>&1); ok "$([ $? -ne 0 ]; echo $?)" "EXECUTE of another session's prepared statement: refused"
like "$out" "EXPLAIN cannot plan a EXECUTE statement" "naming the statement kind"
# $N parameters: pgbench -M extended sends them, pg_stat_activity shows "$1".
PGBENCH=$(command -v pgbench || true)
[ -z "$PGBENCH" ] && [ -n "${MCPDB_TEST_PGBIN:-}" ] && [ -x "$MCPDB_TEST_PGBIN/pgbench" ] && PGBENCH=$MCPDB_TEST_PGBIN/pgbench
if [ -z "$PGBENCH" ]; then
	skip "pgbench is not installed: no \$N parameter query to explain"
	skip "pgbench is not installed"
else
	printf '\\set id 1\nSELECT v, pg_sleep(60) FROM %s WHERE id = :id;\n' "$T" >"$D/b.sql"
	PGAPPNAME=$T-x "$PGBENCH" -n -M extended -c 1 -t 1 -f "$D/b.sql" "$APG" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	X=$(pid_of "$T-x")
	n=100
	while [ "$(q "SELECT wait_event FROM pg_stat_activity WHERE pid = $X")" != PgSleep ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
	like "$(q "SELECT query FROM pg_stat_activity WHERE pid = $X")" 'id = $1' "a session runs a query with \$1 ($X)"
	out=$(s "$X" --explain 2>&1); rc=$?
	if [ "$(q "SHOW server_version_num")" -lt 160000 ]; then
		like "$out" "cannot plan it without them (16+ can: EXPLAIN (GENERIC_PLAN))" "\$N parameters on PostgreSQL 15: refused, saying what 16 adds (exit $rc)"
	else
		like "$out" "a generic plan" "\$N parameters on PostgreSQL 16+: a generic plan (exit $rc)"
	fi
fi

out=$(s 999999 2>&1); rc=$?
is "$rc" 1 "a pid that is not on the server: exit 1"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "one line"
like "$out" "session 999999 is not on the server" "naming the pid"
out=$(s abc 2>&1); is "$?" 2 "a pid that is not a number: a usage error (exit 2)"
like "$out" 'expected a backend pid (a positive number), got "abc"' "saying what was expected"
is "$(q "SELECT count(*) FROM $T WHERE v <> 0")" 0 "nothing in the table changed"

# ---- the same in the Dashboard: Enter on a session, e, a
if ! command -v tmux >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do skip "tmux is not installed"; done
	done_testing
	exit 0
fi
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=150 ROWS=45
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$MPG" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
start
wait_for "── Server 15" 15; ok $? "the Dashboard opens (as the pg_monitor role)"
sleep 3	# a few refreshes of wait samples
keys / ; keys -l "$T-b"; keys Enter
wait_for "$T-b" 5
keys Enter
wait_for "Wait history" 10; ok $? "Enter opens B's detail"
scr=$(screen)
like "$scr" "blocked by $A" "it names the blocker"
like "$scr" "WAITING  ShareLock" "and the lock B waits for"
like "$scr" "Lock:transactionid" "the wait history shows the lock wait the Dashboard sampled"
like "$scr" "UPDATE $T SET v = 2 WHERE id = 1" "and B's query"
keys e
wait_for "Plan (EXPLAIN: nothing ran)" 10; ok $? "e plans B's UPDATE"
like "$(screen)" "Update on $T" "the plan is on screen"
is "$(q "SELECT v FROM $T WHERE id = 1")" 0 "and nothing ran"
keys a
wait_for "EXPLAIN ANALYZE would run this UPDATE" 5; ok $? "a on a write is refused at once, saying why"
unlike "$(screen)" "EXPLAIN ANALYZE (read-only" "without asking anything"
keys Escape; wait_gone "Wait history" 5; ok $? "Esc closes the detail"
# a on a read asks first; declined, nothing runs; confirmed, it runs bounded.
keys / ; keys C-u; keys -l "$T-r"; keys Enter
wait_for "$T-r" 5
keys Enter
wait_for "Wait history" 10; ok $? "Enter opens the reader's detail"
keys a
wait_for "EXPLAIN ANALYZE (read-only" 5; ok $? "a asks before running the query"
keys n
wait_gone "EXPLAIN ANALYZE (read-only" 5
sleep 0.5
unlike "$(screen)" "Plan (EXPLAIN ANALYZE" "declined: nothing ran"
keys a; wait_for "EXPLAIN ANALYZE (read-only" 5; keys y
wait_for "statement timeout" 10; ok $? "confirmed: it ran, and the 5 s statement_timeout ended its pg_sleep(60)"
keys Escape; wait_gone "Wait history" 5
keys q; wait_for "EXITED 0" 5; ok $? "q quits"
done_testing
