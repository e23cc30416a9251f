#!/bin/sh
# t-tui-migrate-repeatable.sh - the Migrations pane with repeatable
# migrations (R_name.sql, issue 17 item 5): its title counts the
# repeatables `migrate up` would apply (new or changed), and applying the
# last pending versioned migration from the pane applies them after it.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"

mkdir -p "$D/proj/migrations"
cd "$D/proj/migrations" || bail_out "no migrations dir"
printf 'CREATE TABLE tr_items (id int, label text);\n' >0001_items.up.sql
printf 'DROP TABLE tr_items;\n' >0001_items.down.sql
printf 'CREATE OR REPLACE VIEW tr_labels AS SELECT label FROM tr_items;\n' >R_views.sql
cd "$D" || bail_out "no scratch dir"
exists() { sql "SELECT to_regclass('$1') IS NOT NULL"; }

start
open_pane 3 "u apply next" || bail_out "the pane did not open"
wait_for "0 applied, 1 pending, 1 repeatable to apply" 15
ok $? "the title counts the repeatable to apply"
keys u; wait_for "Confirm"; keys y
wait_for "applied      0001_items" 15; ok $? "u applies 0001"
wait_for "applied      R_views" 15; ok $? "... and then the repeatable, its line in the pane"
wait_for "1 applied, 0 pending  " 15; ok $? "the title has nothing left to apply"
is "$(exists public.tr_labels)" "t" "psql sees the view"
printf 'CREATE OR REPLACE VIEW tr_labels AS SELECT label, id FROM tr_items;\n' >"$D/proj/migrations/R_views.sql"
keys s
wait_for "1 applied, 0 pending, 1 repeatable to apply" 20
ok $? "an edited repeatable counts again (outdated)"
done_testing
