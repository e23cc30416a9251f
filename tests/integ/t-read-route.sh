#!/bin/sh
# t-read-route.sh - read routing (issue 12, item 3): a target's "pg_read"
# pool on standbys carries the monitoring reads (the dashboards' poller,
# `metrics`, the schema commands) so they do not load the primary, while
# writes (`migrate up`) still go to the primary. Sessions are told apart by
# application_name in each server's log (log_connections) and, for the
# TUI's poller, in pg_stat_activity of each server. Own private primary +
# a pg_basebackup standby; the shared harness servers are not touched.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV=$MCPDB_SRCDIR/src/mcpdb-servers.sh
STBY=$MCPDB_SRCDIR/tests/harness/pg-standby.sh
PGBIN=${MCPDB_TEST_PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/pg_basebackup" ] || skip_all "pg_basebackup not found in $PGBIN"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-rr.XXXXXX") || exit 1
chmod 755 "$SD"
W=$(mktemp -d "$base/mcpdb-rr-w.XXXXXX") || exit 1
D=$W
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
cleanup() {
	tui_kill
	sh "$STBY" stop --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGAPPNAME MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_CONFIG_HOME="$W/xdg" XDG_STATE_HOME="$W/state" HOME="$W"

out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
PG=$MCPDB_TEST_PGURL
out=$(sh "$STBY" up --dir "$SD" --name rr_standby)
ok $? "a streaming standby started"
eval "$out"
SB=$STANDBY_URL
PGD=$STANDBY_SOCKDIR
PLOG=$PGD/postgres.log
SLOG=$PGD/standby.log
# Every connection in each server's log, with its application_name.
psql -X -q "$PG" -c "ALTER SYSTEM SET log_connections = on" -c "SELECT pg_reload_conf()" >/dev/null
echo "log_connections = on" >>"$STANDBY_DATA/postgresql.auto.conf"
psql -X -q "$SB" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
is "$(psql -X -Atc 'SHOW log_connections' "$SB")" on "the standby logs its connections"

# The read pool: both hosts, the standby first, prefer-standby (it would
# fall back to the primary if the standby were down).
READ="host=$PGD,$PGD port=$STANDBY_PORT,$PRIMARY_PORT user=postgres dbname=postgres target_session_attrs=prefer-standby"
# A table to list, replayed on the standby.
psql -X -q "$PG" -c "CREATE TABLE rr_seen (id int)" >/dev/null
n=0
until [ "$(psql -X -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'rr_seen'" "$SB")" = 1 ] || [ $n -ge 50 ]; do
	sleep 0.1; n=$((n + 1))
done
cat >"$W/cfg.json" <<EOF
{ "targets": { "rr": { "pg": "$PG", "pg_read": "$READ" } } }
EOF
chmod 600 "$W/cfg.json"
C="--log-level error --config $W/cfg.json --target rr"
# since FILE: the lines FILE got since mark FILE was taken.
mark() { wc -c <"$1"; }
since() { tail -c +"$(( $2 + 1 ))" "$1"; }

out=$("$M" $C config show 2>&1)
like "$out" "pg_read" "config show lists pg_read"
like "$out" "target_session_attrs=prefer-standby" "... with its settings"

pm=$(mark "$PLOG"); sm=$(mark "$SLOG")
out=$("$M" $C schema list 2>&1); rc=$?
is "$rc" 0 "schema list through the read pool: exit $rc"
like "$out" "rr_seen" "... lists the tables"
sleep 0.3
like "$(since "$SLOG" "$sm")" "application_name=mcpdb/cli-read" "... its session was on the standby"
unlike "$(since "$PLOG" "$pm")" "application_name=mcpdb/" "... and no mcpdb session on the primary"

pm=$(mark "$PLOG"); sm=$(mark "$SLOG")
out=$("$M" $C metrics 2>&1); rc=$?
is "$rc" 0 "metrics (one scrape by the poller): exit $rc"
like "$out" "pg_replication_is_replica 1" "... the poller read the standby"
sleep 0.3
like "$(since "$SLOG" "$sm")" "application_name=mcpdb/monitor" "... its monitor session was on the standby"
unlike "$(since "$PLOG" "$pm")" "application_name=mcpdb/monitor" "... and not on the primary"

# A write still goes to the primary.
mkdir -p "$W/mig"
echo "CREATE TABLE rr_t (id int);" >"$W/mig/0001_t.up.sql"
echo "DROP TABLE rr_t;" >"$W/mig/0001_t.down.sql"
pm=$(mark "$PLOG"); sm=$(mark "$SLOG")
out=$("$M" $C --yes migrate up --dir "$W/mig" 2>&1); rc=$?
is "$rc" 0 "migrate up on the target with a read pool: exit $rc"
is "$(psql -X -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'rr_t'" "$PG")" 1 "... applied on the primary"
sleep 0.3
like "$(since "$PLOG" "$pm")" "application_name=mcpdb/migrate" "... by a session on the primary"
unlike "$(since "$SLOG" "$sm")" "application_name=mcpdb/" "... none of its sessions on the standby"

# --pg replaces the target's pg: the read pool goes with it.
out=$("$M" $C --pg "$PG" config show 2>&1)
like "$out" "(none: reads use pg)" "--pg drops the file's pg_read (its standbys are another cluster's)"

# Bad input: named, exit 2, nothing run.
cat >"$W/bad.json" <<EOF
{ "targets": { "rr": { "pg": "$PG", "pg_read": "host=x nosuchkey=1" } } }
EOF
chmod 600 "$W/bad.json"
out=$("$M" --config "$W/bad.json" --target rr schema list 2>&1); rc=$?
is "$rc" 2 "a bad pg_read conninfo: exit 2"
like "$out" "targets.rr.pg_read" "... naming the key"
cat >"$W/bad2.json" <<EOF
{ "targets": { "rr": { "pg": "$PG", "pg_read": "" } } }
EOF
chmod 600 "$W/bad2.json"
out=$("$M" --config "$W/bad2.json" --target rr schema list 2>&1); rc=$?
is "$rc" 2 "an empty pg_read: exit 2"

# The TUI's poller: its monitor session on the standby, not the primary;
# the console (writes) stays on the primary.
if command -v tmux >/dev/null 2>&1; then
	cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --config "$W/cfg.json" --target rr "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
	start
	wait_for "(standby) at $PGD:$STANDBY_PORT" 20; ok $? "the TUI Dashboard reads the standby"
	n=$(psql -X -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcpdb/monitor'" "$SB")
	is "$n" 1 "pg_stat_activity on the standby: the poller's session"
	n=$(psql -X -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcpdb/monitor'" "$PG")
	is "$n" 0 "pg_stat_activity on the primary: none"
	keys q; wait_for "EXITED 0" 5; ok $? "q quits"
else
	skip 4 "tmux is not installed"
fi
done_testing
