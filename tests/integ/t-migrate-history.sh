#!/bin/sh
# t-migrate-history.sh - `migrate history` (issue 17, item 3): every apply,
# rollback and resolve is in the history with time, duration, user, host,
# mcpdb version and checksum (text and --json); a ledger of an older mcpdb
# (no host/version/checksum columns) is read as it is and upgraded in place
# by the next run, its old events kept; bad input is one line, a non-zero
# exit, and nothing created on the server.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=mighist
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
mig() { "$M" --pg "$URL dbname=$DB" migrate "$@"; }
migj() { "$M" --json --pg "$URL dbname=$DB" migrate "$@"; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

D=$W/m; mkdir -p "$D"
echo "CREATE TABLE h_a (id int);" >"$D/0001_a.up.sql"
echo "DROP TABLE h_a;" >"$D/0001_a.down.sql"
echo "CREATE TABLE h_b (id int);" >"$D/0002_b.up.sql"
echo "DROP TABLE h_b;" >"$D/0002_b.down.sql"
VER=$("$M" --version | awk '{ print $NF }')

# -- bad input first: nothing is created on a database that has no ledger
fresh
out=$(mig history extra 2>&1); rc=$?
is "$rc" "2" "history with an argument: exit 2 (usage)"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "1" "... one line"
out=$("$M" --pg "host=127.0.0.1 port=1 dbname=$DB connect_timeout=2" migrate history 2>&1); rc=$?
is "$rc" "1" "history against a closed port: exit 1"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "1" "... one line: $out"
unlike "$out" "password" "... no secret in it"
out=$(mig history 2>&1); rc=$?
is "$rc" "0" "history without a ledger: exit 0"
like "$out" "no migration history" "... says there is none"
is "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = 'mcpdb'")" "0" "... and creates nothing"
migj history >"$W/none.json" 2>/dev/null
is "$(js "$W/none.json" 'd["ledger_exists"], len(d["events"]), d["ok"]')" "False 0 True" "--json without a ledger"

# -- up, down, up: the rollback is in the history, with its checksum
mig up --dir "$D" >/dev/null 2>&1
mig down --dir "$D" --yes >/dev/null 2>&1 || mig down --dir "$D" >/dev/null 2>&1 </dev/null
mig up --dir "$D" >/dev/null 2>&1
is "$(q "SELECT string_agg(version::text, ',' ORDER BY version) FROM mcpdb.migrations")" "1,2" "up, down, up: both applied"
out=$(mig history 2>&1); rc=$?
is "$rc" "0" "history: exit 0"
is "$(printf '%s\n' "$out" | grep -c '| 0002 .* rolled back ')" "1" "the rollback of 0002 is listed"
is "$(printf '%s\n' "$out" | grep -c ' applied ')" "3" "three applies listed"
like "$out" "4 events" "four events"
like "$out" "$VER" "the mcpdb version is shown"
migj history >"$W/h.json" 2>/dev/null; rc=$?
is "$rc" "0" "history --json: exit 0"
is "$(js "$W/h.json" '",".join(e["event"] for e in d["events"])')" \
    "applied,applied,rolled back,applied" "--json: events in order"
sum2=$(q "SELECT checksum FROM mcpdb.migrations WHERE version = 2")
is "$(js "$W/h.json" '",".join(e["checksum"] for e in d["events"] if e["version"] == 2)')" \
    "$sum2,$sum2,$sum2" "--json: every event of 0002 carries its checksum"
is "$(js "$W/h.json" 'set(e["mcpdb_version"] for e in d["events"]) == {"'"$VER"'"}')" "True" \
    "--json: every event carries the mcpdb version"
is "$(js "$W/h.json" 'all(e["host"] for e in d["events"]) and all(e["by"] for e in d["events"])')" "True" \
    "--json: every event carries host and user"
is "$(js "$W/h.json" 'all(isinstance(e["execution_ms"], (int, float)) for e in d["events"])')" "True" \
    "--json: every apply and rollback has its duration"
is "$(js "$W/h.json" 'all(e["at"].endswith("Z") for e in d["events"])')" "True" "--json: times in UTC"

# -- a failed no-transaction run resolved: both events are there
printf -- '-- mcpdb:no-transaction\nCREATE TABLE h_c (id int);\nSELECT 1/0;\n' >"$D/0003_c.up.sql"
echo "DROP TABLE IF EXISTS h_c;" >"$D/0003_c.down.sql"
mig up --dir "$D" >/dev/null 2>&1
mig resolve 3 --applied --dir "$D" --yes >/dev/null 2>&1 </dev/null
migj history >"$W/r.json" 2>/dev/null
is "$(js "$W/r.json" '",".join(e["event"] for e in d["events"] if e["version"] == 3)')" \
    "up failed,resolved as applied" "a failure and its resolve are recorded"
like "$(js "$W/r.json" '[e["error"] for e in d["events"] if e["event"] == "up failed"][0]')" \
    "division by zero" "the failure keeps its error"

# -- a ledger of an older mcpdb upgrades in place
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
q "INSERT INTO mcpdb.migration_events (version, name, event, execution_ms)
  VALUES (1, 'a', 'applied', 5), (1, 'a', 'rolled back', 3)" >/dev/null
is "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'mcpdb.migration_events'::regclass AND attname IN ('host', 'checksum', 'mcpdb_version')")" \
    "0" "an old-shape ledger (no host, checksum, mcpdb_version)"
migj history >"$W/old.json" 2>/dev/null; rc=$?
is "$rc" "0" "history reads the old ledger"
is "$(js "$W/old.json" 'len(d["events"]), d["events"][0]["event"], d["events"][0]["host"], d["events"][0]["execution_ms"]')" \
    "2 applied None 5" "... its events, with null for what it did not record"
is "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'mcpdb.migration_events'::regclass AND attname = 'host'")" \
    "0" "... and does not change it (history only reads)"
mig up --dir "$D" --to 2 >"$W/up.out" 2>&1; rc=$?
is "$rc" "0" "up on the old ledger: exit 0"
is "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'mcpdb.migration_events'::regclass AND attname IN ('host', 'checksum', 'mcpdb_version') AND NOT attisdropped")" \
    "3" "... upgraded the ledger in place"
migj history >"$W/up.json" 2>/dev/null
is "$(js "$W/up.json" '[(e["version"], e["event"], e["host"] is None, e["mcpdb_version"]) for e in d["events"]]')" \
    "[(1, 'applied', True, None), (1, 'rolled back', True, None), (1, 'applied', False, '$VER'), (2, 'applied', False, '$VER')]" \
    "... kept the old events and recorded the new ones fully"
is "$(q "SELECT string_agg(version::text, ',' ORDER BY version) FROM mcpdb.migrations")" "1,2" \
    "... and applied both"
done_testing
