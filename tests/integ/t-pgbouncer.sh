#!/bin/sh
# t-pgbouncer.sh - a target pointing at PgBouncer in transaction pooling mode
# (issue 12, item 4): health, doctor and migrate status work through it,
# seed load works (one transaction, a transaction-scoped lock); migrate
# up/down refuse clearly, because the migration lock is a session-level
# advisory lock that transaction pooling does not keep: two concurrent
# runners through the real PgBouncer both refuse and nothing is applied.
# Its admin console as a target: health shows SHOW POOLS and SHOW STATS,
# and so does the TUI Dashboard.
# Own private servers (mcpdb-servers.sh) + tests/harness/pgbouncer.sh.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV=$MCPDB_SRCDIR/src/mcpdb-servers.sh
PGB=$MCPDB_SRCDIR/tests/harness/pgbouncer.sh
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (integration runs only)"
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] ||
	skip_all "pgbouncer is not installed (Debian package pgbouncer)"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-pgb.XXXXXX") || exit 1
chmod 755 "$SD"
W=$(mktemp -d "$base/mcpdb-pgb-w.XXXXXX") || exit 1
D=$W
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
cleanup() {
	tui_kill
	sh "$PGB" stop --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGAPPNAME
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
PG=$MCPDB_TEST_PGURL
out=$(sh "$PGB" up --dir "$SD"); rc=$?
is "$rc" 0 "PgBouncer started in transaction pooling mode"
eval "$out"
is "$(psql -X -Atc 'SHOW CONFIG' "$PGB_ADMIN_URL" 2>/dev/null | grep '^pool_mode|' | cut -d'|' -f2)" transaction \
	"... its admin console says pool_mode transaction"

out=$("$M" --log-level error --pg "$PGB_URL" health 2>&1); rc=$?
is "$rc" 0 "health through PgBouncer: healthy (exit $rc)"
like "$out" "postgresql  | up     | PostgreSQL 15" "... PostgreSQL up behind it"
out=$("$M" --log-level error --json --pg "$PGB_URL" doctor 2>&1)
like "$out" '"check":	"server role"' "doctor runs through PgBouncer"
out=$("$M" --log-level error --pg "$PGB_URL" migrate status 2>&1); rc=$?
like "$out" "pending" "migrate status through PgBouncer lists the pending migrations"

# Two runners at once through PgBouncer: both refuse, nothing is applied.
"$M" --log-level error --pg "$PGB_URL" migrate up >"$W/a.out" 2>&1 &
pa=$!
"$M" --log-level error --pg "$PGB_URL" migrate up >"$W/b.out" 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
[ "$ra" -ne 0 ] && [ "$rb" -ne 0 ]; ok $? "two concurrent migrate up through PgBouncer both refuse (exit $ra, $rb)"
like "$(cat "$W/a.out")" "through a connection pooler (PgBouncer?): the migration lock is a session-level advisory lock" "... runner 1 says why"
like "$(cat "$W/b.out")" "point the target at PostgreSQL itself for migrations" "... runner 2 says what to do"
is "$(psql -X -Atc "SELECT count(*) FROM pg_namespace WHERE nspname IN ('mcpdb', 'analytics')" "$PG")" 0 \
	"... and nothing was applied (no ledger, no schema)"

# Applied directly, then status and seed load through PgBouncer.
out=$("$M" --log-level error --pg "$PG" migrate up 2>&1); rc=$?
is "$rc" 0 "migrate up straight to PostgreSQL works (exit $rc)"
out=$("$M" --log-level error --pg "$PGB_URL" migrate status 2>&1); rc=$?
like "$out" "8 applied" "migrate status through PgBouncer sees them"
out=$("$M" --log-level error --pg "$PGB_URL" migrate down --yes 2>&1); rc=$?
[ "$rc" -ne 0 ]; ok $? "migrate down through PgBouncer refuses too, with one to roll back (exit $rc)"
like "$out" "through a connection pooler" "... with the same reason"
is "$(psql -X -Atc "SELECT count(*) FROM mcpdb.migrations WHERE state = 'applied'" "$PG")" 8 "... and rolled nothing back"
out=$("$M" --log-level error --pg "$PGB_URL" seed load demo --dir "$MCPDB_SRCDIR/seeds" --yes 2>&1); rc=$?
is "$rc" 0 "seed load through PgBouncer works (one transaction, exit $rc)"
like "$out" "seed demo (append): loaded " "... and says what it loaded"

# The admin console as a target: health shows SHOW POOLS and SHOW STATS.
out=$("$M" --log-level error --pg "$PGB_ADMIN_URL" health 2>&1); rc=$?
is "$rc" 0 "health on PgBouncer's admin console: exit $rc"
like "$out" "healthy (PgBouncer admin console)" "... says what it looked at"
like "$out" "cl_waiting" "... SHOW POOLS (clients waiting)"
like "$out" "total_xact_count" "... and SHOW STATS"
out=$("$M" --log-level error --json --pg "$PGB_ADMIN_URL" health 2>&1)
like "$out" '"pgbouncer":' "--json: a pgbouncer object"
like "$out" '"pool_mode":	"transaction"' "... with the pools and their mode"

# A read_only target's default_transaction_read_only travels in "options",
# which PgBouncer refuses: never dropped silently, said in one line.
cat >"$W/ro.json" <<EOF
{ "targets": { "ro": { "pg": "$PGB_URL", "read_only": true } } }
EOF
chmod 600 "$W/ro.json"
out=$("$M" --log-level error --config "$W/ro.json" health 2>&1); rc=$?
is "$rc" 3 "a read_only target through PgBouncer: health exit 3"
like "$out" "refuses the startup parameter \"options\", which carries default_transaction_read_only=on for this read_only target" \
	"... saying the read-only setting cannot travel through it"

# The Dashboard through PgBouncer: one transaction per refresh, so it works;
# its monitor's statement_timeout ("options", refused by PgBouncer) is
# dropped, the client-side deadline of every query stays.
if command -v tmux >/dev/null 2>&1; then
	cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --pg "$PGB_URL" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
	XDG_STATE_HOME="$D/state" start
	wait_for "── Server 15" 20; ok $? "the TUI Dashboard through PgBouncer shows the server"
	like "$(screen)" "at 127.0.0.1:$PGB_PORT" "... at PgBouncer's address"
	keys q; wait_for "EXITED 0" 5; ok $? "... and quits cleanly"
else
	skip 3 "tmux is not installed"
fi

# The Dashboard on the admin console (dbname=pgbouncer): SHOW POOLS and
# SHOW STATS instead of a failing statistics query; clients kept waiting
# for a server connection (default_pool_size 10, 11 transactions) flagged.
if command -v tmux >/dev/null 2>&1; then
	cat >"$D/run-admin.sh" <<EOF
#!/bin/sh
"$M" --pg "$PGB_ADMIN_URL" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
	XDG_STATE_HOME="$D/state" tui_session "$D/run-admin.sh"
	wait_for "PgBouncer admin console at 127.0.0.1:$PGB_PORT" 20
	ok $? "the Dashboard on the admin console says what it shows"
	wait_for "Pools (SHOW POOLS)"; ok $? "... SHOW POOLS"
	scr=$(screen)
	like "$scr" "cl_waiting" "... with the clients waiting"
	like "$scr" "transaction" "... and the pool mode"
	like "$scr" "Stats (SHOW STATS" "... and SHOW STATS"
	like "$scr" "total_xact_count" "... its transaction counts"
	like "$scr" "2 statements in " "... at two statements per refresh"
	like "$scr" "no client waits a second or more" "... nobody waiting yet"
	like "$scr" "PG up" "... and the status line says up"
	unlike "$scr" "unsupported" "no failed statistics query"
	keys e
	wait_for "exported every pane to" 5; ok $? "e exports"
	f=$(find "$W" -name 'export-*.json' 2>/dev/null | head -1)
	python3 - "$f" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))["panes"]["Dashboard"]["pgbouncer"]
assert any(p["pool_mode"] == "transaction" for p in b["pools"]), b
assert any(s["database"] == "postgres" for s in b["stats"]), b
EOF
	ok $? "... SHOW POOLS and SHOW STATS under pgbouncer in the export"
	WAITERS=""
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		psql -X -q "$PGB_URL" -c "BEGIN" -c "SELECT pg_sleep(8)" -c "COMMIT" >/dev/null 2>&1 &
		WAITERS="$WAITERS $!"
	done
	wait_for "PgBouncer pool postgres/postgres: 1 clients waiting for a server connection" 8
	ok $? "11 transactions on a pool of 10: the waiting client flagged in words"
	keys q; wait_for "EXITED 0" 5; ok $? "... and q quits"
	for p in $WAITERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
else
	skip 13 "tmux is not installed"
fi
done_testing
