#!/bin/sh
# t-tui-backup.sh - backup and restore from the interactive shell: `b` in
# the Schema pane backs up the selected service schema into the current
# directory with a progress line in the console and says where the backup
# is (a good one: backup verify passes); `b` on a non-service schema says
# why not and writes nothing; `restore` typed in the console asks first
# (n changes nothing, y restores), and on a protected target wants the
# target's name typed.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"
COLS=160
ROWS=45

cli migrate up --dir "$MCPDB_SRCDIR/migrations" >"$D/mig.out" || bail_out "migrate up: $(cat "$D/mig.out")"
cli seed load demo --dir "$MCPDB_SRCDIR/seeds" >"$D/seed.out" || bail_out "seed load: $(cat "$D/seed.out")"
rows() { sql "SELECT count(*) FROM code_quality.vulnerabilities"; }
nvuln=$(rows)

start
open_pane 4 "/ filter" || bail_out "the pane did not open"
wait_for "database $DB" 20; ok $? "the Schema pane loads the tree"
like "$(screen)" "b backup" "the footer names the b key"

# ---- b on a service schema
keys / c o d e _ q u a l i t y Enter
wait_for "filter: code_quality" 5; ok $? "the filter selects code_quality"
keys b
wait_for "-> code_quality-" 30; ok $? "b backs up the selected schema and says where the backup is"
like "$(screen)" "backup code_quality: 5 tables" "the console has the summary"
like "$(screen)" "backup code_quality: tables 5/5" "and the progress line (tables done / total, bytes)"
f=$(ls "$D/proj" | grep -E '^code_quality-[0-9]{8}T[0-9]{6}Z\.backup$' | head -n 1)
[ -n "$f" ] && [ -d "$D/proj/$f" ]; ok $? "the backup is in the current directory ($f)"
out=$(cli backup verify "$f"); ok $? "backup verify passes on it"
like "$out" "ok: code_quality from database $DB" "it holds code_quality"

# ---- b on something that is not a service schema
keys Escape
keys / p u b l i c Enter
wait_for "filter: public" 5
keys g b
wait_for "backup public failed" 15; ok $? "b on public refuses"
like "$(screen)" "not a service schema" "and says why"
is "$(ls "$D/proj" | grep -c '^public')" 0 "nothing written"
keys Escape

# ---- restore from the console asks first
sql "DELETE FROM code_quality.vulnerabilities WHERE severity = 'low'" >/dev/null
after=$(rows)
keys : "restore $f --clean" Enter
wait_for "About to restore code_quality" 15; ok $? "restore in the console asks first"
like "$(screen)" "replacing schema code_quality" "naming the schema it replaces"
keys n Enter
wait_for "declined; nothing was changed" 10; ok $? "n declines"
is "$(rows)" "$after" "nothing changed"
keys : "restore $f --clean" Enter
wait_for "About to restore code_quality" 15
keys y Enter
wait_for "row counts match the manifest" 30; ok $? "y restores; the row counts are checked"
is "$(rows)" "$nvuln" "the deleted rows are back"
keys Escape; wait_gone "Console"
keys q; wait_for "EXITED 0" 5

# ---- a protected target wants its name
cat >"$XDG_CONFIG_HOME/mcpdb/config.json" <<EOF
{ "targets": { "prod": { "pg": "$PG", "redis": "$RS", "protected": true } } }
EOF
chmod 600 "$XDG_CONFIG_HOME/mcpdb/config.json"
cat >"$D/run.sh" <<EOF
#!/bin/sh
cd "$D/proj" || exit 1
"$M" --target prod "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
sql "DELETE FROM code_quality.vulnerabilities WHERE severity = 'low'" >/dev/null
start
wait_for " prod PROTECTED " 10; ok $? "the protected target"
keys : "restore $f --clean" Enter
wait_for "Type the target name" 15; ok $? "restore on a protected target wants the name typed"
keys wrong Enter
wait_for "does not match" 10; ok $? "a wrong name refuses"
is "$(rows)" "$after" "nothing changed"
keys : "restore $f --clean" Enter
wait_for "Type the target name" 15
keys prod Enter
wait_for "row counts match the manifest" 30; ok $? "the right name restores"
is "$(rows)" "$nvuln" "the rows are back"
keys Escape; wait_gone "Console"
keys q; wait_for "EXITED 0" 5
done_testing
