#!/bin/sh
# t-target-select.sh - nothing goes around a configured target (issues 21.1,
# 18.2), on the harness's real PostgreSQL and Redis:
#  - a config file with targets but no default_target never falls back to an
#    implicit target built from PG* (the only target is used; several are a
#    usage error naming them), so PGDATABASE cannot redirect `migrate up`;
#  - DATABASE_URL / REDIS_URL never replace a file target's own pg/redis
#    (refused, both named) and so cannot shed its protection;
#  - every command says on a terminal which target it uses.
# Each refusal is checked for "nothing changed" in the databases.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

W=$(mktemp -d -t mcpdb-tsel.XXXXXX)
PROD=mcpdb_t_tsel_prod_$$
OTHER=mcpdb_t_tsel_other_$$
K="mcpdb-tsel-$$"
cleanup() {
	for d in "$PROD" "$OTHER"; do
		psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
	done
	[ -n "${MCPDB_TEST_REDIS:-}" ] && redis-cli -s "$MCPDB_TEST_REDIS" del "$K" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGDATABASE PGOPTIONS \
	MCPDB_LOG_LEVEL MCPDB_LOG_FORMAT MCPDB_LOG_FILE
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
for d in "$PROD" "$OTHER"; do
	psql "$URL" -XAtqc "CREATE DATABASE $d" >/dev/null || { echo "Bail out! cannot create $d"; exit 1; }
done
FX=$MCPDB_SRCDIR/tests/fixtures/migrations
MIG=$W/mig; mkdir -p "$MIG"
echo "CREATE TABLE tsel_t (id int);" >"$MIG/0001_t.up.sql"
echo "DROP TABLE tsel_t;" >"$MIG/0001_t.down.sql"
# 1 when the test migration's table exists in database $1
ntab() { psql "$URL dbname=$1" -XAtqc "SELECT count(*) FROM pg_tables WHERE tablename = 'tsel_t'"; }
# the number of tables of any kind (the ledger too) in database $1
nall() { psql "$URL dbname=$1" -XAtqc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema')"; }

CF=$W/xdg/mcpdb/config.json
mkdir -p "$W/xdg/mcpdb"
cat >"$CF" <<JSON
{ "targets": { "prod": { "pg": "$URL dbname=$PROD", "protected": true,
                         "migrations_dir": "$MIG" } } }
JSON
chmod 600 "$CF"

# -- the only target is selected; PGDATABASE cannot redirect it
out=$(PGDATABASE=$OTHER "$M" config show --json 2>&1)
like "$out" '"target":	"prod"' "the file's only target is selected (not an implicit \"default\")"
like "$out" '"target_source":	"only"' "... config show says why"
out=$(PGDATABASE=$OTHER "$M" --log-level error --confirm prod migrate up </dev/null 2>&1); rc=$?
is "$rc" 0 "with --confirm prod it is applied: $out"
is "$(ntab "$PROD")" 1 "... to prod"
is "$(nall "$OTHER")" 0 "... and nothing at all (no ledger either) to the PGDATABASE database"
out=$(PGDATABASE=$OTHER "$M" --log-level error migrate down --yes </dev/null 2>&1); rc=$?
is "$rc" 1 "migrate down --yes on the only (protected) target is refused"
is "$(ntab "$PROD")" 1 "... prod keeps its table"
out=$("$M" targets 2>&1)
like "$out" "* | prod" "targets marks the selected target"

# -- several targets and no default_target: a usage error naming them
cat >"$CF" <<JSON
{ "targets": { "prod": { "pg": "$URL dbname=$PROD", "protected": true,
                         "migrations_dir": "$MIG" },
               "dev":  { "pg": "$URL dbname=$OTHER", "migrations_dir": "$MIG" } } }
JSON
out=$(PGDATABASE=$OTHER "$M" --log-level error migrate up -y </dev/null 2>&1); rc=$?
is "$rc" 2 "two targets, no default_target: usage error (exit 2)"
like "$out" "no target selected: $CF defines 2 targets and no default_target" "... naming the file"
like "$out" "known targets: prod, dev" "... and the targets"
is "$(nall "$OTHER")" 0 "nothing applied anywhere"
out=$("$M" --json migrate status 2>/dev/null)
like "$out" '"code":' "under --json the refusal is a JSON error document"

# -- DATABASE_URL / REDIS_URL never replace an explicit target's settings
out=$(DATABASE_URL="$URL dbname=$OTHER" "$M" --log-level error -t prod migrate up -y </dev/null 2>&1); rc=$?
is "$rc" 2 "DATABASE_URL with -t prod: refused (exit 2)"
like "$out" "DATABASE_URL is set, but target prod (from --target) has its own \"pg\"" "... naming both"
is "$(nall "$OTHER")" 0 "... nothing applied to the DATABASE_URL database"
out=$(DATABASE_URL="$URL dbname=$OTHER" MCPDB_TARGET=prod "$M" --log-level error migrate up -y </dev/null 2>&1); rc=$?
is "$rc" 2 "DATABASE_URL with MCPDB_TARGET=prod: refused too"
like "$out" "target prod (from MCPDB_TARGET)" "... saying where the selection came from"
out=$(DATABASE_URL="$URL dbname=$OTHER" "$M" --log-level error -t dev migrate up -y </dev/null 2>&1); rc=$?
is "$rc" 2 "an unprotected target's pg is not replaced either"
is "$(nall "$OTHER")" 0 "... nothing applied"
if [ -n "${MCPDB_TEST_REDIS:-}" ]; then
	cat >"$CF" <<JSON
{ "default_target": "prod",
  "targets": { "prod": { "redis": "$MCPDB_TEST_REDIS", "protected": true } } }
JSON
	redis-cli -s "$MCPDB_TEST_REDIS" set "$K" keep >/dev/null
	out=$(REDIS_URL="redis://127.0.0.1:1/0" "$M" --log-level error redis del "$K" --yes </dev/null 2>&1); rc=$?
	is "$rc" 2 "REDIS_URL with a file target that has redis: refused (exit 2)"
	like "$out" "REDIS_URL is set, but target prod (default_target of the config file)" "... naming both"
	is "$(redis-cli -s "$MCPDB_TEST_REDIS" get "$K")" keep "... the key is untouched"
	# a file target without its own redis: REDIS_URL fills it, protection stays
	cat >"$CF" <<JSON
{ "targets": { "prod": { "pg": "$URL dbname=$PROD", "protected": true } } }
JSON
	out=$(REDIS_URL="unix://$MCPDB_TEST_REDIS" "$M" --log-level error redis del "$K" --yes </dev/null 2>&1); rc=$?
	[ "$rc" -ne 0 ]; ok $? "REDIS_URL filling in prod's redis keeps prod protected (--yes refused, exit $rc)"
	is "$(redis-cli -s "$MCPDB_TEST_REDIS" get "$K")" keep "... the key is untouched"
else
	skip "needs the harness's Redis (MCPDB_TEST_REDIS)"
	for i in 1 2 3 4; do skip "needs the harness's Redis"; done
fi

# -- no config file: the implicit environment target, as before
rm -f "$CF"
out=$(DATABASE_URL="$URL dbname=$OTHER" "$M" config show --json 2>&1)
like "$out" '"target":	"default"' "without a config file the implicit target is used"
like "$out" '"pg_source":	"env"' "... filled from DATABASE_URL"

# -- on a terminal every command says which target it uses
if command -v script >/dev/null 2>&1; then
	cat >"$CF" <<JSON
{ "targets": { "prod": { "pg": "$URL dbname=$PROD", "protected": true } } }
JSON
	out=$(script -qec "$M --log-level error migrate status" /dev/null 2>&1)
	like "$out" "mcpdb: target prod [protected] (the only target in the config file)" "a terminal is told the target and why"
	out=$("$M" --log-level error migrate status 2>&1 </dev/null)
	unlike "$out" "mcpdb: target prod" "... not when stderr is not a terminal"
else
	skip "script(1) not installed"; skip "script(1) not installed"
fi
done_testing
