#!/bin/sh
# t-migrate-streams-edge.sh - per-schema migration streams (issue 17 item 8)
# at their edges, against the harness server: a migration that runs RESET
# ALL (in a transaction and without one) still records its row in its own
# stream; `migrate check` of a stream applies the streams before it first
# (a service stream building on the default stream's schema checks), and a
# bad down in that stream is still caught; a ledger stream whose directory
# is gone is named by status (text and JSON), exit 3; history --stream
# keeps one stream's events; lint covers every stream or the one named;
# --stream completes to the directory's streams.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migsedge
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
fresh
mig() { "$M" -t t migrate "$@"; }
migj() { "$M" -t t --json migrate "$@"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
rows() { q "SELECT coalesce(string_agg(CASE WHEN stream = '' THEN 'default' ELSE stream END || '/' || version, ',' ORDER BY stream, version), '-') FROM mcpdb.migrations"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "t": { "pg": "$URL dbname=$DB" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
D=$W/m; mkdir -p "$D/billing"
echo "CREATE SCHEMA plat;" >"$D/0001_plat.up.sql"
echo "DROP SCHEMA plat;" >"$D/0001_plat.down.sql"
printf 'RESET ALL;\nCREATE TABLE plat.b1 (id int);\n' >"$D/billing/0001_b1.up.sql"
echo "DROP TABLE plat.b1;" >"$D/billing/0001_b1.down.sql"
printf -- '-- mcpdb:no-transaction\nRESET ALL;\nCREATE TABLE plat.b2 (id int);\n' >"$D/billing/0002_b2.up.sql"
echo "DROP TABLE plat.b2;" >"$D/billing/0002_b2.down.sql"

# -- RESET ALL inside a migration does not move its row to another stream
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "up over two streams"
is "$(rows)" "default/1,billing/1,billing/2" "RESET ALL in a migration (with and without a transaction): rows in their stream"
is "$(q "SELECT string_agg(CASE WHEN stream = '' THEN 'default' ELSE stream END || '/' || version || ' ' || event, ',' ORDER BY id) FROM mcpdb.migration_events")" \
    "default/1 applied,billing/1 applied,billing/2 applied" "... and so are their events"
out=$(mig down --dir "$D" --stream billing --yes 2>&1); rc=$?
is "$rc:$(rows)" "0:default/1,billing/1" "down of the no-transaction one after RESET ALL: billing's row went"
mig up --dir "$D" >/dev/null 2>&1

# -- check: earlier streams first
out=$(mig check --dir "$D" 2>&1); rc=$?
is "$rc" "0" "check over both streams passes"
like "$out" "stream billing:" "... stream by stream"
like "$out" "applied the 1 migration of the streams before this one first" "... billing's check applied the default stream's first"
out=$(migj check --dir "$D" --stream billing 2>/dev/null)
is "$(printf '%s' "$out" | jget 'd["earlier_streams_applied"], d["ok"], len(d["migrations"])')" "1 True 2" "check --stream billing --json: 1 earlier migration, ok, 2 checked"
echo "SELECT 1;" >"$D/billing/0002_b2.down.sql"
out=$(mig check --dir "$D" --stream billing 2>&1); rc=$?
is "$rc" "1" "a down that forgets its table fails the check of its stream"
like "$out" "the down left behind: table plat.b2" "... naming what it left"
echo "DROP TABLE plat.b2;" >"$D/billing/0002_b2.down.sql"
mig repair --dir "$D" --stream billing --yes >/dev/null 2>&1

# -- a stream in the ledger with no directory
mv "$D/billing" "$W/billing.away"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "3" "status with a ledger stream whose directory is gone: exit 3"
like "$out" "ledger also holds migrations of streams with no files in this directory: billing (2 rows)" "... naming it and its rows"
like "$out" "up to date here, but see below" "... the summary points at it"
out=$(migj status --dir "$D" 2>/dev/null)
is "$(printf '%s' "$out" | jget 'd["orphan_streams"], d["up_to_date"]')" "billing (2 rows) False" "status --json: orphan_streams"
mv "$W/billing.away" "$D/billing"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "0" "directory back: status clean again"
unlike "$out" "no files in this directory" "... and says nothing about orphans"

# -- history --stream
out=$(mig history --stream billing 2>&1); rc=$?
is "$rc" "0" "history --stream billing"
like "$out" "billing/0002" "... shows billing's events with their stream"
unlike "$out" "default/0001" "... and not the default stream's"
out=$(migj history 2>/dev/null)
is "$(printf '%s' "$out" | jget 'sorted(set(e["stream"] for e in d["events"]))')" "['billing', 'default']" "history --json: every event names its stream"

# -- lint over the streams
printf 'CREATE INDEX b1_i ON plat.b1 (id);\n' >"$D/billing/0003_idx.up.sql"
echo "DROP INDEX IF EXISTS plat.b1_i;" >"$D/billing/0003_idx.down.sql"
out=$("$M" migrate lint --dir "$D" 2>&1); rc=$?
is "$rc" "3" "lint without --stream reads the stream directories too"
like "$out" "billing/0003_idx.up.sql:1: index-not-concurrent" "... and names the file in its stream"
out=$("$M" migrate lint --dir "$D" --stream default 2>&1); rc=$?
unlike "$out" "0003_idx" "lint --stream default leaves billing's files out"
out=$("$M" migrate lint --dir "$D" --stream nope 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "lint --stream of an unknown stream: exit 2, one line"
like "$out" "no such migration stream" "... saying so"

# -- completion of --stream names the streams of --dir
is "$("$M" __complete -- migrate status --dir "$D" --stream "" | tr '\n' ' ')" "default billing " "--stream completes to the streams of the directory"
is "$("$M" __complete -- migrate down --dir "$D" --stream b | tr '\n' ' ')" "billing " "... by prefix"

# -- a sub-directory named default is refused
mkdir "$D/default"
before=$(rows)
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "a sub-directory named default: exit 2, one line"
like "$out" "$D/default: not a stream name" "... naming it"
is "$(rows)" "$before" "... nothing changed"
done_testing
