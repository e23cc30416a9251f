# migdb.sh - the set-up the migrate command tests share, sourced after
# tests/tap.sh with TAG set (e.g. TAG=migbase): the harness server or a
# skip, a private work directory $W and database $DB (dropped on exit), a
# clean environment, q SQL (psql on $DB) and fresh (drop and create $DB).
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

W=$(mktemp -d -t "mcpdb-$TAG.XXXXXX")
DB=mcpdb_t_${TAG}_$$
cleanup() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"

q() { psql "$URL dbname=$DB" -XAtqc "$1" 2>&1; }
fresh() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
}
