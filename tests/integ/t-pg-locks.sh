#!/bin/sh
# t-pg-locks.sh - the lock tree as an operator uses it, on the harness
# server: three psql sessions build a blocking chain (A holds a row lock in
# an open transaction, B's UPDATE of that row waits on A, C's waits on B);
# `mcpdb pg locks` and its --json show C under B under A, run as a pg_monitor
# role that is not a superuser; then the Dashboard's lock tree (L) in tmux
# shows the same chain, declining the terminate of A does nothing, and
# confirming it ends A's backend (and so the chain).
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
case $MCPDB_TEST_PGURL in
*://*) skip_all "MCPDB_TEST_PGURL is a URI; the role tests need keyword form" ;;
esac
PG=$MCPDB_TEST_PGURL
D=$(mktemp -d -t mcpdb-pglocks.XXXXXX)
T=lk_$$
MON=lk_mon_$$
APPR=lk_app_$$
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

# The chain's sessions belong to a plain role: a pg_monitor role with
# pg_signal_backend may signal them (never a superuser's).
q "CREATE ROLE $APPR LOGIN PASSWORD 'pw'" >/dev/null
q "CREATE ROLE $MON LOGIN PASSWORD 'pw' IN ROLE pg_monitor, pg_signal_backend" >/dev/null
q "CREATE TABLE $T (id int PRIMARY KEY, v int); INSERT INTO $T VALUES (1, 0); GRANT SELECT, UPDATE ON $T TO $APPR" >/dev/null
ok $? "a table and two roles (plain, pg_monitor) for the chain"
# the password in the environment, not on the command line
export PGPASSWORD=pw
APG="$PG user=$APPR"
MPG="$PG user=$MON"
sup=$(psql -X -A -t -q "$MPG" -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
is "$sup" f "mcpdb runs as a role that is not a superuser"

out=$("$M" --pg "$MPG" pg locks); is "$?" 0 "pg locks with nobody waiting exits 0"
is "$out" "no session waits on a lock" "and says nobody waits"

# pid_of APP: the pid of the session with that application_name.
pid_of() {
	n=100
	while [ $n -gt 0 ]; do
		p=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05; n=$((n - 1))
	done
	return 1
}
# waiting APP: wait until that session waits on a lock.
waiting() {
	n=100
	while [ $n -gt 0 ]; do
		w=$(q "SELECT wait_event_type FROM pg_stat_activity WHERE application_name = '$1'")
		[ "$w" = Lock ] && return 0
		sleep 0.05; n=$((n - 1))
	done
	return 1
}
# chain: A holds the row, B and C queue behind it; sets A, B, C (pids).
chain() {
	printf 'BEGIN;\nUPDATE %s SET v = 1 WHERE id = 1;\nSELECT pg_sleep(120);\n' "$T" |
		PGAPPNAME=$T-a psql -X -q "$APG" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	A=$(pid_of "$T-a")
	while [ "$(q "SELECT wait_event FROM pg_stat_activity WHERE pid = $A")" != PgSleep ]; do
		sleep 0.05
	done
	PGAPPNAME=$T-b psql -X -q "$APG" -c "UPDATE $T SET v = 2 WHERE id = 1" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	waiting "$T-b"
	B=$(pid_of "$T-b")
	PGAPPNAME=$T-c psql -X -q "$APG" -c "UPDATE $T SET v = 3 WHERE id = 1" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	waiting "$T-c"
	C=$(pid_of "$T-c")
}
chain
ok "$([ -n "$A" ] && [ -n "$B" ] && [ -n "$C" ] && echo 0 || echo 1)" "a chain of three sessions: A $A, B $B, C $C"

out=$("$M" --pg "$MPG" pg locks); is "$?" 0 "pg locks exits 0"
like "$out" "2 sessions waiting on a lock, behind 1 blocker at the root" "the summary line counts waiters and roots"
la=$(echo "$out" | grep -E "^$A ")
lb=$(echo "$out" | grep -E "^\`- $B ")
lc=$(echo "$out" | grep -E "^   \`- $C ")
like "$la" "$T-a" "A is a root (not indented), with its application"
like "$la" "active" "and its state (active: in pg_sleep)"
like "$lb" "ShareLock (transactionid)" "B, under A, waits for A's transaction id"
like "$lb" "$T" "on the table (the tuple lock it holds names it)"
like "$lb" "UPDATE $T SET v = 2" "with the start of its query"
like "$lc" "(tuple)" "C, under B, waits for the row's tuple lock"
like "$lc" "$APPR" "with its user"
first=$(echo "$out" | grep -nE "^$A " | cut -d: -f1)
last=$(echo "$out" | grep -nE "\`- $C " | cut -d: -f1)
ok "$([ "$first" -lt "$last" ] && echo 0 || echo 1)" "depth first: A before C"
unlike "$out" "password" "no password in the output"

j=$("$M" --pg "$MPG" --json pg locks); is "$?" 0 "pg locks --json exits 0"
shape=$(echo "$j" | js "d['waiters'], len(d['roots']), d['roots'][0]['pid'], d['roots'][0]['blocked'][0]['pid'], d['roots'][0]['blocked'][0]['blocked'][0]['pid'], len(d['roots'][0]['blocked'][0]['blocked'][0]['blocked'])")
is "$shape" "2 1 $A $B $C 0" "--json: one root A, B under A, C under B, nothing under C"
f=$(echo "$j" | js "d['roots'][0]['blocked'][0]['lock_mode'], d['roots'][0]['blocked'][0]['lock_type'], d['roots'][0]['blocked'][0]['waiting'], d['roots'][0]['blocked'][0]['wait_s'] >= 0, d['roots'][0]['blocked'][0]['application'], d['roots'][0]['waiting'], d['roots'][0]['lock_mode']")
is "$f" "ShareLock transactionid True True $T-b False None" "--json: B's lock, wait and application; A waits on nothing"

# ---- the Dashboard's lock tree
if ! command -v tmux >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do skip "tmux is not installed"; done
	done_testing
	exit 0
fi
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=140 ROWS=40
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$MPG" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
start
wait_for "── Server 15" 15; ok $? "the Dashboard opens (as the pg_monitor role)"
keys L
wait_for "Lock tree" 5; ok $? "L opens the lock tree"
wait_for "$C" 5
scr=$(screen)
echo "$scr" | grep -qE "$A .*$T-a"; ok $? "A is on screen"
echo "$scr" | grep -qE "└─ $B .*ShareLock"; ok $? "B under A, with its lock"
echo "$scr" | grep -qE "   └─ $C .*tuple"; ok $? "C under B"
like "$scr" "5 statements in" "the refresh with the tree open costs 5 statements"
keys K
wait_for "TERMINATE backend $A" 5; ok $? "K on the root asks before terminating A"
keys n
wait_gone "TERMINATE backend" 5
sleep 0.5
is "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $A")" 1 "declined: A is still there"
keys K; wait_for "TERMINATE backend $A" 5; keys y
wait_for "backend $A terminated" 10; ok $? "confirmed: A terminated"
is "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $A")" 0 "psql agrees: A's backend is gone"
wait_for "no session waits on a lock" 10; ok $? "the chain has dissolved on screen"
keys Escape; wait_gone "Lock tree" 5; ok $? "Esc closes the lock tree"
keys q; wait_for "EXITED 0" 5; ok $? "q quits"
done_testing
