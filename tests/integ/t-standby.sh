#!/bin/sh
# t-standby.sh - mcpdb pointed at a streaming standby (issue 16): `doctor`
# says the server is a standby and where writes must go instead of "all
# checks passed", and a write (`migrate up`) refused by the standby says so
# in words instead of PostgreSQL's bare "read-only transaction" error, with
# nothing applied; a host list of a dead socket and the standby fails in one
# line naming each. Own private primary (mcpdb-servers.sh) + a pg_basebackup
# standby (tests/harness/pg-standby.sh) on a unix socket in the temp dir.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV=$MCPDB_SRCDIR/src/mcpdb-servers.sh
PGBIN=${MCPDB_TEST_PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/pg_basebackup" ] || skip_all "pg_basebackup not found in $PGBIN"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-stby.XXXXXX") || exit 1
chmod 755 "$SD"
W=$(mktemp -d "$base/mcpdb-stby-w.XXXXXX") || exit 1
STBY="$MCPDB_SRCDIR/tests/harness/pg-standby.sh"
cleanup() {
	sh "$STBY" stop --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGAPPNAME
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
out=$(sh "$STBY" up --dir "$SD" --name t_standby)
ok $? "a streaming standby started"
eval "$out"
SB=$STANDBY_URL
is "$(psql -X "$SB" -Atc 'SELECT pg_is_in_recovery()')" t "... and it is in recovery"

out=$("$M" --pg "$SB" doctor 2>&1)
like "$out" "server role" "doctor has a server role check"
like "$out" "standby (in recovery)" "... that says the server is a standby"
like "$out" "must go to the primary" "... and where writes must go"
unlike "$out" "all checks passed" "... so not \"all checks passed\""
out=$("$M" --json --pg "$MCPDB_TEST_PGURL" doctor 2>/dev/null)
like "$out" "primary (accepts writes)" "on the primary the same check says primary"

mkdir -p "$W/mig"
echo "CREATE TABLE stby_t (id int);" >"$W/mig/0001_t.up.sql"
echo "DROP TABLE stby_t;" >"$W/mig/0001_t.down.sql"
SLOG=$STANDBY_SOCKDIR/standby.log
sm=$(wc -c <"$SLOG")
out=$("$M" --log-level error --pg "$SB" migrate up --dir "$W/mig" 2>&1); rc=$?
[ "$rc" -ne 0 ]; ok $? "migrate up on the standby fails (exit $rc)"
like "$out" "refusing to apply migrations: the server is a standby (read-only): writes must go to the primary" "... refused, saying the server is a standby"
like "$out" "is in recovery; point the target at the primary, or list the hosts with target_session_attrs=read-write); nothing was changed" "... naming it and what to do"
unlike "$out" "read-only transaction" "... not PostgreSQL's read-only transaction error"
is "$(psql -X "$SB" -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'stby_t'")" 0 "... and nothing was applied"
unlike "$(tail -c +"$((sm + 1))" "$SLOG")" "read-only transaction" "... refused before any write reached the server (its log has no read-only error)"
sm=$(wc -c <"$SLOG")
out=$("$M" --log-level error --pg "$SB" --yes seed load demo --dir "$MCPDB_SRCDIR/seeds" 2>&1); rc=$?
[ "$rc" -ne 0 ]; ok $? "seed load on the standby fails (exit $rc)"
like "$out" "refusing to load seeds: the server is a standby (read-only): writes must go to the primary" "... refused, saying the server is a standby"
unlike "$(tail -c +"$((sm + 1))" "$SLOG")" "read-only transaction" "... before any write reached the server"
# A primary whose sessions are read-only (default_transaction_read_only for
# the role): refused up front too, saying why.
psql -X -q "$MCPDB_TEST_PGURL" -c "CREATE ROLE stby_ro LOGIN SUPERUSER" -c "ALTER ROLE stby_ro SET default_transaction_read_only = on" >/dev/null
RO="host=$STANDBY_SOCKDIR port=$PRIMARY_PORT user=stby_ro dbname=postgres"
out=$("$M" --log-level error --pg "$RO" migrate up --dir "$W/mig" 2>&1); rc=$?
[ "$rc" -ne 0 ]; ok $? "migrate up with read-only sessions on the primary fails (exit $rc)"
like "$out" "refusing to apply migrations: sessions on $STANDBY_SOCKDIR:$PRIMARY_PORT are read-only (transaction_read_only is on" "... saying the sessions are read-only"
is "$(psql -X "$MCPDB_TEST_PGURL" -Atc "SELECT count(*) FROM pg_tables WHERE tablename = 'stby_t'")" 0 "... and nothing was applied"

# ---- replication view (issue 12, item 1)
PG=$MCPDB_TEST_PGURL
psql -X -q "$PG" -c "CREATE TABLE repl_t (x text)" >/dev/null
n=0
while [ $n -lt 50 ] && [ "$(psql -X "$PG" -Atc "SELECT state FROM pg_stat_replication WHERE application_name = 't_standby'")" != streaming ]; do
	sleep 0.2; n=$((n + 1))
done
out=$("$M" --log-level error --pg "$PG" health 2>&1); rc=$?
is "$rc" 0 "health on the primary with a streaming standby: exit 0"
like "$out" "standby    |        | t_standby (local) streaming, async; lag write " "... a line for the standby: state, sync state, lags"
out=$("$M" --log-level error --json --pg "$PG" health 2>/dev/null)
like "$out" '"application_name":	"t_standby"' "--json: the standby under postgresql.replication"
like "$out" '"replay_lag_bytes":	' "... with its replay lag in bytes"
like "$out" '"role":	"primary"' "... and the server's role"
out=$("$M" --log-level error --json --pg "$SB" health 2>/dev/null); rc=$?
like "$out" '"status":	"streaming"' "--json on the standby: its WAL receiver is streaming"
like "$out" '"since_last_replay_s":	' "... with the time since the last replayed transaction"
is "$rc" 0 "... healthy (exit $rc)"
out=$("$M" --log-level error --pg "$PG" doctor 2>&1)
row=$(printf '%s\n' "$out" | grep '^replication ' | tr -s ' ')
like "$row" "replication | ok | standby t_standby (local) streaming" "doctor has a replication check naming the standby"

# An inactive slot: a disconnected consumer, WAL piling up, in words.
psql -X -q "$PG" -c "SELECT pg_create_physical_replication_slot('ghost', true)" >/dev/null
out=$("$M" --log-level error --pg "$PG" health 2>&1); rc=$?
is "$rc" 3 "an inactive slot: health exit 3"
like "$out" "slot ghost (physical) is inactive and retains " "... saying the slot is inactive and retains WAL"
like "$out" "the disk fills until it reconnects or the slot is dropped" "... and what that means"
like "$out" "slot       |        | ghost (physical) INACTIVE, retains " "... and a table line for it"

# Privileges: pg_monitor sees everything; a plain role is told what is hidden.
psql -X -q "$PG" -c "CREATE ROLE repl_mon LOGIN IN ROLE pg_monitor; CREATE ROLE repl_plain LOGIN" >/dev/null
MON="host=$STANDBY_SOCKDIR port=$PRIMARY_PORT user=repl_mon dbname=postgres"
PLAIN="host=$STANDBY_SOCKDIR port=$PRIMARY_PORT user=repl_plain dbname=postgres"
out=$("$M" --log-level error --pg "$MON" health 2>&1)
like "$out" "t_standby (local) streaming, async; lag write" "as a pg_monitor role (no superuser): the standby's state and lag"
like "$out" "slot ghost (physical) is inactive" "... and the slot"
out=$("$M" --log-level error --pg "$PLAIN" health 2>&1)
like "$out" "| t_standby: state and lag hidden (needs pg_monitor)" "as a plain role: the standby, its state and lag said to be hidden"
psql -X -q "$PG" -c "REVOKE SELECT ON pg_replication_slots FROM PUBLIC" >/dev/null
out=$("$M" --log-level error --pg "$PLAIN" health 2>&1)
like "$out" "replication slots not visible to this user (permission denied for pg_replication_slots)" "a slot view the role may not read: said so, not zero slots"
out=$("$M" --log-level error --json --pg "$PLAIN" health 2>/dev/null)
like "$out" '"slots":	null' "... --json: slots null with slots_error"
psql -X -q "$PG" -c "GRANT SELECT ON pg_replication_slots TO PUBLIC" -c "SELECT pg_drop_replication_slot('ghost')" >/dev/null

# Lag over the configured threshold: replay paused on the standby.
psql -X -q "$SB" -c "SELECT pg_wal_replay_pause()" >/dev/null
psql -X -q "$PG" -c "INSERT INTO repl_t SELECT repeat('x', 1000) FROM generate_series(1, 3000)" >/dev/null
cat >"$W/cfg.json" <<EOF
{ "targets": { "pair": { "pg": "$PG", "replication": { "max_lag_bytes": 100000, "max_lag_s": 0 } } } }
EOF
chmod 600 "$W/cfg.json"
n=0
while :; do
	out=$("$M" --log-level error --config "$W/cfg.json" --target pair health 2>&1); rc=$?
	{ [ "$rc" = 3 ] || [ $n -ge 20 ]; } && break
	sleep 0.2; n=$((n + 1))
done
is "$rc" 3 "replay paused, lag over replication.max_lag_bytes: health exit 3"
like "$out" "standby t_standby lags " "... naming the standby and its lag"
like "$out" "(replay; max_lag_bytes 97.7 kB)" "... and the threshold"
out=$("$M" --log-level error --pg "$PG" health 2>&1); rc=$?
is "$rc" 0 "with the default threshold (64 MiB) the same lag is healthy"
psql -X -q "$SB" -c "SELECT pg_wal_replay_resume()" >/dev/null

# A multi-host conninfo (issue 12): the standby first, then the primary; with
# target_session_attrs=read-write libpq skips the standby.
PGD=$STANDBY_SOCKDIR
SFIRST="host=$PGD,$PGD port=$STANDBY_PORT,$PRIMARY_PORT user=postgres dbname=postgres target_session_attrs=read-write"
out=$("$M" --log-level error --pg "$SFIRST" health 2>&1); rc=$?
is "$rc" 0 "health through a host list (standby first) with read-write: healthy (exit $rc)"
# Every host down or unsuitable: one line naming each host and its error.
DEAD="host=$PGD/nx,$PGD port=1,$STANDBY_PORT user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=3"
t0=$(date +%s)
out=$("$M" --log-level error --pg "$DEAD" health 2>&1); rc=$?
t1=$(date +%s)
is "$rc" 3 "health with every host down or a standby: exit 3"
like "$out" "all 2 hosts failed: socket $PGD/nx/.s.PGSQL.1: No such file or directory; socket $PGD/.s.PGSQL.$STANDBY_PORT: session is read-only" \
	"... one line naming each host and its error"
unlike "$out" "Is the server running" "... without libpq's multi-line hints"
ok $([ $((t1 - t0)) -le 4 ]; echo $?) "... within connect_timeout ($((t1 - t0)) s)"

# The primary gone: the standby's receiver is disconnected (exit 3).
sh "$STBY" kill-primary --dir "$SD" >/dev/null 2>&1
n=0
while :; do
	out=$("$M" --log-level error --pg "$SB" health 2>&1); rc=$?
	{ [ "$rc" = 3 ] || [ $n -ge 30 ]; } && break
	sleep 0.3; n=$((n + 1))
done
is "$rc" 3 "the primary gone: health on the standby exits 3"
like "$out" "this standby" "... saying its WAL receiver is disconnected"
done_testing
