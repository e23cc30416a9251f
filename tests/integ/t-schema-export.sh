#!/bin/sh
# t-schema-export.sh - `mcpdb schema export` on the real service schemas:
# every table of the seven schemas gets an interface, the TypeScript compiles
# with tsc --strict --noEmit (TypeScript from npm; skipped with a message when
# npm is unreachable), the JSON Schema parses and matches the catalog.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
PSQL="${MCPDB_TEST_PGBIN:+$MCPDB_TEST_PGBIN/}psql"
DB="mcpdb_export_$$"
W=$(mktemp -d -t mcpdb-export.XXXXXX)
trap '"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1; rm -rf "$W"' EXIT
"$PSQL" -X -q -d "$MCPDB_TEST_PGURL" -c "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! createdb"; exit 1; }
URL="$MCPDB_TEST_PGURL dbname=$DB"
for f in "$MCPDB_SRCDIR"/migrations/*.up.sql; do
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -1 -d "$URL" -f "$f" >/dev/null 2>"$W/mig.err" || { cat "$W/mig.err"; echo "Bail out! $f"; exit 1; }
done
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$W"
S="inference_enhancement ui_testing analytics code_quality documentation memory_management web_access"

"$M" --pg "$URL" --log-level error schema export --format ts --out "$W/models.ts" -q $S
is "$?" 0 "export --format ts exits 0"
ntables=$("$PSQL" -X -At -d "$URL" -c "select count(*) from pg_class c join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('r','p','v','m') and n.nspname in ('$(echo $S | sed "s/ /','/g")')")
is "$(grep -c '^export interface ' "$W/models.ts")" "$ntables" "one interface per table and view ($ntables)"
like "$(cat "$W/models.ts")" "export interface CodeQualityVulnerabilities {" "code_quality.vulnerabilities has an interface"
like "$(grep -A40 'interface CodeQualityVulnerabilities' "$W/models.ts")" "severity: 'low' | 'medium' | 'high' | 'critical'" "severity CHECK becomes a union"
"$M" --pg "$URL" --log-level error schema export --format json-schema code_quality >"$W/cq.json"
is "$?" 0 "export --format json-schema exits 0"
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['\$defs']))" "$W/cq.json")
ncq=$("$PSQL" -X -At -d "$URL" -c "select count(*) from pg_class c join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('r','p','v','m') and n.nspname='code_quality'")
is "$n" "$ncq" "JSON Schema: one definition per code_quality relation"
out=$("$M" --pg "$URL" --log-level error schema export nosuchschema 2>&1); is "$?" 1 "unknown schema: exit 1"
like "$out" 'schema "nosuchschema" has no tables' "unknown schema is named"
out=$("$M" --pg "$URL" --log-level error schema export --format yaml 2>&1); is "$?" 2 "unknown format: exit 2"
out=$("$M" --pg "$URL" --log-level error schema list code_quality); like "$out" "vulnerabilities" "schema list shows the tables"

# tsc --strict --noEmit, TypeScript installed from npm into a cache.
TSDIR="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mcpdb-test/typescript"
if [ ! -x "$TSDIR/node_modules/.bin/tsc" ] && command -v npm >/dev/null 2>&1; then
	mkdir -p "$TSDIR" && (cd "$TSDIR" && timeout 180 npm install --no-audit --no-fund --silent typescript@5 >/dev/null 2>&1)
fi
if [ -x "$TSDIR/node_modules/.bin/tsc" ]; then
	"$TSDIR/node_modules/.bin/tsc" --strict --noEmit --target es2020 "$W/models.ts" >"$W/tsc.out" 2>&1
	rc=$?; [ $rc -eq 0 ] || cat "$W/tsc.out" | sed 's/^/# /'
	is "$rc" 0 "generated TypeScript for all seven schemas compiles with tsc --strict --noEmit"
else
	skip "TypeScript not available (npm unreachable or not installed): tsc check not run"
fi
done_testing
