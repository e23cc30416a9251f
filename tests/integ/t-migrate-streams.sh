#!/bin/sh
# t-migrate-streams.sh - per-schema migration streams (issue 17, item 8),
# first step: the runner does not run streams yet, so a migrations directory
# with stream sub-directories is refused in one line naming the directory,
# exit 2, nothing changed in the database, instead of its sub-directories
# being silently ignored; a badly named or nested sub-directory is named;
# hidden directories are ignored and the flat layout keeps working.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migstream
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
fresh
mig() { "$M" -t t migrate "$@"; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
state() { q "SELECT coalesce((SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM mcpdb.migrations), '-') || '/' || (SELECT count(*) FROM mcpdb.migration_events)"; }

mkdir -p "$W/xdg/mcpdb"
cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": { "t": { "pg": "$URL dbname=$DB" } } }
JSON
chmod 600 "$W/xdg/mcpdb/config.json"
D=$W/m; mkdir -p "$D/.git"
echo "CREATE TABLE s_flat (id int);" >"$D/0001_flat.up.sql"
echo "DROP TABLE s_flat;" >"$D/0001_flat.down.sql"
out=$(mig up --dir "$D" 2>&1); rc=$?
is "$rc" "0" "flat layout with a hidden directory: up works"
is "$(state)" "1:applied/1" "... 0001 applied"
before=$(state)

mkdir -p "$D/analytics"
echo "CREATE TABLE s_an (id int);" >"$D/analytics/0001_an.up.sql"
echo "DROP TABLE s_an;" >"$D/analytics/0001_an.down.sql"
for cmd in up status down plan; do
	out=$(mig $cmd --dir "$D" 2>&1); rc=$?
	is "$rc:$(lines "$out")" "2:1" "a stream directory: $cmd refused, exit 2, one line"
	like "$out" "$D/analytics: per-schema migration streams" "... naming the directory"
done
is "$(state)" "$before" "... and nothing changed"
is "$(q "SELECT to_regclass('s_an') IS NULL")" "t" "... the stream's migration did not run"
out=$(mig new --dir "$D" x 2>&1); rc=$?
ok "$( [ "$rc" -ne 0 ] && [ ! -e "$D/0002_x.up.sql" ]; echo $?)" "migrate new refused, no file written"
out=$("$M" migrate lint --dir "$D" 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "migrate lint refused, exit 2, one line"

rm -rf "$D/analytics"; mkdir -p "$D/Bad-Name"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "a badly named sub-directory: exit 2, one line"
like "$out" "$D/Bad-Name: not a stream name" "... naming it"
rm -rf "$D/Bad-Name"; mkdir -p "$D/ok/deeper"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "a nested sub-directory: exit 2, one line"
like "$out" "$D/ok/deeper: a migration stream holds files only" "... naming it"
is "$(state)" "$before" "... and nothing changed"

rm -rf "$D/ok"
out=$(mig status --dir "$D" 2>&1); rc=$?
is "$rc" "0" "flat again: status works"
done_testing
