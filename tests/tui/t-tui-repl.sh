#!/bin/sh
# t-tui-repl.sh - the Dashboard's replication section (issue 12, item 1), in
# tmux on a private primary (mcpdb-servers.sh) and a pg_basebackup standby
# (tests/harness/pg-standby.sh): on the primary the standby with its state
# and lag, a replication slot with the WAL it retains (an inactive one
# flagged in words), a lag over the target's threshold; on the standby its
# WAL receiver and replay lag, and the receiver gone when the primary dies.
# The section is read by the poller on its one monitor connection (the
# server sees one mcpdb/monitor session, and the refresh says what it
# costs). Nothing of the shared harness servers is touched.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
STBY="$MCPDB_SRCDIR/tests/harness/pg-standby.sh"
PGBIN=${MCPDB_TEST_PGBIN:-/usr/lib/postgresql/15/bin}
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
[ -x "$PGBIN/pg_basebackup" ] || skip_all "pg_basebackup not found in $PGBIN"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-tuirepl.XXXXXX") || exit 1
chmod 755 "$SD"
D=$(mktemp -d "$base/mcpdb-tuirepl-ui.XXXXXX") || exit 1
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=120 ROWS=40
cleanup() {
	tui_kill
	sh "$STBY" stop --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL PGAPPNAME
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config" HOME="$D"

out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
PG=$MCPDB_TEST_PGURL
out=$(sh "$STBY" up --dir "$SD" --name tuirepl)
ok $? "a streaming standby started"
eval "$out"
SB=$STANDBY_URL
q() { psql -X -A -t -q "$PG" -c "$1" 2>/dev/null; }
n=0
while [ $n -lt 50 ] && [ "$(q "SELECT state FROM pg_stat_replication WHERE application_name = 'tuirepl'")" != streaming ]; do
	sleep 0.2; n=$((n + 1))
done
cat >"$D/cfg.json" <<EOF
{ "targets": {
  "prim": { "pg": "$PG" },
  "tight": { "pg": "$PG", "replication": { "max_lag_bytes": 100000 } },
  "stby": { "pg": "$SB" } } }
EOF
chmod 600 "$D/cfg.json"
cat >"$D/run.sh" <<EOF
#!/bin/sh
"$M" --config "$D/cfg.json" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF

# ---- the primary: its standby, then a slot
start -- --target prim
wait_for "── Replication" 15; ok $? "the primary's Dashboard has a Replication section"
wait_for "primary: 1 standby, 0 slots"; ok $? "... titled with the role and counts"
wait_for "standby     tuirepl (local) streaming, async; lag write "; ok $? "... the standby with its state and sync state"
like "$(screen)" " B / " "... and its lags in bytes and time"
wait_for "7 statements in"; ok $? "the refresh says its cost: 4 statements + 3 for replication"
is "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mcpdb/monitor'")" 1 \
	"the section rides the poller's one monitor connection"
q "SELECT pg_create_physical_replication_slot('ghost', true)" >/dev/null
wait_for "primary: 1 standby, 1 slot; 1 problem" 10; ok $? "a slot nobody uses: 1 problem in the title"
wait_for "slot        ghost (physical) INACTIVE, retains "; ok $? "... the slot flagged INACTIVE with the WAL it retains"
wait_for "slot ghost (physical) is inactive and retains "; ok $? "... and in words"
like "$(screen)" "reconnects or the slot is dropped (pg_drop_replication_slot)" "... saying what it means, wrapped to the width"
keys e
wait_for "exported every pane to" 5; ok $? "e exports"
f=$(find "$D" -name 'export-*.json' 2>/dev/null | head -1)
python3 - "$f" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["panes"]["Dashboard"]["server"]["replication"]
assert r["role"] == "primary", r
assert [s["application_name"] for s in r["standbys"]] == ["tuirepl"], r
assert any(s["name"] == "ghost" and s["active"] is False for s in r["slots"]), r
assert r["problems"] == 1, r
EOF
ok $? "... the replication section in the export: standby, inactive slot, 1 problem"
keys 1
wait_for "[1 Dashboard]" 2; ok $? "keys still work while the section refreshes"
keys q; wait_for "EXITED 0" 5
q "SELECT pg_drop_replication_slot('ghost')" >/dev/null

# ---- lag over the target's threshold: replay paused on the standby
psql -X -q "$SB" -c "SELECT pg_wal_replay_pause()" >/dev/null
q "CREATE TABLE repl_t AS SELECT repeat('x', 1000) x FROM generate_series(1, 3000)" >/dev/null
start -- --target tight
wait_for "standby tuirepl lags " 15; ok $? "replay paused, lag over max_lag_bytes: said in the section"
like "$(screen)" "max_lag_bytes 97.7 kB" "... with the threshold"
like "$(screen)" "1 standby, 0 slots; 1 problem" "... counted as a problem"
keys q; wait_for "EXITED 0" 5
psql -X -q "$SB" -c "SELECT pg_wal_replay_resume()" >/dev/null

# ---- the standby: its receiver; then the primary dies
start -- --target stby
wait_for "this server is a standby of " 15; ok $? "the standby's section says it is a standby, and of whom"
wait_for "receiver    streaming; received not yet replayed "; ok $? "... its WAL receiver streaming"
like "$(screen)" "; last replayed xact " "... and its replay lag"
sh "$STBY" kill-primary --dir "$SD" >/dev/null 2>&1
wait_for "no WAL receiver (disconnected from its primary)" 30; ok $? "the primary gone: the receiver shows as disconnected"
like "$(screen)" "1 problem" "... counted as a problem"
keys q; wait_for "EXITED 0" 5; ok $? "q quits"
done_testing
