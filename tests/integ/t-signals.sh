#!/bin/sh
# t-signals.sh - exit status after a signal is 128 + its number, as shells
# expect (130 SIGINT, 143 SIGTERM), and the interrupted work is undone:
# `migrate up` stopped inside a slow migration leaves no table and no
# ledger row. Ctrl-C is the normal end of a stream (redis subscribe): 0.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"

W=$(mktemp -d -t mcpdb-sig.XXXXXX)
DB=mcpdb_t_sig_$$
cleanup() {
	psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
psql "$URL" -XAtqc "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
MIG=$W/mig; mkdir -p "$MIG"
echo "SELECT pg_sleep(20); CREATE TABLE sig_t (id int);" >"$MIG/0001_slow.up.sql"
echo "DROP TABLE sig_t;" >"$MIG/0001_slow.down.sql"

# stopped SIG CMD...: run CMD, send SIG after 1 s, print its exit status
stopped() {
	sig=$1; shift
	"$@" >"$W/out" 2>&1 &
	p=$!
	sleep 1
	kill -s "$sig" "$p"
	wait "$p"
	echo $?
}
for s in TERM:143 INT:130; do
	sig=${s%:*} want=${s#*:}
	is "$(stopped "$sig" "$M" --log-level error --pg "$URL dbname=$DB" migrate up --dir "$MIG")" "$want" \
		"migrate up stopped by SIG$sig exits $want"
	like "$(cat "$W/out")" "interrupted" "... and says it was interrupted"
	is "$(psql "$URL dbname=$DB" -XAtqc "SELECT count(*) FROM pg_tables WHERE tablename = 'sig_t'")" 0 \
		"... nothing of the migration is left"
	is "$("$M" --json --pg "$URL dbname=$DB" migrate status --dir "$MIG" | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin)["migrations"] if m["state"] == "applied"))')" 0 \
		"... and the ledger has no applied row"
done
if [ -n "${MCPDB_TEST_REDIS:-}" ]; then
	is "$(stopped TERM "$M" --redis "$MCPDB_TEST_REDIS" redis subscribe "sig-$$")" 143 \
		"redis subscribe stopped by SIGTERM exits 143"
	is "$(stopped INT "$M" --redis "$MCPDB_TEST_REDIS" redis subscribe "sig-$$")" 0 \
		"redis subscribe ended by Ctrl-C (SIGINT) exits 0"
else
	skip "needs the harness's Redis"; skip "needs the harness's Redis"
fi
done_testing
