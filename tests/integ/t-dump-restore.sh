#!/bin/sh
# t-dump-restore.sh - independent backup and restore of one service schema,
# following doc/backup.md exactly: `pg_dump -Fc -n SCHEMA` of a seeded
# database restores with `pg_restore --single-transaction --exit-on-error`
# into an empty database prepared only with the shared schema (0001) and the
# roles, for code_quality and memory_management (own trigger function,
# self-referencing foreign key); and a dump that includes the shared schema
# (-n platform -n code_quality) restores into a database with nothing in it.
# The restored schema has the same catalog, the same rows, working triggers
# and the same privileges.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "$MCPDB_SRCDIR/tests/integ/schemas-lib.sh"

SRC=$(sl_dbname dump_src)
DST=$(sl_dbname dump_dst)
ALL=$(sl_dbname dump_all)
sl_createdb "$SRC"
sl_up_all "$SRC"; ok $? "source: all migrations apply"
sl_seed_load "$SRC" demo; ok $? "source: demo seeds load"

# contents DB SCHEMA: "table rows md5" for every table of SCHEMA, by primary key order.
contents() {
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -A -t -d "$1" <<SQL
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, ''|'' ORDER BY t.id)), ''-'') FROM %s t',
              c.oid::regclass::text, c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = '$2' AND c.relkind = 'r' ORDER BY 1 \\gexec
SQL
}
# catalog DB SCHEMA: the snapshot lines of objects in SCHEMA (and the schema itself).
catalog() {
	sl_snapshot "$1" "$SL_TMP/cat.tmp" && grep -E "^[a-z_]+ ($2 |$2\\.)" "$SL_TMP/cat.tmp"
	grep -E "^default_acl [a-z_]+\\.$2\\." "$SL_TMP/cat.tmp"
}

for s in code_quality memory_management; do
	"$PG_DUMP" -Fc -n "$s" -f "$SL_TMP/$s.dump" -d "$SRC" 2>"$SL_TMP/dump.err"
	ok $? "pg_dump -Fc -n $s"
	contents "$SRC" "$s" >"$SL_TMP/$s.src.rows"
	catalog "$SRC" "$s" >"$SL_TMP/$s.src.cat"
done

# -- procedure 1: empty database + shared schema (0001) + roles, then the service dump
sl_createdb "$DST"
sl_apply "$DST" 0001_platform.up.sql; ok $? "target: shared schema created from 0001_platform.up.sql"
for s in code_quality memory_management; do
	"$PG_RESTORE" --single-transaction --exit-on-error -d "$DST" "$SL_TMP/$s.dump" 2>"$SL_TMP/restore.err"
	ok $? "pg_restore of the $s dump alone"
	[ -s "$SL_TMP/restore.err" ] && diag "$(head -n 5 "$SL_TMP/restore.err")"
	sl_psql "$DST" -c "GRANT USAGE ON SCHEMA platform TO ${s}_rw, ${s}_ro" >/dev/null
	ok $? "re-grant USAGE on platform to ${s}_rw/_ro (a grant on platform is not in a $s dump)"
	contents "$DST" "$s" >"$SL_TMP/$s.dst.rows"
	diff "$SL_TMP/$s.src.rows" "$SL_TMP/$s.dst.rows" >"$SL_TMP/diff"; ok $? "$s: same rows in every table"
	[ -s "$SL_TMP/diff" ] && diag "$(head -n 10 "$SL_TMP/diff")"
	is "$(wc -l <"$SL_TMP/$s.dst.rows" | tr -d ' ')" "$(sl_val "$SRC" "SELECT count(*) FROM pg_tables WHERE schemaname = '$s'")" \
		"$s: every table compared"
	catalog "$DST" "$s" >"$SL_TMP/$s.dst.cat"
	diff "$SL_TMP/$s.src.cat" "$SL_TMP/$s.dst.cat" >"$SL_TMP/diff"
	ok $? "$s: identical catalog (columns, constraints, indexes, comments, triggers, grants, default privileges)"
	[ -s "$SL_TMP/diff" ] && diag "$(head -n 10 "$SL_TMP/diff")"
done
out=$(sl_val "$DST" "BEGIN; UPDATE code_quality.projects SET is_active = NOT is_active WHERE name = 'acme/mcpdb'
	RETURNING updated_at = now(); ROLLBACK;" 2>&1)
is "$(echo $out)" "t" "restored code_quality: the shared updated_at trigger works"
out=$(sl_val "$DST" "UPDATE memory_management.contexts SET parent_id = (SELECT id FROM memory_management.contexts WHERE name = 'pr-311')
	WHERE name = 'acme'" 2>&1)
like "$out" "cannot move under" "restored memory_management: its own cycle trigger works"
out=$(sl_val "$DST" "SELECT has_table_privilege('code_quality_ro', 'code_quality.vulnerabilities', 'SELECT'),
	has_table_privilege('code_quality_ro', 'code_quality.vulnerabilities', 'INSERT'),
	has_table_privilege('memory_management_rw', 'memory_management.memories', 'UPDATE'),
	has_schema_privilege('code_quality_rw', 'platform', 'USAGE')")
is "$out" "t|f|t|t" "restored privileges: ro reads, rw writes, platform usage re-granted"
is "$(sl_val "$DST" "SELECT count(*) FROM pg_namespace WHERE nspname IN ('analytics', 'web_access', 'documentation')")" 0 \
	"nothing of the other services came along"

# -- procedure 2: a dump with the shared schema restores into an empty database
"$PG_DUMP" -Fc -n platform -n code_quality -f "$SL_TMP/with-platform.dump" -d "$SRC"; ok $? "pg_dump -Fc -n platform -n code_quality"
sl_createdb "$ALL"
"$PG_RESTORE" --single-transaction --exit-on-error -d "$ALL" "$SL_TMP/with-platform.dump" 2>"$SL_TMP/restore.err"
ok $? "pg_restore of platform + code_quality into an empty database"
[ -s "$SL_TMP/restore.err" ] && diag "$(head -n 5 "$SL_TMP/restore.err")"
contents "$ALL" code_quality >"$SL_TMP/all.rows"
diff "$SL_TMP/code_quality.src.rows" "$SL_TMP/all.rows" >/dev/null; ok $? "code_quality: same rows"
catalog "$ALL" code_quality >"$SL_TMP/all.cat"
diff "$SL_TMP/code_quality.src.cat" "$SL_TMP/all.cat" >/dev/null; ok $? "code_quality: identical catalog"
catalog "$SRC" platform >"$SL_TMP/platform.src.cat"
catalog "$ALL" platform >"$SL_TMP/platform.all.cat"
diff "$SL_TMP/platform.src.cat" "$SL_TMP/platform.all.cat" >"$SL_TMP/diff"; ok $? "platform: identical catalog, grants included"
[ -s "$SL_TMP/diff" ] && diag "$(head -n 10 "$SL_TMP/diff")"

# -- the whole database round-trips: every CHECK, default and index deparses
# back to the same text (a restored database shows no drift)
FULL=$(sl_dbname dump_full)
sl_createdb "$FULL"
"$PG_DUMP" -Fc -f "$SL_TMP/full.dump" -d "$SRC" && "$PG_RESTORE" --single-transaction --exit-on-error -d "$FULL" "$SL_TMP/full.dump"
ok $? "pg_dump/pg_restore of the whole seeded database"
sl_snapshot "$SRC" "$SL_TMP/full.src" && sl_snapshot "$FULL" "$SL_TMP/full.dst"
diff "$SL_TMP/full.src" "$SL_TMP/full.dst" >"$SL_TMP/diff"; ok $? "restored catalog identical to the source, object by object"
[ -s "$SL_TMP/diff" ] && diag "$(head -n 10 "$SL_TMP/diff")"

done_testing
