#!/bin/sh
# t-migrate-repeatable.sh - repeatable migrations R_name.sql (issue 17,
# item 5) against the harness server: a new repeatable is applied after the
# versioned ones, an unchanged one is not applied again, an edited one is
# (the view changes on the server) with "reapplied" and the old checksum in
# the history; placeholders expand in them; status (text and --json) lists
# them as pending, applied, outdated and file-missing; plan shows them; down
# leaves them alone; broken SQL in one is a one-line error naming file:line,
# exit 1, nothing of it applied (the versioned ones before it stay
# committed, each in its own transaction); a file refused on reading is exit
# 2 with nothing changed at all; two runners at once apply it once.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migrep
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# likere TEXT ERE DESCRIPTION: TEXT has a line matching ERE (table columns).
likere() {
	printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3" || :
	printf '%s\n' "$1" | grep -Eq -- "$2" || diag "'$1'" "does not match /$2/"
}
sum() { sha256sum <"$1" | cut -d' ' -f1; }

D=$W/m; mkdir -p "$D"
mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "a": { "pg": "$URL dbname=$DB", "migrations_dir": "$D",
    "migrate": { "placeholders": { "vcol": "label" } } } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
R="$M -t a migrate"
fresh

cat >"$D/0001_items.up.sql" <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, label text);
INSERT INTO items VALUES (1, 'one');
SQL
echo 'DROP TABLE items;' >"$D/0001_items.down.sql"
# Its view needs 0001's table: it only works when run after it.
cat >"$D/R_views.sql" <<'SQL'
-- the view of ${vcol}: not expanded in comments
CREATE OR REPLACE VIEW item_labels AS SELECT id, ${vcol} FROM items;
SQL
# Flyway's spelling, and description order: R__funcs before R_views.
cat >"$D/R__funcs.sql" <<'SQL'
CREATE OR REPLACE FUNCTION item_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM items $$;
SQL

# -- before anything: status and plan
out=$($R status 2>&1); rc=$?
is "$rc" "3" "status before up: exit 3 (pending)"
likere "$out" "^R_views +\| pending" "status lists the repeatable as pending"
like "$out" "2 repeatables: 0 applied, 2 pending, 0 outdated" "... and counts them"
$M -t a --json migrate status >"$W/st.json" 2>&1
is "$(js "$W/st.json" "[(r['name'], r['state']) for r in d['repeatables']]")" \
    "[('funcs', 'pending'), ('views', 'pending')]" "status --json: repeatables by name, pending"
out=$($R plan 2>&1); rc=$?
is "$rc" "0" "plan: exit 0"
is "$(printf '%s\n' "$out" | grep -E '^would' | awk '{print $3}' | tr '\n' ' ')" \
    "0001_items R_funcs R_views " "plan: versioned first, then repeatables by name"
like "$out" "CREATE OR REPLACE VIEW item_labels AS SELECT id, label FROM items;" \
    "plan: the repeatable's SQL with placeholders expanded"
like "$out" "ledger: repeatable 'views' applied" "plan: says what the ledger gets"
is "$(q "SELECT to_regclass('mcpdb.migrations') IS NULL")" "t" "plan changed nothing"
$M -t a --json migrate plan >"$W/p.json" 2>&1
is "$(js "$W/p.json" "[(s['id'], s['action'], s['repeatable']) for s in d['steps']]")" \
    "[('0001_items', 'would apply', False), ('R_funcs', 'would apply', True), ('R_views', 'would apply', True)]" \
    "plan --json: steps flagged repeatable"
out=$($R up --dry-run 2>&1); rc=$?
like "$rc:$(printf "%s\n" "$out" | tail -1)" "0:migrate up: dry run, nothing was changed (3 to apply" "up --dry-run counts the repeatables"

# -- first up: versioned, then repeatables
out=$($R up 2>&1); rc=$?
is "$rc" "0" "up: exit 0 ($out)"
is "$(printf '%s\n' "$out" | grep -E '^applied' | awk '{print $2}' | tr '\n' ' ')" \
    "0001_items R_funcs R_views " "up: applied 0001 first, then the repeatables by name"
like "$out" "(repeatable)" "the step line marks a repeatable"
is "$(q "SELECT * FROM item_labels")" "1|one" "the view exists and reads the table"
is "$(q "SELECT item_count()")" "1" "the function exists"
is "$(q "SELECT name, checksum, applies FROM mcpdb.migration_repeatables WHERE name = 'views'")" \
    "views|$(sum "$D/R_views.sql")|1" "ledger: the file's checksum (before expansion), applied once"
like "$(q "SELECT applied_sql FROM mcpdb.migration_repeatables WHERE name = 'views'")" \
    "SELECT id, label FROM items" "ledger keeps the SQL that ran"
out=$($R status 2>&1); rc=$?
is "$rc" "0" "status after up: exit 0 ($out)"
likere "$out" "^R_views +\| applied" "status: applied"

# -- unchanged: not applied again
out=$($R up 2>&1); rc=$?
is "$rc:$out" "0:migrate up: nothing to do (up to date)" "up again: nothing to do"
is "$(q "SELECT sum(applies) FROM mcpdb.migration_repeatables")" "2" "... and nothing re-applied"

# -- edited: outdated, then re-applied, and the view changes on the server
old=$(sum "$D/R_views.sql")
cat >"$D/R_views.sql" <<'SQL'
CREATE OR REPLACE VIEW item_labels AS SELECT id, ${vcol}, upper(${vcol}) AS shout FROM items;
SQL
new=$(sum "$D/R_views.sql")
out=$($R status 2>&1); rc=$?
is "$rc" "3" "status after an edit: exit 3"
likere "$out" "^R_views +\| outdated" "... the repeatable is outdated"
$M -t a --json migrate status >"$W/st.json" 2>&1
is "$(js "$W/st.json" "[(r['state'], r['applied_checksum'] == '$old', r['checksum'] == '$new') for r in d['repeatables'] if r['name'] == 'views'][0]")" \
    "('outdated', True, True)" "status --json: outdated, with old and new checksums"
is "$(js "$W/st.json" "d['repeatable_counts']")" \
    "{'applied': 1, 'pending': 0, 'outdated': 1, 'file-missing': 0}" "status --json: repeatable_counts"
is "$(js "$W/st.json" "d['up_to_date']")" "False" "status --json: not up to date while one is outdated"
out=$($R plan 2>&1)
like "$out" "would reapply    R_views" "plan: would reapply the edited one"
like "$out" "ledger: repeatable 'views' reapplied, checksum $(printf %.12s "$old")... -> $(printf %.12s "$new")..." \
    "... from the old checksum to the new"
out=$($R up 2>&1); rc=$?
is "$rc" "0" "up after the edit: exit 0 ($out)"
likere "$out" "^reapplied +R_views" "up: reapplied"
unlike "$out" "R_funcs" "... only the changed one"
is "$(q "SELECT * FROM item_labels")" "1|one|ONE" "the new view definition is on the server"
is "$(q "SELECT checksum = '$new', applies FROM mcpdb.migration_repeatables WHERE name = 'views'")" \
    "t|2" "ledger: new checksum, applied twice"
$M -t a --json migrate history >"$W/h.json" 2>&1
is "$(js "$W/h.json" "[(e['event'], e['checksum'] == '$new', e['old_checksum'] == '$old') for e in d['events'] if e['repeatable'] and e['name'] == 'views']")" \
    "[('applied', False, False), ('reapplied', True, True)]" \
    "history --json: the apply and the re-apply with old and new checksums"
out=$($R history 2>&1)
likere "$out" "\| R +\| views +\| reapplied" "history text: the re-apply, version R"
like "$out" "was $(printf %.12s "$old")" "... naming the checksum it replaced"

# -- a broken repeatable: one-line error, exit 1, nothing of it applied
cat >"$D/0002_more.up.sql" <<'SQL'
INSERT INTO items VALUES (2, 'two');
SQL
echo 'DELETE FROM items WHERE id = 2;' >"$D/0002_more.down.sql"
cat >"$D/R_zbroken.sql" <<'SQL'
CREATE VIEW zb AS SELECT 1 AS one;

SELECT nosuch_column FROM items;
SQL
$R up >"$W/o" 2>"$W/e"; rc=$?
is "$rc" "1" "up with broken SQL in a repeatable: exit 1"
is "$(lines "$(cat "$W/e")")" "1" "... one line on stderr: $(cat "$W/e")"
like "$(cat "$W/e")" "R_zbroken.sql:3:8: column \"nosuch_column\" does not exist" "... naming file:line:col"
is "$(q "SELECT to_regclass('zb') IS NULL, (SELECT count(*) FROM mcpdb.migration_repeatables WHERE name = 'zbroken')")" \
    "t|0" "... nothing of it applied, no ledger row"
is "$(q "SELECT count(*) FROM mcpdb.migrations WHERE version = 2")|$(q "SELECT count(*) FROM items")" \
    "1|2" "... the versioned migration before it stays committed"
is "$(q "SELECT event FROM mcpdb.migration_events WHERE repeatable AND name = 'zbroken'")" \
    "up failed" "... and the failure is in the history"
out=$($R status 2>&1); rc=$?
likere "$out" "^R_zbroken +\| pending" "status: still pending"

# -- refused on reading: exit 2, one line, nothing changed
rm "$D/R_zbroken.sql"
cat >"$D/0003_later.up.sql" <<'SQL'
CREATE TABLE later (id int);
SQL
echo 'DROP TABLE later;' >"$D/0003_later.down.sql"
before=$(q "SELECT count(*) FROM mcpdb.migration_events")
printf "CREATE VIEW q AS SELECT 'open;\n" >"$D/R_quote.sql"
out=$($R up 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "unterminated quote in a repeatable: exit 2, one line"
like "$out" "R_quote.sql:1:" "... naming the file and line"
is "$(q "SELECT to_regclass('later') IS NULL, count(*) FROM mcpdb.migration_events")" \
    "t|$before" "... nothing changed (the pending versioned one neither)"
rm "$D/R_quote.sql"
printf -- '-- mcpdb:no-transaction\nSELECT 1;\n' >"$D/R_notx.sql"
out=$($R up 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "no-transaction repeatable: exit 2, one line"
like "$out" "R_notx.sql: a repeatable migration always runs in one transaction" "... says why"
rm "$D/R_notx.sql"
echo 'SELECT 1;' >"$D/R_x.down.sql"
out=$($R up 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "R_x.down.sql: exit 2, one line"
like "$out" "a repeatable migration is one file R_description.sql, with no .up/.down" "... says a repeatable has no down"
rm "$D/R_x.down.sql"
is "$(q "SELECT to_regclass('later') IS NULL")" "t" "nothing was applied by refused runs"

# -- lint reads repeatables like every .sql file
printf 'ALTER TABLE items ALTER COLUMN label TYPE varchar(20);\n' >"$D/R_lintme.sql"
out=$($R lint 2>&1); rc=$?
like "$rc:$out" "3:" "lint: exit 3 with a finding in a repeatable"
like "$out" "R_lintme.sql:1: alter-type" "... naming it"
rm "$D/R_lintme.sql"

# -- --to below the newest file: repeatables wait for the versioned ones
echo 'CREATE OR REPLACE VIEW later_v AS SELECT * FROM later;' >"$D/R_later.sql"
out=$($R up --to 2 2>&1); rc=$?
is "$rc:$out" "0:migrate up: nothing to do (up to date)" "up --to 2: no repeatable while 0003 is pending"
out=$($R up 2>&1); rc=$?
is "$rc" "0" "up: 0003, then R_later ($out)"
is "$(printf '%s\n' "$out" | grep -E '^applied' | awk '{print $2}' | tr '\n' ' ')" \
    "0003_later R_later " "... in that order"

# -- down never touches repeatables
out=$($R down --yes 2>&1); rc=$?
unlike "$out" "R_" "down: no repeatable in its output"
is "$(q "SELECT count(*) FROM mcpdb.migration_repeatables")|$(q "SELECT to_regclass('item_labels') IS NOT NULL")" \
    "3|t" "down: repeatable rows and objects left alone"
$R up >/dev/null 2>&1

# -- file removed: file-missing, left alone, not a reason to fail
rm "$D/R_later.sql"
out=$($R status 2>&1); rc=$?
is "$rc" "0" "status with a repeatable file removed: exit 0 ($out)"
likere "$out" "^R_later +\| file-missing" "... listed as file-missing"
is "$(q "SELECT to_regclass('later_v') IS NOT NULL")" "t" "... its view is still there"
out=$($R up 2>&1); rc=$?
is "$rc:$out" "0:migrate up: nothing to do (up to date)" "up: nothing to do"

# -- two runners at once: the repeatable is applied once
cat >"$D/R_slow.sql" <<'SQL'
SELECT pg_sleep(1.5);
CREATE OR REPLACE VIEW slow_v AS SELECT 1 AS one;
SQL
timeout 60 $R up --lock-timeout 50s >"$W/a.out" 2>"$W/a.err" &
BG1=$!
timeout 60 $R up --lock-timeout 50s >"$W/b.out" 2>"$W/b.err" &
BG2=$!
wait "$BG1"; rc1=$?
wait "$BG2"; rc2=$?
is "$rc1:$rc2" "0:0" "two runners at once: both exit 0 ($(cat "$W/a.err" "$W/b.err"))"
is "$(cat "$W/a.out" "$W/b.out" | grep -c 'R_slow')" "1" "... only one applied R_slow"
is "$(q "SELECT applies FROM mcpdb.migration_repeatables WHERE name = 'slow'")|$(q "SELECT count(*) FROM mcpdb.migration_events WHERE repeatable AND name = 'slow'")" \
    "1|1" "... once in the ledger and the history"
done_testing
