#!/bin/sh
# t-migrate-baseline.sh - `migrate baseline VERSION --reason WHY` (issue 17,
# item 1): adopts a database whose schema was made by hand: files up to
# VERSION are marked applied without running, flagged baselined in status,
# the history records who, when and why, and `up` then applies only what
# follows. Refused, one line, nothing changed: a non-empty ledger, a version
# with no file, no --reason, an argument that is no version, a protected
# target without its name typed, a read-only target.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migbase
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
mig() { "$M" -t t migrate "$@"; }
migj() { "$M" --json -t t migrate "$@"; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
# the ledger and history as one string, to prove a refusal changed nothing
state() { q "SELECT coalesce((SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM mcpdb.migrations), '-') || '/' || (SELECT count(*) FROM mcpdb.migration_events)"; }

D=$W/m; mkdir -p "$D"
for i in 1 2 3; do
	echo "CREATE TABLE b_t$i (id int);" >"$D/000${i}_t$i.up.sql"
	echo "DROP TABLE b_t$i;" >"$D/000${i}_t$i.down.sql"
done
mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": {
    "t":    { "pg": "$URL dbname=$DB" },
    "prot": { "pg": "$URL dbname=$DB", "protected": true },
    "ro":   { "pg": "$URL dbname=$DB", "read_only": true } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"

# -- a database made by hand: tables of 0001 and 0002 exist, no ledger
fresh
q "CREATE TABLE b_t1 (id int); CREATE TABLE b_t2 (id int)" >/dev/null

out=$(mig baseline 2 --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "no --reason: usage error, one line"
out=$(mig baseline two --reason x --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "a version that is no number: usage error, one line"
out=$(mig baseline 7 --reason x --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "a version with no file: exit 1, one line"
like "$out" "no migration 0007 in $D" "... naming the version and the directory"
out=$(mig baseline 2 --reason x --dir "$D" </dev/null 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "without --yes and no terminal: refused, one line"
out=$("$M" -t prot --yes migrate baseline 2 --reason x --dir "$D" </dev/null 2>&1); rc=$?
is "$rc" "1" "a protected target: --yes is not enough"
like "$out" "protected" "... says why"
out=$("$M" -t ro migrate baseline 2 --reason x --dir "$D" 2>&1); rc=$?
is "$rc" "1" "a read-only target: refused"
like "$out" "read-only" "... says why"
is "$(q "SELECT to_regclass('mcpdb.migrations') IS NULL")" "t" "none of these created the ledger"

out=$("$M" -t prot --confirm prot migrate baseline 2 --dir "$D" \
    --reason "schemas created by hand before mcpdb" 2>&1); rc=$?
is "$rc" "0" "baseline 2 on the protected target with its name typed"
like "$out" "2 migrations up to 0002 marked applied" "... says what it marked"
is "$(state)" "1:applied,2:applied/2" "two rows applied, two events"
is "$(q "SELECT string_agg(version || ':' || baselined || ':' || coalesce(execution_ms::text, 'null'), ',' ORDER BY version) FROM mcpdb.migrations")" \
    "1:true:null,2:true:null" "... flagged baselined, no duration (nothing ran)"
is "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'b_t3'")" "0" "nothing was run"

out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "3" "status: 0003 pending, exit 3"
is "$(printf '%s\n' "$out" | grep -c '| applied .*baselined')" "2" "status shows both rows as baselined"
like "$out" "2 applied (2 baselined), 1 pending" "... and counts them"
migj status --dir "$D" >"$W/st.json" 2>/dev/null
is "$(js "$W/st.json" '[m["baselined"] for m in d["migrations"]]')" "[True, True, False]" "status --json: baselined"

migj history >"$W/h.json" 2>/dev/null
is "$(js "$W/h.json" '[(e["version"], e["event"], e["note"]) for e in d["events"]]')" \
    "[(1, 'baselined', 'schemas created by hand before mcpdb'), (2, 'baselined', 'schemas created by hand before mcpdb')]" \
    "history: why"
is "$(js "$W/h.json" 'all(e["by"] and e["at"] and e["host"] for e in d["events"])')" "True" "history: who, when, from where"
is "$(js "$W/h.json" 'd["events"][1]["checksum"]')" "$(q "SELECT checksum FROM mcpdb.migrations WHERE version = 2")" \
    "history: the checksum of the file"

# -- refused on a ledger with rows: nothing changed
before=$(state)
out=$(mig baseline 3 --reason again --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "baseline on a non-empty ledger: exit 1, one line"
like "$out" "ledger of target t already has 2 rows (newest 0002_t2)" "... naming what is there"
is "$(state)" "$before" "... and nothing changed"
migj baseline 3 --reason again --dir "$D" --yes >"$W/ne.json" 2>/dev/null; rc=$?
is "$rc:$(js "$W/ne.json" 'd["ok"], d["error"]["code"]')" "1:False state" "--json: one document with the error"
is "$(state)" "$before" "... and nothing changed"

# -- up applies only what follows the baseline
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "up after baseline"
is "$(q "SELECT string_agg(version || ':' || baselined, ',' ORDER BY version) FROM mcpdb.migrations")" \
    "1:true,2:true,3:false" "... applied 0003 only"
mig status --dir "$D" >/dev/null 2>&1; rc=$?
is "$rc" "0" "status: up to date"

# -- an empty ledger of an older mcpdb (no baselined column) is upgraded
fresh
q "CREATE SCHEMA mcpdb;
CREATE TABLE mcpdb.migrations (version bigint PRIMARY KEY, name text NOT NULL,
  checksum text NOT NULL, down_checksum text NOT NULL, checksum_algo smallint NOT NULL,
  applied_sql text NOT NULL, state text NOT NULL CHECK (state IN ('applied', 'running', 'failed')),
  operation text NOT NULL DEFAULT 'up' CHECK (operation IN ('up', 'down')),
  no_transaction boolean NOT NULL DEFAULT false, out_of_order boolean NOT NULL DEFAULT false,
  applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT 'old@local',
  execution_ms bigint, error text, seq bigint GENERATED ALWAYS AS IDENTITY);
CREATE TABLE mcpdb.migration_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(), version bigint NOT NULL, name text NOT NULL,
  event text NOT NULL, execution_ms bigint, out_of_order boolean NOT NULL DEFAULT false,
  by text NOT NULL DEFAULT 'old@local', sqlstate text, error text);" >/dev/null
mig status --dir "$D" >/dev/null 2>&1; rc=$?
is "$rc" "3" "status reads an old empty ledger (all pending)"
out=$(mig baseline 1 --reason "old ledger" --dir "$D" --yes 2>&1); rc=$?
is "$rc" "0" "baseline on an old empty ledger"
is "$(q "SELECT string_agg(version || ':' || baselined, ',') FROM mcpdb.migrations")" "1:true" \
    "... upgraded it in place and marked 0001"
done_testing
