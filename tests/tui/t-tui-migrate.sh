#!/bin/sh
# t-tui-migrate.sh - the Migrations pane as an operator uses it: the status
# table against `mcpdb migrate status` and the catalog; a refused
# confirmation changes nothing; apply next, apply all with Esc stopping
# after the current migration, roll back, redo, verify, the SQL viewer; a
# second runner holding the lock shows its holder (pid, application) while
# the pane waits, and Esc ends the wait; a protected target needs its name
# typed; a read-only target refuses; console completion of versions.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"

# Four migrations; 0003 takes 3 s so a run can be stopped while it runs.
mkdir -p "$D/proj/migrations"
cd "$D/proj/migrations" || bail_out "no migrations dir"
printf 'CREATE TABLE tm_users (id int PRIMARY KEY, name text NOT NULL);\n' >0001_create_users.up.sql
printf 'DROP TABLE tm_users;\n' >0001_create_users.down.sql
printf 'ALTER TABLE tm_users ADD COLUMN email text;\n' >0002_add_email.up.sql
printf 'ALTER TABLE tm_users DROP COLUMN email;\n' >0002_add_email.down.sql
printf 'SELECT pg_sleep(3);\nCREATE TABLE tm_slow (id int);\n' >0003_slow.up.sql
printf 'DROP TABLE tm_slow;\n' >0003_slow.down.sql
printf 'CREATE TABLE tm_after (id int);\n' >0004_after_slow.up.sql
printf 'DROP TABLE tm_after;\n' >0004_after_slow.down.sql
cd "$D" || bail_out "no scratch dir"

# The state of version V in the pane's table (marker, version, name, state).
pane_state() { screen | awk -v v="$1" '$2 == v { print $1 " " $4; exit }'; }
# "version state" lines from `mcpdb migrate status --json`.
cli_states() {
	cli migrate status --json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["migrations"]:
    print(m["version"], m["state"])'
}
# Does the pane show the same state, with its marker, as the CLI for every version?
same_as_cli() {
	cli_states >"$D/states" || return 1
	while read -r v st; do
		case $st in
		applied) mk="=" ;; pending) mk="+" ;; *) mk="?" ;;
		esac
		got=$(pane_state "$v")
		[ "$got" = "$mk $st" ] || { diag "version $v: pane '$got', cli '$st'"; return 1; }
	done <"$D/states"
	return 0
}
exists() { sql "SELECT to_regclass('$1') IS NOT NULL"; }
applied() { sql "SELECT string_agg(version::text, ',' ORDER BY version) FROM mcpdb.migrations WHERE state = 'applied'" 2>/dev/null; }

start
open_pane 3 "u apply next" || bail_out "the pane did not open"
wait_for "0 applied, 4 pending" 15; ok $? "the pane reads the status: 0 applied, 4 pending"
same_as_cli; ok $? "every row shows the state migrate status shows, with its marker"
like "$(screen)" "+  0003     slow" "pending rows carry the + marker (readable without colour)"

# ---- a refused confirmation changes nothing
keys u
wait_for "Apply 1 pending migration (0001_create_users)"; ok $? "u asks first, naming the migration"
keys n
wait_for "cancelled; nothing was done"; ok $? "n refuses"
sleep 0.5
is "$(exists public.tm_users)" "f" "after the refusal the table does not exist"
is "$(cli_states | head -1)" "0001 pending" "and migrate status still says pending"

# ---- apply the next one
keys u; wait_for "Confirm"; keys y
wait_for "applied      0001_create_users" 15; ok $? "y applies it; its line streams into the pane"
wait_for "1 applied, 3 pending" 15; ok $? "the status is read again"
is "$(exists public.tm_users)" "t" "psql sees the table"
is "$(applied)" "1" "the ledger has version 1"
same_as_cli; ok $? "the pane agrees with migrate status"
is "$(pane_state 0001)" "= applied" "0001 is marked = applied"

# ---- apply all; Esc stops after the current migration
keys U
wait_for "Apply 3 pending migrations (0002_add_email, 0003_slow,"; ok $? "U asks for all three"
like "$(screen)" "0004_after_slow)" "naming each"
keys y
wait_for "applied      0002_add_email" 15; ok $? "0002 applies"
wait_for "RUNNING apply all pending migrations: 0003_slow" 15; ok $? "the run says which migration runs now"
keys Escape
wait_for "will stop after the current migration"; ok $? "Esc asks to stop after the current one"
wait_for "applied      0003_slow" 20; ok $? "the running migration completes"
wait_for "stopped as asked: 2 of 3 applied" 15; ok $? "then the run stops"
wait_for "3 applied, 1 pending" 15; ok $? "0004 is still pending"
is "$(exists public.tm_slow)/$(exists public.tm_after)" "t/f" "psql: tm_slow exists, tm_after does not"
is "$(applied)" "1,2,3" "the ledger has 1, 2, 3"
same_as_cli; ok $? "the pane agrees with migrate status"

# ---- roll back the last applied one
keys d
wait_for "ROLL BACK migration 0003_slow"; ok $? "d asks to roll back 0003_slow"
keys y
wait_for "rolled back  0003_slow" 15; ok $? "it is rolled back"
wait_for "2 applied, 2 pending" 15; ok $? "the status follows"
is "$(exists public.tm_slow)" "f" "psql: tm_slow is gone"
is "$(applied)" "1,2" "the ledger has 1, 2"
same_as_cli; ok $? "the pane agrees with migrate status"
is "$(pane_state 0003)" "+ pending" "0003 is pending again"

# ---- redo
keys r; wait_for "Roll back 0002_add_email"; keys y
wait_for "rolled back  0002_add_email" 15; ok $? "redo rolls 0002 back"
wait_for "applied      0002_add_email" 15; ok $? "and applies it again"
is "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'tm_users' AND column_name = 'email'")" "1" "psql: the email column is there"
is "$(applied)" "1,2" "the ledger still has 1, 2"

# ---- verify
keys v
wait_for "verified 2 applied migrations against migrations: no drift" 15; ok $? "v verifies: no drift"
echo "-- changed" >>"$D/proj/migrations/0001_create_users.up.sql"
keys v
wait_for "checksum-mismatch  0001_create_users" 15; ok $? "a changed file shows as checksum-mismatch"
printf 'CREATE TABLE tm_users (id int PRIMARY KEY, name text NOT NULL);\n' >"$D/proj/migrations/0001_create_users.up.sql"

# ---- the SQL viewer
keys Home Enter
wait_for "0001_create_users: up and down SQL"; ok $? "Enter opens the SQL viewer"
like "$(screen)" "CREATE TABLE tm_users (id int PRIMARY KEY, name text NOT NULL);" "it shows the up SQL"
like "$(screen)" "DROP TABLE tm_users;" "and the down SQL"
keys Escape
wait_gone "up and down SQL"; ok $? "Esc closes it"

# ---- a second runner holds the lock
PGAPPNAME=t-tui-holder "$PSQL" "$PG" -qAtX -c "SELECT pg_advisory_lock(1835233380, 1835624306)" \
	-c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
holder=$!
n=0
until [ -n "$(sql "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1835233380 AND objid = 1835624306 AND granted")" ] || [ $n -gt 100 ]; do
	sleep 0.1; n=$((n + 1))
done
hpid=$(sql "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1835233380 AND objid = 1835624306 AND granted")
keys s
wait_for "A migration run is in progress elsewhere:" 15; ok $? "the status shows that someone holds the lock"
wait_for "lock held by pid $hpid (application t-tui-holder" 5; ok $? "naming its pid and application"
keys u; wait_for "Confirm"; keys y
wait_for "WAITING for the migration lock" 15; ok $? "applying waits for the lock, visibly"
wait_for "held by pid $hpid (application t-tui-holder, user" 5; ok $? "the pane says who holds it: pid, application, user"
like "$(screen)" "since" "and since when"
wait_for "of 10 s (Esc stops waiting)" 5; ok $? "with the time waited against the lock timeout"
keys Escape
wait_for "stopped while waiting for the migration lock" 10; ok $? "Esc ends the wait at once"
is "$(applied)" "1,2" "nothing was applied"
kill "$holder" 2>/dev/null
sql "SELECT pg_terminate_backend($hpid)" >/dev/null 2>&1
wait "$holder" 2>/dev/null

# ---- console completion of versions
keys : 'migrate resolve 00' Tab
wait_for "0001  0002  0003  0004" 5; ok $? "Tab in the console lists the migration versions"
# Schema names come from the Schema pane, never shown yet: the first Tab
# asks it to read the catalog, a later one completes.
keys C-u 'schema export pu' Tab
n=0
until screen | grep -qF ":schema export public" || [ $n -ge 20 ]; do
	sleep 0.25; keys Tab; n=$((n + 1))
done
screen | grep -qF ":schema export public"; ok $? "schema names complete even before the Schema pane was shown"
keys C-u; sleep 0.2; keys Escape
wait_gone "Tab completes" 5

# ---- a protected target needs its name typed; a read-only one refuses
cat >"$XDG_CONFIG_HOME/mcpdb/config.json" <<EOF
{ "targets": {
    "guarded": { "pg": "$PG", "redis": "$RS", "protected": true },
    "viewer": { "pg": "$PG", "redis": "$RS", "read_only": true } } }
EOF
cat >"$D/run2.sh" <<EOF
#!/bin/sh
cd "$D/proj" || exit 1
"$M" --target "\$1"
echo "EXITED \$?"
exec sleep 600
EOF
start_target() { tui_session "$D/run2.sh" -- "$1"; }
start_target guarded
keys 3
wait_for "2 applied, 2 pending" 15; ok $? "protected target: the pane reads the status"
keys u
wait_for "Target guarded is PROTECTED."; ok $? "u asks for the target's name"
keys wrong Enter
wait_for "does not match target guarded; nothing was done"; ok $? "a wrong name is refused"
is "$(applied)" "1,2" "nothing was applied"
keys u; wait_for "PROTECTED"; keys guarded Enter
wait_for "applied      0003_slow" 20; ok $? "the typed name applies it"
is "$(applied)" "1,2,3" "the ledger has 1, 2, 3"
start_target viewer
keys 3
wait_for "3 applied, 1 pending" 15; ok $? "read-only target: the pane reads the status"
keys u
wait_for "target viewer is read-only"; ok $? "u is refused with a message"
keys d
wait_for "target viewer is read-only"; ok $? "so is d"
sleep 0.5
is "$(applied)" "1,2,3" "nothing changed"

keys q
wait_for "EXITED 0"; ok $? "q quits"
done_testing
