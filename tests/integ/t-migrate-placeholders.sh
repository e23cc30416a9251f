#!/bin/sh
# t-migrate-placeholders.sh - ${NAME} placeholders (issue 17, item 6)
# against the harness server: two targets with different values create
# different objects and roles from the same files; comments and dollar
# bodies are left alone; the checksum is the file's (the same on both, and
# no drift when a value changes); plan shows the expanded SQL; lint lints
# the expanded text; an undefined placeholder is one line naming file:line
# and the placeholder, exit 2, and nothing changed.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
TAG=migph
. "$MCPDB_SRCDIR/tests/integ/migdb.sh"
DB2=${DB}_b
RA=mcpdb_ph_a_$$
RB=mcpdb_ph_b_$$
cleanup2() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" >/dev/null 2>&1
	for r in "$RA" "$RB"; do
		psql "$URL" -XAtqc "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
	done
	cleanup
}
trap cleanup2 EXIT
q2() { psql "$URL dbname=$DB2" -XAtqc "$1" 2>&1; }
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

D=$W/m; mkdir -p "$D"
cat >"$D/0001_objs.up.sql" <<'SQL'
-- objects of ${app_role}: this comment is not expanded
CREATE TABLE ${tbl} (id int, owner text DEFAULT '${app_role}', lit text DEFAULT '$${tbl}');
CREATE ROLE ${app_role} NOLOGIN;
GRANT SELECT ON ${tbl} TO ${app_role};
CREATE FUNCTION ph_body() RETURNS text LANGUAGE sql AS $$ SELECT '${app_role}' $$;
SQL
cat >"$D/0001_objs.down.sql" <<'SQL'
DROP FUNCTION ph_body();
REVOKE SELECT ON ${tbl} FROM ${app_role};
DROP ROLE ${app_role};
DROP TABLE ${tbl};
SQL
writeconf() {
	mkdir -p "$W/xdg/mcpdb"
	cat >"$W/xdg/mcpdb/config.json" <<JSON
{ "targets": {
    "a": { "pg": "$URL dbname=$DB", "migrations_dir": "$D",
           "migrate": { "placeholders": { "app_role": "$RA", "tbl": "$1" } } },
    "b": { "pg": "$URL dbname=$DB2", "migrations_dir": "$D",
           "migrate": { "placeholders": { "app_role": "$RB", "tbl": "t_b" } } },
    "c": { "pg": "$URL dbname=$DB2", "migrations_dir": "$D",
           "migrate": { "placeholders": { "app_role": "$RB" } } } } }
JSON
	chmod 600 "$W/xdg/mcpdb/config.json"
}
writeconf t_a
fresh
psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" >/dev/null 2>&1
psql "$URL" -XAtqc "CREATE DATABASE $DB2" >/dev/null || { echo "Bail out! cannot create $DB2"; exit 1; }

# -- undefined placeholder: exit 2, one line, nothing created
out=$("$M" -t c migrate up 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:3" "undefined placeholder: exit 2, one line for each file (up and down)"
like "$out" "0001_objs.up.sql:2:14: placeholder \${tbl} is not defined" "... names file:line:col and the placeholder"
like "$out" "targets.c.migrate.placeholders" "... and where to define it"
is "$(q2 "SELECT count(*) FROM pg_namespace WHERE nspname = 'mcpdb'"):$(q2 "SELECT count(*) FROM pg_roles WHERE rolname = '$RB'")" \
    "0:0" "... nothing changed (no ledger, no role)"
out=$("$M" -t c migrate lint 2>&1); rc=$?
is "$rc:$(lines "$out")" "2:1" "lint with an undefined placeholder: exit 2, one line (cannot lint)"
like "$out" "placeholder \${tbl} is not defined" "... says which"

# -- plan shows the expanded SQL
out=$("$M" -t a migrate plan 2>&1); rc=$?
is "$rc" "0" "plan: exit 0"
like "$out" "CREATE TABLE t_a (id int, owner text DEFAULT '$RA', lit text DEFAULT '\${tbl}');" "plan: expanded SQL (and \$\${NAME} the literal)"
like "$out" "GRANT SELECT ON t_a TO $RA;" "plan: expanded GRANT"
like "$out" "AS \$\$ SELECT '\${app_role}' \$\$" "plan: dollar body as written"
like "$out" "5 placeholders expanded from targets.a.migrate.placeholders" "plan: says that placeholders were expanded"
unlike "$out" "-- objects of $RA" "plan: comments not expanded"
out=$("$M" -t a migrate lint 2>&1); rc=$?
is "$rc" "3" "lint of the expanded text: exit 3 (the GRANT's table is new, the DEFAULT constant)"
like "$out" "drop-if-exists" "... the finding is in the down file"

# -- two targets, two sets of objects
out=$("$M" -t a migrate up 2>&1); rc=$?
is "$rc" "0" "up on target a: exit 0 ($out)"
out=$("$M" -t b migrate up 2>&1); rc=$?
is "$rc" "0" "up on target b: exit 0 ($out)"
is "$(q "SELECT to_regclass('t_a') IS NOT NULL, to_regclass('t_b') IS NULL, has_table_privilege('$RA', 't_a', 'SELECT')")" \
    "t|t|t" "a: table t_a, granted to $RA"
is "$(q2 "SELECT to_regclass('t_b') IS NOT NULL, to_regclass('t_a') IS NULL, has_table_privilege('$RB', 't_b', 'SELECT')")" \
    "t|t|t" "b: table t_b, granted to $RB"
is "$(q "INSERT INTO t_a (id) VALUES (1) RETURNING owner, lit")" "$RA|\${tbl}" "a: string placeholder expanded, \$\${tbl} literal"
is "$(q "SELECT ph_body()")" "\${app_role}" "a: dollar-quoted body ran as written"
sum=$(sha256sum <"$D/0001_objs.up.sql" | cut -d' ' -f1)
is "$(q "SELECT checksum FROM mcpdb.migrations WHERE version = 1")" "$sum" "a: checksum of the file as written"
is "$(q2 "SELECT checksum FROM mcpdb.migrations WHERE version = 1")" "$sum" "b: the same checksum"
like "$(q "SELECT applied_sql FROM mcpdb.migrations WHERE version = 1")" "GRANT SELECT ON t_a TO $RA;" \
    "a: the ledger keeps the SQL that ran"

# -- a new value is not drift
writeconf t_other
out=$("$M" -t a migrate verify 2>&1); rc=$?
is "$rc" "0" "verify after a placeholder value changed: exit 0 (not drift): $out"
out=$("$M" -t a migrate status 2>&1); rc=$?
is "$rc" "0" "status: exit 0"
writeconf t_a

# -- down expands too
out=$("$M" -t a migrate down --yes 2>&1); rc=$?
is "$rc" "0" "down on a: exit 0 ($out)"
is "$(q "SELECT to_regclass('t_a') IS NULL")|$(q "SELECT count(*) FROM pg_roles WHERE rolname = '$RA'")" \
    "t|0" "a: table and role dropped"
is "$(q2 "SELECT to_regclass('t_b') IS NOT NULL")" "t" "b untouched"
done_testing
