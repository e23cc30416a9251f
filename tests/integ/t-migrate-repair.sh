#!/bin/sh
# t-migrate-repair.sh - `migrate repair` (issue 17, item 2): re-records the
# checksums of applied files edited on purpose, showing old and new, after a
# confirmation (the typed name on a protected target); removes failed rows
# only with --remove-failed. Refused, one line, nothing changed: nothing to
# repair, no confirmation, a protected target with --yes only, a failed row
# without --remove-failed.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migrep
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
fresh
mig() { "$M" -t t migrate "$@"; }
migj() { "$M" --json -t t migrate "$@"; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
state() { q "SELECT coalesce((SELECT string_agg(version || ':' || state || ':' || left(checksum, 12), ',' ORDER BY version) FROM mcpdb.migrations), '-') || '/' || (SELECT count(*) FROM mcpdb.migration_events)"; }
sum() { q "SELECT checksum FROM mcpdb.migrations WHERE version = $1"; }

mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": {
    "t":    { "pg": "$URL dbname=$DB" },
    "prot": { "pg": "$URL dbname=$DB", "protected": true } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
D=$W/m; mkdir -p "$D"
for i in 1 2; do
	echo "CREATE TABLE r_t$i (id int);" >"$D/000${i}_t$i.up.sql"
	echo "DROP TABLE r_t$i;" >"$D/000${i}_t$i.down.sql"
done
mig up --dir "$D" >/dev/null 2>&1
is "$(q "SELECT count(*) FROM mcpdb.migrations")" "2" "two applied"

out=$(mig repair --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "nothing to repair: exit 1, one line"
like "$out" "nothing to repair" "... says so"

# -- a deliberate edit: a comment added to 0002's up file
old2=$(sum 2)
printf -- '-- creates r_t2 (comment added after it ran)\nCREATE TABLE r_t2 (id int);\n' >"$D/0002_t2.up.sql"
mig status --dir "$D" >/dev/null 2>&1
is "$?" "3" "the edit is drift: status exit 3"
before=$(state)
out=$(mig repair --dir "$D" </dev/null 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "no --yes, no terminal: refused, one line"
like "$out" "up $old2 -> " "... the question shows the old checksum"
is "$(state)" "$before" "... and nothing changed"
out=$("$M" -t prot --yes migrate repair --dir "$D" </dev/null 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "protected target with --yes only: refused, one line"
like "$out" "protected" "... says why"
is "$(state)" "$before" "... and nothing changed"

out=$("$M" -t prot --confirm prot migrate repair --dir "$D" 2>&1); rc=$?
new2=$(sum 2)
is "$rc" "0" "repair with the protected target's name typed"
ok "$( [ "$new2" != "$old2" ] && [ ${#new2} -eq 64 ]; echo $?)" "... the ledger has a new checksum"
like "$out" "0002_t2: up $old2 -> $new2" "... shown with the old one"
like "$out" "1 checksum re-recorded" "... and counted"
is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE version = 1 AND checksum = '$(sum 1)'")" "1" "0001 untouched"
mig status --dir "$D" >/dev/null 2>&1
is "$?" "0" "status: up to date again"
mig verify --dir "$D" >/dev/null 2>&1
is "$?" "0" "verify: no drift"
migj history >"$W/h.json" 2>/dev/null
is "$(js "$W/h.json" '[(e["event"], e["checksum"]) for e in d["events"] if e["event"] == "repaired"]')" \
    "[('repaired', '$new2')]" "history: a repaired event with the new checksum"
like "$(js "$W/h.json" '[e["note"] for e in d["events"] if e["event"] == "repaired"][0]')" \
    "up was $old2" "... and the old one in its note"

# -- two files edited: both shown, both repaired in one go
printf -- '-- one\nCREATE TABLE r_t1 (id int);\n' >"$D/0001_t1.up.sql"
printf -- '-- two\nDROP TABLE r_t2;\n' >"$D/0002_t2.down.sql"
out=$(mig repair --dir "$D" --yes 2>&1); rc=$?
is "$rc" "0" "two edited files (an up and a down)"
is "$(printf '%s\n' "$out" | grep -c ' -> ')" "2" "... two rows shown"
like "$out" "2 checksums re-recorded" "... both re-recorded"
mig status --dir "$D" >/dev/null 2>&1
is "$?" "0" "... status up to date"

# -- a failed row: only --remove-failed removes it
printf -- '-- mcpdb:no-transaction\nSELECT 1/0;\n' >"$D/0003_bad.up.sql"
echo "SELECT 1;" >"$D/0003_bad.down.sql"
mig up --dir "$D" >/dev/null 2>&1
is "$(q "SELECT state FROM mcpdb.migrations WHERE version = 3")" "failed" "0003 failed"
before=$(state)
out=$(mig repair --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "repair without --remove-failed: exit 1, one line"
like "$out" "--remove-failed" "... naming the flag"
is "$(state)" "$before" "... and the failed row stays"
migj repair --dir "$D" --yes >"$W/e.json" 2>/dev/null; rc=$?
is "$rc:$(js "$W/e.json" 'd["ok"], d["error"]["code"], d["repaired"]')" "1:False state 0" "--json: one document with the error"
out=$(mig repair --remove-failed --dir "$D" --yes 2>&1); rc=$?
is "$rc" "0" "repair --remove-failed"
like "$out" "0003_bad: failed row removed" "... names the row"
is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE version = 3")" "0" "... the failed row is gone"
is "$(q "SELECT count(*) FROM mcpdb.migration_events WHERE event = 'failed row removed' AND note LIKE '%division by zero%'")" \
    "1" "... recorded in the history with its error"
out=$(mig repair --remove-failed --dir "$D" --yes 2>&1); rc=$?
is "$rc:$(lines "$out")" "1:1" "--remove-failed with no failed row: exit 1, one line"
done_testing
