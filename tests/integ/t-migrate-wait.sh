#!/bin/sh
# t-migrate-wait.sh - `migrate up --wait SECONDS` (issue 17, item 9): with
# PostgreSQL stopped, up waits and applies once the server is started; gives
# up after SECONDS with one line and a non-zero exit, nothing applied; does
# not wait over what waiting cannot cure (a missing database); without
# --wait fails at once; a bad --wait is a usage error. Uses its own private
# server pair because it stops PostgreSQL.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
S="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
D=$(mktemp -d -t mcpdb-migwait.XXXXXX)
cleanup() {
	[ -n "${BG:-}" ] && kill -9 "$BG" 2>/dev/null
	sh "$S" down --dir "$D" --purge >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
sh "$S" up --dir "$D" >/dev/null 2>"$D.err" || { cat "$D.err"; rm -f "$D.err"; echo "Bail out! cannot start private servers"; exit 1; }
rm -f "$D.err"
PG=$(sed -n "s/^MCPDB_TEST_PGURL='\(.*\)'$/\1/p" "$D/env")
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL PGOPTIONS
export XDG_CONFIG_HOME="$D/xdg" HOME="$D"
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
q() { psql "$PG" -XAtqc "$1" 2>&1; }
mig() { "$M" --pg "$PG" --log-level error migrate "$@"; }

F=$D/m; mkdir -p "$F"
echo "CREATE TABLE w_t (id int);" >"$F/0001_w.up.sql"
echo "DROP TABLE w_t;" >"$F/0001_w.down.sql"

out=$(mig up --dir "$F" --wait soon 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "--wait soon: usage error, one line"
out=$(mig up --dir "$F" --wait -3 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "--wait -3: usage error, one line"
out=$("$M" --pg "$PG dbname=no_such_db_$$" --log-level error migrate up --dir "$F" --wait 20 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "a missing database: exit 1, one line"
like "$out" "no_such_db_$$" "... naming it"
unlike "$out" "did not accept connections" "... without waiting for it"

sh "$S" pg-stop --dir "$D" >/dev/null 2>&1
t0=$(now); out=$(mig up --dir "$F" 2>&1); rc=$?; t1=$(now)
is "$rc:$(lines "$out")" "1:1" "server stopped, no --wait: exit 1, one line"
ok "$( [ "$(ms "$t0" "$t1")" -lt 3000 ]; echo $?)" "... at once ($(ms "$t0" "$t1") ms)"
t0=$(now); out=$(mig up --dir "$F" --wait 2 2>&1); rc=$?; t1=$(now)
w=$(ms "$t0" "$t1")
is "$rc:$(printf '%s\n' "$out" | grep -c '^mcpdb:')" "1:1" "server stopped, --wait 2: exit 1, one error line"
is "$(lines "$out")" "2" "... after one progress line"
like "$out" "did not accept connections within 2 s" "... saying how long it waited: $out"
ok "$( [ "$w" -ge 1900 ] && [ "$w" -lt 6000 ]; echo $?)" "... about 2 s ($w ms)"

t0=$(now)
mig up --dir "$F" --wait 30 >"$D/up.out" 2>"$D/up.err" &
BG=$!
sleep 2
sh "$S" pg-start --dir "$D" >/dev/null 2>&1
wait "$BG"; rc=$?; BG=
t1=$(now)
is "$rc" "0" "--wait 30: applied once the server was started"
like "$(cat "$D/up.out")" "waited" "... and says it waited for the server"
diag "started the server after 2 s; up finished after $(ms "$t0" "$t1") ms"
is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE version = 1 AND state = 'applied'")" "1" "0001 applied"
is "$(q "SELECT count(*) FROM mcpdb.migration_events")" "1" "one event: the refused attempts recorded nothing"
out=$(mig up --dir "$F" --wait 5 2>&1); rc=$?
is "$rc" "0" "--wait on a running server: no delay, nothing to do"
like "$out" "nothing to do" "... up to date"
done_testing
