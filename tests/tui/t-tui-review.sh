#!/bin/sh
# t-tui-review.sh - the defects an operator found reviewing the shell in tmux
# (issue 19), each checked the way it was seen: the real mcpdb in a private
# tmux server on a database of the test's own (tests/tui/panes-lib.sh).
# Needs the harness servers.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "$MCPDB_SRCDIR/tests/tui/panes-lib.sh"
COLS=120 ROWS=40

# ---- 3: one connection-saturation definition (usable slots, as health)
start
wait_for "── Server 15" 15; ok $? "the Dashboard shows the server section"
usable=$(sql "SELECT current_setting('max_connections')::int -
	current_setting('superuser_reserved_connections')::int")
line=$(screen | grep -F "conns    [")
like "$line" "/$usable]" "the conns gauge counts against the usable slots ($usable)"
unlike "$line" "NEAR LIMIT" "no saturation warning with a few connections"
# ---- 4: the monitor pool (size 1): no full bar when idle, text apart
wait_for "monitor  [" 5
n=0
until screen | grep -qF " 0 act 1 idle/1]" || [ $n -gt 100 ]; do sleep 0.05; n=$((n + 1)); done
line=$(screen | grep -F "monitor  [")
like "$line" " 0 act 1 idle/1]" "4: the monitor's count text stands apart from its bar: $line"
like "$line" "monitor  [    " "and an idle pool of one draws no bar"
h=$(cli health 2>&1)
like "$h" "/$usable connections" "health uses the same definition"
stop_tmux

# ---- 10: a failed protected-name prompt's message does not outlive it
cat >"$XDG_CONFIG_HOME/mcpdb/config.json" <<EOF
{ "targets": { "prod": { "pg": "$PG", "redis": "$RS", "protected": true } } }
EOF
chmod 600 "$XDG_CONFIG_HOME/mcpdb/config.json"
cat >"$D/run-t.sh" <<EOF
#!/bin/sh
cd "$D/proj" || exit 1
"$M" --target "\$1"
echo "EXITED \$?"
exec sleep 600
EOF
PGAPPNAME=tuirev-sleep $PSQL "$PG" -qAtX -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
SLEEPER=$!
tui_session "$D/run-t.sh" -- prod
wait_for "── Sessions" 15
keys / ; keys -l "tuirev-sleep"; keys Enter
wait_for "1 shown"; ok $? "protected target: the sleeping session is listed"
keys c; wait_for "Type the target" 5
keys -l wrong; keys Enter
wait_for "does not match target prod"; ok $? "a wrong name: refused, said on the bottom line"
keys c; wait_for "Type the target" 5; ok $? "asked again"
wait_gone "does not match target prod" 2
ok $? "the old refusal is gone once the question is asked again"
keys C-l
sleep 0.3
like "$(screen)" "Type the target" "Ctrl-L in the typed dialog: still asked"
keys -l prod; keys Enter
wait_for "cancel sent to backend"; ok $? "the right name goes ahead"
unlike "$(screen)" "does not match" "and no stale refusal is left"
keys q; wait_for "EXITED 0" 3
rm -f "$XDG_CONFIG_HOME/mcpdb/config.json"

# ---- 11: Ctrl-L inside a y/n confirmation only redraws
PGAPPNAME=tuirev-sleep $PSQL "$PG" -qAtX -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
SLEEPER=$!
start
wait_for "── Sessions" 15
keys / ; keys -l "tuirev-sleep"; keys Enter
wait_for "1 shown"
keys c; wait_for "[y] yes" 5; ok $? "a y/n confirmation to cancel the session"
keys C-l
sleep 0.5
like "$(screen)" "[y] yes" "Ctrl-L: the question is still asked"
unlike "$(screen)" "cancelled; nothing was done" "and nothing was answered"
keys n; wait_for "cancelled; nothing was done"; ok $? "n still answers it"
keys q; wait_for "EXITED 0" 3
kill $SLEEPER 2>/dev/null

# ---- 7: during the lock wait the Run title names the holder, not RUNNING
mkdir -p "$D/proj/migrations"
printf 'CREATE TABLE rv_one (id int);\n' >"$D/proj/migrations/0001_one.up.sql"
printf 'DROP TABLE rv_one;\n' >"$D/proj/migrations/0001_one.down.sql"
PGAPPNAME=tuirev-holder $PSQL "$PG" -qAtX -c "SELECT pg_advisory_lock(1835233380, 1835624306)" \
	-c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
HOLDER=$!
lockpid() { sql "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1835233380 AND objid = 1835624306 AND granted"; }
n=0
until [ -n "$(lockpid)" ] || [ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done
hpid=$(lockpid)
start
wait_for "── Server 15" 15
keys 3; wait_for "0001" 10
keys u; wait_for "Confirm" 5; keys y
wait_for "WAITING for the migration lock" 15; ok $? "u while another runner holds the lock: it waits"
runt=$(screen | grep -F "── Run")
like "$runt" "waiting for lock held by pid $hpid" "the Run title names the holder: $runt"
unlike "$runt" "RUNNING" "and does not claim to be running"
keys Escape
wait_for "stopped while waiting for the migration lock" 10
kill $HOLDER 2>/dev/null
sql "SELECT pg_terminate_backend($hpid)" >/dev/null 2>&1
keys q; wait_for "EXITED 0" 5

# ---- 12: e exports the Schema and Log panes too
sql "CREATE TABLE rv_exported (id int)" >/dev/null
start
wait_for "── Server 15" 15
keys 4; wait_for "rv_exported" 15; ok $? "the Schema pane lists a table"
keys 1; wait_for "── Server 15" 5
keys e
wait_for "exported every pane to" 5; ok $? "e exports"
f=$(ls -t "$XDG_STATE_HOME"/mcpdb/export-*.json 2>/dev/null | head -1)
python3 - "$f" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))["panes"]
sch = p["Schema"]
assert any(o["name"] == "rv_exported" and o["kind"] == "table" for o in sch["objects"]), sch
assert "public" in sch["schemas"]
assert isinstance(p["Log"]["entries"], list) and "level" in p["Log"]
PYEOF
ok $? "the export holds the Schema pane's objects and the Log pane's entries"
keys q; wait_for "EXITED 0" 5

# ---- 17: the CLI defects
sql "CREATE TABLE rv_never (id int)" >/dev/null
out=$(cli schema list public)
line=$(printf '%s\n' "$out" | grep -F rv_never)
like "$line" "unknown" "17: a never-analysed table's estimated rows are unknown: $line"
out=$(cli schema list nosuchschema); rc=$?
ok $([ $rc -ne 0 ]; echo $?) "schema list nosuchschema fails (exit $rc)"
like "$out" 'schema "nosuchschema" does not exist' "and says the schema does not exist"
mkdir -p "$D/proj/seeds"
out=$(cli seed load nosuchset); rc=$?
ok $([ $rc -ne 0 ]; echo $?) "seed load nosuchset fails (exit $rc)"
unlike "$out" "rolled back" "and does not claim a rollback when nothing started: $out"

# ---- 14: the session detail shows the whole query, wrapped, and writes it
long=$(python3 -c 'print("SELECT pg_sleep(60) /* " + " ".join("w%03d" % i for i in range(150)) + " QEND */")')
PGAPPNAME=tuirev-long $PSQL "$PG" -qAtX -c "$long" >/dev/null 2>&1 &
LONGQ=$!
n=0
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tuirev-long' AND state = 'active'")" = 1 ] ||
	[ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done
qlen=$(printf '%s' "$long" | wc -c)
ok $([ "$qlen" -gt 400 ]; echo $?) "14: a session runs a $qlen-character query"
start
wait_for "── Server 15" 15
keys / ; keys -l "tuirev-long"; keys Enter
wait_for "Enter: detail" 10; ok $? "the session list offers the session detail"
keys Enter
wait_for "Wait history" 10; ok $? "Enter opens the session's detail"
wait_for "QEND" 5; ok $? "the whole query is shown, past 400 characters (its end is on screen)"
like "$(screen)" "w000" "and its beginning too (wrapped, not cut)"
keys w
wait_for "written to" 5; ok $? "w writes the query to a file"
f=$(ls -t "$XDG_STATE_HOME"/mcpdb/query-*.sql 2>/dev/null | head -1)
is "$(cat "$f" 2>/dev/null)" "$long" "the file holds the whole query"
is "$(stat -c %a "$f" 2>/dev/null)" 600 "and is private (0600)"
keys Escape; wait_gone "Wait history" 5; ok $? "Esc closes the viewer"
keys q; wait_for "EXITED 0" 5
kill $LONGQ 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tuirev-long'" >/dev/null 2>&1
stop_tmux

# ---- 8: at 80x24 the lists scroll; selected and first pending rows show
rm -rf "$D/proj/migrations" "$D/proj/seeds"
mkdir -p "$D/proj/migrations"
i=1
while [ $i -le 10 ]; do
	v=$(printf '%04d' $i)
	printf 'CREATE TABLE rv_t%d (id int);\n' $i >"$D/proj/migrations/${v}_rv_t$i.up.sql"
	printf 'DROP TABLE rv_t%d;\n' $i >"$D/proj/migrations/${v}_rv_t$i.down.sql"
	i=$((i + 1))
done
# 0006's down is taller than the screen: its confirmation must scroll.
{ i=1; while [ $i -le 40 ]; do echo "-- rv_t6 down, note line $i"; i=$((i + 1)); done
  echo 'DROP TABLE rv_t6;'; } >"$D/proj/migrations/0006_rv_t6.down.sql"
i=1
while [ $i -le 29 ]; do
	v=rvset$(printf '%02d' $i)
	mkdir -p "$D/proj/seeds/$v"
	printf '{ "name": "%s", "description": "set %d",\n  "files": [ { "file": "a.csv", "table": "public.rv_t1", "format": "csv" } ] }\n' \
	    $v $i >"$D/proj/seeds/$v/seed.json"
	printf 'id\n1\n' >"$D/proj/seeds/$v/a.csv"
	i=$((i + 1))
done
cli migrate up --to 0006 -y >/dev/null 2>&1
is "$(sql "SELECT count(*) FROM mcpdb.migrations WHERE state = 'applied'")" 6 \
	"8: six of ten migrations applied"
sql "INSERT INTO rv_t1 SELECT generate_series(1, 3)" >/dev/null
# Tables outside the seed sets that a replace of rv_t1 reaches by foreign key.
sql "ALTER TABLE rv_t1 ADD PRIMARY KEY (id);
CREATE TABLE rv_kid (id int PRIMARY KEY, t1 int REFERENCES rv_t1 ON DELETE CASCADE);
CREATE TABLE rv_grandkid (id int, kid int REFERENCES rv_kid ON DELETE CASCADE);
CREATE TABLE rv_loose (id int, t1 int REFERENCES rv_t1 ON DELETE SET NULL);
INSERT INTO rv_kid VALUES (1, 1), (2, 2); INSERT INTO rv_grandkid VALUES (1, 1);
INSERT INTO rv_loose VALUES (1, 3); ANALYZE rv_kid, rv_grandkid, rv_loose" >/dev/null
COLS=80 ROWS=24 start
open_pane 3 "u apply next" || bail_out "the Migrations pane did not open"
wait_for "0010" 10; ok $? "8: at 80x24 the last (pending) migration row is visible"
like "$(screen | grep -F 0007)" "pending" "the first pending row is visible"
n=$(screen | grep -c " 00[01][0-9]  *rv_t")
is "$n" 10 "with no run output all ten rows fit at 80x24"
keys v; wait_gone "no run yet" 10
wait_for "(Up/Down scroll)" 5; ok $? "with run output the list shrinks and says it scrolls"
like "$(screen | grep -F 0007)" "pending" "the selected first pending row stays visible"
keys 5
wait_for "rvset01" 10; ok $? "8: the Seeds pane lists the sets"
unlike "$(screen)" "rvset29" "the 29th set is below the fold"
keys G
wait_for "rvset29" 3; ok $? "8: Seeds: End scrolls the set list to the 29th set"
like "$(screen)" "of 29 (Up/Down scroll)" "the set list says it scrolls"
n=$(screen | grep -c "rvset[0-9]")
ok $([ "$n" -ge 6 ]; echo $?) "more than 4 sets visible at 80x24 ($n rows)"
# ---- 15: the replace confirmation names the tables and their rows
keys l; sleep 0.2; keys r; sleep 0.2; keys Enter
wait_for "Confirm" 5; ok $? "15: replace asks first"
like "$(screen)" "public.rv_t1: 3 rows deleted" "and says which table loses how many rows"
like "$(screen)" "public.rv_kid: ~2 rows deleted by CASCADE from public.rv_t1" \
	"15: and the tables its foreign keys cascade to"
like "$(screen)" "public.rv_grandkid: ~1 rows deleted by CASCADE from public.rv_kid" \
	"at any depth"
like "$(screen)" "public.rv_loose: ~1 rows updated by SET NULL from public.rv_t1" \
	"and those set to NULL"
keys n; wait_gone "Confirm" 5
is "$(sql "SELECT count(*) FROM rv_t1")" 3 "refused: nothing deleted"
# ---- 15: the roll-back confirmation shows the down SQL
keys 3; wait_for "u apply next" 5
keys d; wait_for "Confirm" 5; ok $? "15: roll back asks first"
like "$(screen)" "down SQL:" "the confirmation shows the down SQL"
like "$(screen)" "rv_t6 down, note line 1" "... of the migration it rolls back"
like "$(screen)" "Up/Down PgUp/PgDn scroll" "15: taller than the screen: the dialog says it scrolls"
like "$(screen)" "[y] yes" "and the question stays on screen"
unlike "$(screen)" "DROP TABLE rv_t6;" "the last line is below the fold"
keys End; sleep 0.3
like "$(screen)" "DROP TABLE rv_t6;" "End scrolls to the down SQL's last line"
like "$(screen)" "[y] yes" "the question is still there"
keys Up; sleep 0.2
like "$(screen)" "Confirm" "scrolling does not answer the question"
keys n; wait_gone "Confirm" 5
is "$(sql "SELECT count(*) FROM mcpdb.migrations WHERE state = 'applied'")" 6 "refused: nothing rolled back"
keys q; wait_for "EXITED 0" 5
stop_tmux
rm -rf "$D/proj/seeds" "$D/proj/migrations"

# ---- 9: the help overlay fits and scrolls at 80x24
COLS=80 ROWS=24 start
wait_for "── Server 15" 15
keys 3; wait_for "[3 Migrations]" 5
keys '?'; wait_for "Keys: Migrations" 5; ok $? "9: ? opens the Migrations help at 80x24"
scr=$(screen)
like "$scr" "Up/Down PgUp/PgDn scroll" "taller than the screen: it says it scrolls"
like "$scr" "└" "and its bottom edge is on screen"
keys End; sleep 0.3
like "$(screen)" "q              quit" "End scrolls to the last entry"
keys x; wait_gone "Keys: Migrations" 3; ok $? "any other key closes it"
keys q; wait_for "EXITED 0" 5

done_testing
