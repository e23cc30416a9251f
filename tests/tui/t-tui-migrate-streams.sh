#!/bin/sh
# t-tui-migrate-streams.sh - the Migrations pane with per-schema streams
# (issue 17 item 8): it shows one stream at a time, named in its title;
# `t` goes to the next; u and d act on the stream on screen only, and the
# ledger rows carry that stream.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"

mkdir -p "$D/proj/migrations/billing"
cd "$D/proj/migrations" || bail_out "no migrations dir"
printf 'CREATE TABLE ts_top (id int);\n' >0001_top.up.sql
printf 'DROP TABLE ts_top;\n' >0001_top.down.sql
printf 'CREATE TABLE ts_bill (id int);\n' >billing/0001_bill.up.sql
printf 'DROP TABLE ts_bill;\n' >billing/0001_bill.down.sql
printf 'CREATE TABLE ts_bill2 (id int);\n' >billing/0002_bill2.up.sql
printf 'DROP TABLE ts_bill2;\n' >billing/0002_bill2.down.sql
cd "$D" || bail_out "no scratch dir"
rows() { sql "SELECT coalesce(string_agg(CASE WHEN stream = '' THEN 'default' ELSE stream END || '/' || version, ',' ORDER BY stream, version), '-') FROM mcpdb.migrations" 2>/dev/null || echo "-"; }

start
open_pane 3 "t next stream" || bail_out "the pane did not open (no 't next stream' in its key line)"
wait_for "Migrations: stream default (1/2)" 15
ok $? "the title names the stream shown and how many there are"
wait_for "0 applied, 1 pending" 15; ok $? "the default stream: its one file pending"
keys t
wait_for "Migrations: stream billing (2/2)" 15; ok $? "t shows the next stream"
wait_for "0 applied, 2 pending" 15; ok $? "... with billing's two files"
keys u; wait_for "Confirm"; keys y
wait_for "applied      0001_bill" 15; ok $? "u applies billing's 0001"
wait_for "1 applied, 1 pending" 15; ok $? "... and the title counts it"
is "$(rows)" "billing/1" "the ledger row is billing's, the default stream untouched"
keys t
wait_for "Migrations: stream default (1/2)" 15; ok $? "t comes round to the default stream"
wait_for "0 applied, 1 pending" 15; ok $? "... still pending there"
keys u; wait_for "Confirm"; keys y
wait_for "applied      0001_top" 15; ok $? "u applies the default stream's 0001"
is "$(rows)" "default/1,billing/1" "... recorded in the default stream"
# t is refused until the run's status re-read is in: wait for its title
wait_for "1 applied, 0 pending" 15
keys t
wait_for "Migrations: stream billing (2/2)" 15
keys d; wait_for "Confirm" 10; keys y
wait_for "0 applied, 2 pending" 20; ok $? "d rolls back billing's 0001 only"
is "$(rows)" "default/1" "the default stream's row stays"
done_testing
