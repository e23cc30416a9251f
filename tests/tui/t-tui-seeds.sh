#!/bin/sh
# t-tui-seeds.sh - the Seeds pane as an operator uses it: sets with their
# files, target tables, row counts and ledger state; a refused confirmation
# loads nothing; a load shows progress (rows/s, time left) and the rows
# arrive; Esc cancels a load and the table keeps zero rows (the pane checks
# it too); a bad file shows the loader's FILE:LINE message in full, the same
# one `mcpdb seed load` prints; a dry run and a verify change nothing;
# the space a rolled-back load leaves is shown and V reclaims it (VACUUM,
# REINDEX) behind a confirmation; console completion of set names.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"
ROWS_N=100000

# Two tables with a per-row trigger that burns a little CPU, so a load of
# 100,000 rows takes a few seconds: long enough to watch and to cancel.
sql "CREATE SCHEMA app;
CREATE FUNCTION app.slow_row() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN PERFORM pg_catalog.md5(pg_catalog.repeat(NEW.name, 1500)); RETURN NEW; END \$\$;
CREATE TABLE app.items (id bigint PRIMARY KEY, name text NOT NULL, n int NOT NULL);
CREATE TABLE app.items2 (id bigint PRIMARY KEY, name text NOT NULL, n int NOT NULL);
CREATE TRIGGER slow BEFORE INSERT ON app.items FOR EACH ROW EXECUTE FUNCTION app.slow_row();
CREATE TRIGGER slow BEFORE INSERT ON app.items2 FOR EACH ROW EXECUTE FUNCTION app.slow_row();" >/dev/null ||
	bail_out "cannot create the tables"
for set in items items2; do
	mkdir -p "$D/proj/seeds/$set"
	cat >"$D/proj/seeds/$set/seed.json" <<EOF
{ "name": "$set", "description": "$ROWS_N generated rows",
  "files": [ { "file": "app.$set.csv", "table": "app.$set", "format": "csv" } ] }
EOF
	awk -v n=$ROWS_N 'BEGIN { print "id,name,n"; for (i = 1; i <= n; i++) printf "%d,item-%d,%d\n", i, i, i % 977 }' \
		>"$D/proj/seeds/$set/app.$set.csv"
done
mkdir -p "$D/proj/seeds/broken"
cat >"$D/proj/seeds/broken/seed.json" <<EOF
{ "name": "broken", "description": "a bad value on line 3",
  "files": [ { "file": "app.items.csv", "table": "app.items", "format": "csv" } ] }
EOF
printf 'id,name,n\n900001,fine,1\n900002,bad,notanumber\n' >"$D/proj/seeds/broken/app.items.csv"
count() { sql "SELECT count(*) FROM app.$1"; }

start
open_pane 5 "l load" || bail_out "the pane did not open"
wait_for "3 sets" 15; ok $? "the Seeds pane lists the sets"
like "$(screen)" "broken  append" "each with its mode"
like "$(screen)" "$ROWS_N generated rows" "and description"
keys Down
wait_for "Files of items" 5; ok $? "selecting a set lists its files"
like "$(screen)" "app.items.csv  app.items" "with the target table"
like "$(screen)" "never" "and the ledger's state: never loaded"

# ---- a refused confirmation loads nothing
keys l
wait_for "Load items: mode [a]ppend*" 5; ok $? "l offers the modes, the manifest's selected"
keys Enter
wait_for "Load seed set items (append mode" 5; ok $? "Enter asks to confirm the load"
keys n
wait_for "cancelled; nothing was done" 5; ok $? "n refuses"
sleep 0.5
is "$(count items)" "0" "nothing was loaded"

# ---- a load with progress
keys l Enter
wait_for "Confirm" 5; keys y
wait_for "rows/s" 15; ok $? "the load shows its progress: rows per second"
wait_for "ETA" 5; ok $? "and the time left"
like "$(screen)" "Esc cancels: the transaction rolls back" "and how to cancel it"
wait_for "loaded 1 files, 100,000 rows" 120; ok $? "the load finishes and says how many rows"
is "$(count items)" "$ROWS_N" "the rows arrived (psql count)"
wait_for "100,000 rows, append" 15; ok $? "the ledger's state is shown for the file"
like "$(screen)" " 100,000 " "and the rows the table holds"

# ---- Esc cancels; zero rows
keys Down
wait_for "Files of items2" 5
keys l Enter
wait_for "Confirm" 5; keys y
wait_for "rows/s" 15; ok $? "a second load runs"
keys Escape
wait_for "CANCELLED" 30; ok $? "Esc cancels it"
like "$(screen)" "interrupted; the set was rolled back, nothing was loaded" "the loader says it rolled back"
like "$(screen)" "checked: no row of the set's 1 table changed" "the pane checked the table did not change"
is "$(count items2)" "0" "psql: zero rows"

# ---- a bad file shows its FILE:LINE error in full
keys Home
wait_for "Files of broken" 5
keys l Enter
wait_for "Confirm" 5; keys y
wait_for "seeds/broken/app.items.csv:3:" 30; ok $? "a bad file fails with its FILE:LINE"
msg=$(cli seed load broken | sed -n 's/^mcpdb: //p' | sed 's/; nothing was loaded (the set was rolled back)$//')
like "$msg" "seeds/broken/app.items.csv:3:" "mcpdb seed load prints the same place"
like "$(screen | tr -s ' ')" "$(printf '%s' "$msg" | tr -s ' ')" "and the pane shows the loader's message in full"
is "$(count items)" "$ROWS_N" "the table kept what it had"

# ---- dry run and verify change nothing
keys Down Down
wait_for "Files of items2" 5
keys l d
wait_for "[d]ry-run: ON" 5; ok $? "d turns dry-run on"
keys Enter
wait_for "would load 1 files, 100,000 rows" 120; ok $? "a dry run needs no confirmation and reports what it would load"
like "$(screen)" "nothing was written" "and says nothing was written"
is "$(count items2)" "0" "psql: still zero rows"

# ---- what the rolled-back rows left: shown, and V cleans it up behind a confirmation
size() { sql "SELECT pg_total_relation_size('app.items2')"; }
wait_for "press V to VACUUM and REINDEX them" 10; ok $? "the pane says the rolled-back rows left space behind"
screen | grep -Eq "the rolled-back rows left [0-9.]+ (MiB|KiB) in the set's 1 table"; ok $? "and how much"
s0=$(size)
ok "$([ "$s0" -gt 1048576 ] && echo 0 || echo 1)" "psql agrees: app.items2 holds $s0 bytes for zero rows"
keys V
wait_for "Confirm" 5; ok $? "V asks first"
like "$(screen)" "VACUUM (ANALYZE) and REINDEX TABLE CONCURRENTLY" "saying what it will run"
like "$(screen)" "(app.items2)" "naming the tables"
keys n
wait_for "cancelled; nothing was done" 5; ok $? "n declines"
is "$(size)" "$s0" "declined: the table is untouched"
keys V
wait_for "Confirm" 5; keys y
wait_for "VACUUM and REINDEX of seed set items2's 1 table:" 60; ok $? "y runs VACUUM and REINDEX and says what it reclaimed"
s1=$(size)
ok "$([ "$s1" -lt 262144 ] && echo 0 || echo 1)" "the space is given back: $s0 -> $s1 bytes"
keys V
wait_for "nothing to clean up" 5; ok $? "a second V has nothing left to do"
keys v
wait_for "checked 1 files, 100,000 rows" 60; ok $? "v verifies the set against the catalog"

# ---- console completion
keys : 'seed load it' Tab
wait_for "items  items2" 5; ok $? "Tab in the console lists the seed sets"
keys C-u; sleep 0.2; keys Escape
wait_gone "Tab completes" 5

keys q
wait_for "EXITED 0"; ok $? "q quits"

# ---- a read-only target: no load at all, not even a dry run (a replace dry
# run deletes every row before it rolls back), as the CLI refuses it
cat >"$XDG_CONFIG_HOME/mcpdb/config.json" <<EOF
{ "targets": { "viewer": { "pg": "$PG", "redis": "$RS", "read_only": true } } }
EOF
chmod 600 "$XDG_CONFIG_HOME/mcpdb/config.json"
cat >"$D/run2.sh" <<EOF
#!/bin/sh
cd "$D/proj" || exit 1
"$M" --target viewer
echo "EXITED \$?"
exec sleep 600
EOF
tui_session "$D/run2.sh"
open_pane 5 "l load" || bail_out "the pane did not open on the read-only target"
wait_for "3 sets" 15
keys Down
wait_for "Files of items" 5
keys l
wait_for "not even as a dry run" 5; ok $? "read-only target: l is refused, dry run included"
unlike "$(screen)" "Load items: mode" "the load dialog does not open"
is "$(count items)" "$ROWS_N" "the table kept its rows"
out=$(cd "$D/proj" && "$M" --target viewer seed load items --mode replace --dry-run 2>&1); rc=$?
is "$rc" 1 "the CLI refuses the same dry run"
like "$out" "target viewer is read-only" "naming the read-only target"
keys q
wait_for "EXITED 0"; ok $? "q quits"
done_testing
