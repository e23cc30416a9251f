#!/bin/sh
# t-tui-schema.sh - the Schema browser as an operator uses it: the tree of
# schemas and their objects on a catalog of 10,000 tables (a big schema
# starts folded), the filter finding one table among them, the details of a
# table showing the same columns, indexes, constraints, foreign keys (both
# ways) and triggers that psql's \d shows, a view's definition, the preview
# grid (escaped control characters, long values cut with the marker,
# sideways scrolling), and console completion of schema names.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"
COLS=200
ROWS=60

sql "CREATE SCHEMA app; CREATE SCHEMA empty_one; CREATE SCHEMA bulk;
CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE, name varchar(200) COLLATE \"C\" DEFAULT 'anon');
CREATE TABLE app.orders (id serial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES app.users (id) ON DELETE CASCADE,
  qty int NOT NULL CHECK (qty > 0), note text, created timestamptz DEFAULT now());
COMMENT ON COLUMN app.orders.qty IS 'how many';
CREATE INDEX orders_user_idx ON app.orders (user_id);
CREATE INDEX orders_note_lower ON app.orders (lower(note)) WHERE note IS NOT NULL;
CREATE TABLE app.order_lines (order_id int REFERENCES app.orders (id), line int,
  PRIMARY KEY (order_id, line));
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE VIEW app.big_orders AS SELECT id, qty FROM app.orders WHERE qty > 10;
GRANT SELECT ON app.orders TO PUBLIC;
CREATE TABLE app.wide AS SELECT g AS id, repeat('a', 30) AS c01, repeat('b', 30) AS c02,
  repeat('c', 30) AS c03, repeat('d', 30) AS c04, repeat('e', 30) AS c05, repeat('f', 30) AS c06,
  repeat('g', 30) AS c07, repeat('h', 30) AS c08 FROM generate_series(1, 5) g;
INSERT INTO app.users (email) VALUES ('a@example.com');
INSERT INTO app.orders (user_id, qty, note) VALUES
  (1, 3, E'tab\there\nnext line'), (1, 20, repeat('x', 300));" >/dev/null ||
	bail_out "cannot create the fixture"
# 10,000 tables, committed every 1,000: each CREATE TABLE holds a lock to
# the end of its transaction, and one transaction for all of them overflows
# the lock table (max_locks_per_transaction 64 x 100 connections).
sql "DO \$\$ BEGIN FOR i IN 1..10000 LOOP
  EXECUTE format('CREATE TABLE bulk.t%s (id int)', lpad(i::text, 5, '0'));
  IF i % 1000 = 0 THEN COMMIT; END IF;
END LOOP; END \$\$;" >/dev/null || bail_out "cannot create the 10,000 bulk tables"
nobj=$(sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname IN ('app','empty_one','bulk','public')")
nobj=$((nobj + 1))	# app.touch()

# The details panel's text (right of the tree's border), spaces squeezed.
details() { screen | sed -n 's/^[^│|]*[│|]//p' | tr -s ' '; }
# Page through the details (focus them first), collecting every page in $D/seen.
collect() {
	: >"$D/seen"
	i=0
	while [ $i -lt 8 ]; do
		details >>"$D/seen"
		keys NPage; sleep 0.3
		i=$((i + 1))
	done
}
# seen NEEDLE...: does one collected line hold every needle?
seen() {
	awk -v n="$#" 'BEGIN { for (i = 1; i < ARGC; i++) w[i] = ARGV[i]; ARGC = 1 }
	{ m = 0; for (i = 1; i <= n; i++) if (index($0, w[i]) > 0) m++; if (m == n) { f = 1; exit } }
	END { exit !f }' "$@" <"$D/seen"
}

start
open_pane 4 "/ filter" || bail_out "the pane did not open"
wait_for "database $DB" 20; ok $? "the Schema pane loads the tree"
nobjs=$(echo "$nobj" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
wait_for "$nobjs objects" 5; ok $? "and counts the objects ($nobjs)"
like "$(screen)" "[+] bulk  (10,000)" "the 10,000-table schema starts folded"
like "$(screen)" "[-] app  (" "a small one starts unfolded"
like "$(screen)" "[-] empty_one  (0)" "an empty schema is listed"
like "$(screen)" "view   big_orders" "views are listed"
like "$(screen)" "func   touch()" "functions are listed with their argument types"
unlike "$(screen)" "pg_catalog" "system schemas are not"

# ---- the filter finds one table among 10,000
keys / t 0 7 7 7 7
wait_for "/t07777_" 5; ok $? "/ opens the filter and shows what is typed"
wait_for "table  t07777" 5; ok $? "the filter finds bulk.t07777 among 10,000 tables"
unlike "$(screen)" "t07776" "and only it"
keys Enter
wait_for "filter: t07777" 5; ok $? "Enter keeps the filter"
wait_for "table bulk.t07777" 10; ok $? "the details of the match load"
keys /
keys Escape
wait_for "/ filter  Enter open" 5; ok $? "Esc in the filter clears it"
like "$(screen)" "[+] bulk  (10,000)" "and the tree is back as it was"

# ---- a table against psql's \d
keys / o r d e r s Enter
wait_for "table app.orders" 10; ok $? "the filter selects app.orders and its details load"
keys Right
wait_for "Up/Down scroll" 5; ok $? "Right moves into the details"
collect
keys Home
"$PSQL" "$PG" -X -c '\d app.orders' >"$D/psql.txt" 2>&1
ok $? "psql \\d app.orders runs"
# Columns: "name | type | collation | nullable | default".
ncol=0
bad=""
for c in $(awk -F'|' '/^-+\+/ { on = 1; next } on && NF < 5 { exit } on { gsub(/^ +| +$/, "", $1); print $1 }' "$D/psql.txt"); do
	line=$(awk -F'|' -v c="$c" '/^-+\+/ { on = 1; next } on { x = $1; gsub(/^ +| +$/, "", x);
		if (x == c) { for (i = 2; i <= 5; i++) { gsub(/^ +| +$/, "", $i); if ($i != "") s = s " " $i }; print c s; exit } }' "$D/psql.txt")
	ncol=$((ncol + 1))
	# shellcheck disable=SC2086
	seen "$line" || bad="$bad [$line]"
done
is "$ncol/$bad" "5/" "each of the 5 columns shows with psql's type, nullability and default"
seen "qty integer not null how many"; ok $? "with its comment"
# Indexes, check constraints, foreign keys, referenced by, triggers: the name and the definition.
nsec=0
bad=""
sed -n '/^Indexes:/,$p' "$D/psql.txt" | grep '^    ' | sed 's/^ *//' >"$D/objs"
while IFS= read -r l; do
	case $l in
	TABLE*) name=$(echo "$l" | sed 's/.*CONSTRAINT "\([^"]*\)".*/\1/'); def=$(echo "$l" | sed 's/.*CONSTRAINT "[^"]*" //') ;;
	\"*) name=$(echo "$l" | sed 's/^"\([^"]*\)".*/\1/'); def=$(echo "$l" | sed 's/^"[^"]*" //; s/^PRIMARY KEY, //; s/^UNIQUE, //; s/^UNIQUE CONSTRAINT, //') ;;
	*) name=${l%% *}; def=$l ;;
	esac
	nsec=$((nsec + 1))
	seen "$name" "$def" || bad="$bad [$name: $def]"
done <"$D/objs"
is "$nsec/$bad" "7/" "each index, constraint, foreign key (out and in) and trigger psql lists shows with its definition"
seen "orders_pkey" "PRIMARY KEY" "btree (id)"; ok $? "the primary key is marked as such"
seen "PUBLIC" "SELECT"; ok $? "grants by role (PUBLIC: SELECT)"
seen "estimated rows"; ok $? "the estimated rows"
seen "table size" && seen "index size" && seen "toast size"; ok $? "table, index and toast sizes"
seen "last vacuum" && seen "last analyze"; ok $? "last vacuum and analyze"

# ---- the preview grid
keys p
wait_for "app.orders: first 100 rows" 10; ok $? "p previews the first rows"
wait_for 'tab\there\nnext line' 10; ok $? "control characters are shown escaped"
like "$(screen)" "xxxxxxxxxx…" "a long value is cut with the marker"
like "$(screen)" "user_id" "the grid has the column names"
keys Escape Escape
wait_for "Enter: scroll" 5; ok $? "Esc closes the preview, then the details"
keys / w i d e Enter
wait_for "table app.wide" 10
keys p
wait_for "app.wide: first 100 rows" 10; ok $? "a wide table's preview"
wait_for "aaaaaaaaaa" 10
like "$(screen)" "id  c01" "starts at its first column"
keys Right Right Right Right Right Right Right Right Right Right
keys Right Right Right Right Right Right Right Right Right Right
sleep 0.5
like "$(screen)" "«" "Right scrolls the grid sideways, marked at the left edge"
unlike "$(screen)" "id  c01" "the first columns scrolled off"
like "$(screen)" "hhhhhhhhhh" "and the last one came into view"
keys Escape Escape

# ---- a view
keys / b i g _ o Enter
wait_for "view app.big_orders" 10; ok $? "a view's details load"
keys Right NPage NPage; sleep 0.3
keys NPage; sleep 0.3
like "$(screen)" "WHERE orders.qty > 10" "and show its definition"
keys Escape / Escape
wait_for "/ filter  Enter open" 5

# ---- console completion
keys : 'schema export ap' Tab
wait_for ":schema export app" 5; ok $? "Tab completes a schema name in the console"
keys C-u 'schema export --format ts e' Tab
wait_for ":schema export --format ts empty_one" 5; ok $? "including an empty schema"
keys C-u; sleep 0.2; keys Escape
wait_gone "Tab completes" 5

keys q
wait_for "EXITED 0"; ok $? "q quits"
done_testing
