# schemas-lib.sh - shared by t-schemas.sh, t-roles.sh and t-dump-restore.sh:
# PostgreSQL client lookup, throwaway databases, applying migrations with
# psql, catalog snapshots, and loading a seed set with psql (the shell
# stand-in for `mcpdb seed load` until the C loader exists).
# shellcheck shell=sh
# Source after tests/tap.sh. Needs MCPDB_SRCDIR; skips the whole test unless
# MCPDB_TEST_PGURL is set. Connection parameters come from the environment
# the harness exports (PGHOST, PGPORT, PGUSER); databases are named with -d.

[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"

SL_SRC=${MCPDB_SRCDIR:?}
SL_SRV=""
# SL_PRIVATE_SERVER=1 (set before sourcing): use a server pair of this test's
# own instead of the harness's shared one, for tests that assert on
# cluster-wide state (roles) that parallel tests would change underneath.
if [ "${SL_PRIVATE_SERVER:-0}" = 1 ]; then
	SL_SRV=$(mktemp -d "${TMPDIR:-/tmp}/mcpdb-sl.XXXXXX") || exit 1
	chmod 755 "$SL_SRV"
	if ! sh "$SL_SRC/src/mcpdb-servers.sh" up --dir "$SL_SRV" >/dev/null 2>"$SL_SRV.err"; then
		cat "$SL_SRV.err" >&2
		sh "$SL_SRC/src/mcpdb-servers.sh" down --dir "$SL_SRV" --purge >/dev/null 2>&1
		rm -rf "$SL_SRV" "$SL_SRV.err"
		echo "Bail out! cannot start a private server pair"
		exit 1
	fi
	rm -f "$SL_SRV.err"
	set -a
	. "$SL_SRV/env"
	set +a
fi
SL_MIG=$SL_SRC/migrations
SL_SEEDS=$SL_SRC/seeds
# Debian's /usr/bin/psql is a perl wrapper that costs ~50 ms per call: use the
# real binaries (harness-exported MCPDB_TEST_PGBIN, else pg_config's bindir).
SL_BIN=${MCPDB_TEST_PGBIN:-}
if [ -z "$SL_BIN" ] && command -v pg_config >/dev/null 2>&1; then
	SL_BIN=$(pg_config --bindir)
fi
sl_tool() {
	if [ -n "$SL_BIN" ] && [ -x "$SL_BIN/$1" ]; then echo "$SL_BIN/$1"; else echo "$1"; fi
}
PSQL=$(sl_tool psql)
PG_DUMP=$(sl_tool pg_dump)
PG_RESTORE=$(sl_tool pg_restore)
"$PSQL" -X -d "${MCPDB_TEST_PGURL}" -Atc 'SELECT 1' >/dev/null 2>&1 ||
	skip_all "cannot connect to MCPDB_TEST_PGURL"

SL_TMP=$(mktemp -d -t mcpdb-schemas.XXXXXX)
SL_DBS=""
SL_ROLES=""
# sl_cleanup: drop every database and role this test created (trap on EXIT).
sl_cleanup() {
	for d in $SL_DBS; do
		"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1
	done
	for r in $SL_ROLES; do
		"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP ROLE IF EXISTS \"$r\"" >/dev/null 2>&1
	done
	rm -rf "$SL_TMP"
	if [ -n "$SL_SRV" ]; then
		sh "$SL_SRC/src/mcpdb-servers.sh" down --dir "$SL_SRV" --purge >/dev/null 2>&1
		rm -rf "$SL_SRV"
	fi
}
trap 'sl_cleanup' EXIT
trap 'exit 130' INT TERM HUP

# sl_psql DB ARGS...: psql on DB, quiet, stop at the first error.
sl_psql() {
	_db=$1; shift
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$_db" "$@"
}
# sl_val DB SQL: one unaligned value (or rows) from a query.
sl_val() {
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -A -t -d "$1" -c "$2"
}
# sl_createdb NAME: create an empty database from template0, dropped at exit.
sl_createdb() {
	SL_DBS="$SL_DBS $1"
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE \"$1\" TEMPLATE template0" >/dev/null
}
# sl_dbname SUFFIX: a database name unique to this test process.
sl_dbname() {
	echo "mcpdb_t_$1_$$"
}
# sl_migrations up|down: migration files in apply order (down: newest first).
sl_migrations() {
	if [ "$1" = up ]; then
		ls "$SL_MIG" | grep -E '^[0-9]{4}_[a-z0-9_]+\.up\.sql$' | sort
	else
		ls "$SL_MIG" | grep -E '^[0-9]{4}_[a-z0-9_]+\.down\.sql$' | sort -r
	fi
}
# sl_apply DB FILE: run one migration file in one transaction, as the runner does.
sl_apply() {
	sl_psql "$1" -1 -f "$SL_MIG/$2" >"$SL_TMP/apply.out" 2>"$SL_TMP/apply.err"
	_rc=$?
	cat "$SL_TMP/apply.err" >>"$SL_TMP/apply.log"
	[ $_rc -eq 0 ] || diag "$2: $(cat "$SL_TMP/apply.err")"
	return $_rc
}
# sl_up_all DB: apply every up migration in order; 0 when all applied.
sl_up_all() {
	for _f in $(sl_migrations up); do
		sl_apply "$1" "$_f" || return 1
	done
}
# sl_snapshot DB FILE: write the catalog snapshot of DB to FILE.
sl_snapshot() {
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -A -t -d "$1" -f "$SL_SRC/tests/integ/catalog-snapshot.sql" >"$2"
}

# sl_seed_plan DB SET: "table|file|format" lines of SET's manifest in
# foreign-key order (parents first), computed from DB's catalog.
sl_seed_plan() {
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -A -t -d "$1" \
		-v manifest="$(cat "$SL_SEEDS/$2/seed.json")" <<'SQL'
WITH RECURSIVE files AS (
	SELECT f->>'table' AS tbl, f->>'file' AS file, f->>'format' AS format,
	       (f->>'table')::regclass AS rel
	  FROM jsonb_array_elements(:'manifest'::jsonb->'files') AS f
), edges AS (
	SELECT DISTINCT conrelid AS child, confrelid AS parent
	  FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid
), lvl(rel, depth) AS (
	SELECT rel, 0 FROM files
	UNION ALL
	SELECT e.child, l.depth + 1 FROM lvl l JOIN edges e ON e.parent = l.rel WHERE l.depth < 64
)
SELECT f.tbl || '|' || f.file || '|' || f.format
  FROM files f JOIN (SELECT rel, max(depth) AS depth FROM lvl GROUP BY rel) d ON d.rel = f.rel
 ORDER BY d.depth, f.tbl;
SQL
}

# sl_seed_load DB SET: load seed set SET into DB in one transaction, in
# foreign-key order; NDJSON lines go through jsonb_populate_record (so every
# value is checked by the column type and the table's constraints), CSV
# through \copy with HEADER MATCH. Writes "table rows" lines to
# $SL_TMP/seed-counts. Returns psql's status.
sl_seed_load() {
	_dir=$SL_SEEDS/$2
	sl_seed_plan "$1" "$2" >"$SL_TMP/seed-plan" || return 1
	{
		cat <<'SQL'
CREATE TEMP TABLE seed_lines (n bigserial, line jsonb NOT NULL) ON COMMIT DROP;
CREATE FUNCTION pg_temp.seed_ndjson(tbl regclass, file text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	keys text[];
	bad bigint;
	cols text;
	vals text;
	rows bigint;
BEGIN
	SELECT array_agg(k ORDER BY k) INTO keys
	  FROM jsonb_object_keys((SELECT line FROM seed_lines ORDER BY n LIMIT 1)) AS k;
	SELECT min(n) INTO bad FROM seed_lines
	 WHERE (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(line) AS k) IS DISTINCT FROM keys;
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION '%:%: keys differ from line 1', file, bad;
	END IF;
	SELECT string_agg(quote_ident(k), ', '), string_agg('r.' || quote_ident(k), ', ')
	  INTO cols, vals FROM unnest(keys) AS k;
	EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM seed_lines s, jsonb_populate_record(NULL::%s, s.line) r ORDER BY s.n',
	               tbl, cols, vals, tbl);
	GET DIAGNOSTICS rows = ROW_COUNT;
	TRUNCATE seed_lines;
	RETURN rows;
END
$$;
SQL
		while IFS='|' read -r _t _f _fmt; do
			[ -n "$_t" ] || continue
			case $_fmt in
			ndjson)
				# CSV mode with quote/delimiter bytes that never occur in
				# JSON text: each line arrives verbatim (text mode would
				# eat the backslashes of JSON escapes).
				printf "\\\\copy seed_lines (line) FROM '%s' WITH (FORMAT csv, QUOTE E'\\\\x01', DELIMITER E'\\\\x02')\n" "$_dir/$_f"
				printf "SELECT '%s', pg_temp.seed_ndjson('%s', '%s');\n" "$_t" "$_t" "$_f"
				;;
			csv)
				printf "\\\\copy %s (%s) FROM '%s' WITH (FORMAT csv, HEADER MATCH)\n" "$_t" "$(head -n 1 "$_dir/$_f")" "$_dir/$_f"
				printf "SELECT '%s', count(*) FROM %s;\n" "$_t" "$_t"
				;;
			*) echo "\\echo unknown format $_fmt"; echo "SELECT 1/0;" ;;
			esac
		done <"$SL_TMP/seed-plan"
	} >"$SL_TMP/seed-load.sql"
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -1 -A -t -F ' ' -d "$1" -f "$SL_TMP/seed-load.sql" \
		>"$SL_TMP/seed-counts" 2>"$SL_TMP/seed-load.err"
	_rc=$?
	[ $_rc -eq 0 ] || diag "seed load: $(cat "$SL_TMP/seed-load.err")"
	return $_rc
}

# sl_seed_expected SET: "table rows" lines counted from the files themselves.
sl_seed_expected() {
	while IFS='|' read -r _t _f _fmt; do
		[ -n "$_t" ] || continue
		_n=$(wc -l <"$SL_SEEDS/$1/$_f")
		[ "$_fmt" = csv ] && _n=$((_n - 1))
		echo "$_t $_n"
	done <"$SL_TMP/seed-plan"
}
