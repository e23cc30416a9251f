#!/bin/sh
# t-demo.sh - `mcpdb demo up` gives its servers generated credentials that no
# other local user can read: Redis refuses a client without user mcpdb's
# password (TCP and socket), PostgreSQL wants a password on TCP and keeps its
# socket in a 0700 directory, the password files are 0600; the demo target
# carries the credentials, so mcpdb commands against it work; no output of
# demo up, demo status, config show or targets shows a password. A demo
# directory made before (Redis without a password) gets one on the next up.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
S=$MCPDB_SRCDIR/src/mcpdb-servers.sh
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql not installed"
PGB=${MCPDB_TEST_PGBIN:-}
[ -n "$PGB" ] || for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PGB=$d; done
[ -n "$PGB" ] && [ -x "$PGB/initdb" ] || skip_all "PostgreSQL server binaries not found"

W=$(mktemp -d -t mcpdb-demo.XXXXXX)
D=$W/demo
cleanup() {
	sh "$S" down --purge --dir "$D" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL REDISCLI_AUTH PGPASSWORD PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" XDG_STATE_HOME="$W/state" HOME="$W"
cd "$MCPDB_SRCDIR" || bail_out "cannot enter the source tree"	# ./migrations, ./seeds
mode() { stat -c %a "$1"; }
redis_port() { cat "$D/redis.port"; }

# A directory set up the old way: Redis without a password answers anyone.
sh "$S" up --dir "$D" >/dev/null 2>&1 || bail_out "mcpdb-servers.sh up failed"
is "$(redis-cli -p "$(redis_port)" ping 2>&1)" PONG "before: the servers' Redis answers a client without a password"

out=$("$M" demo up --dir "$D" 2>&1); rc=$?
is "$rc" 0 "demo up works" || diag "$out"
like "$out" '"demo" is now the default_target' "with no default yet, demo up makes demo the default and says so"
RPW=$(cat "$D/redis.password" 2>/dev/null)
PGPW=$(cat "$D/pg.password" 2>/dev/null)
ok "$([ ${#RPW} -ge 32 ] && [ ${#PGPW} -ge 32 ]; echo $?)" "both servers have generated passwords"
is "$(mode "$D/redis.password") $(mode "$D/redis.conf") $(mode "$D/pg.password") $(mode "$D/env")" \
	"600 600 600 600" "the password files and the env file are 0600"
if [ "$(id -u)" = 0 ]; then
	is "$(mode "$D")" 711 "the demo directory lets nobody else list it (0711 as root, for postgres)"
else
	is "$(mode "$D")" 700 "the demo directory is 0700"
fi
PGH=$(readlink -f "$D/pg")
is "$(mode "$PGH")" 700 "PostgreSQL's socket directory is 0700"

# Redis: no password, no access; user mcpdb's password, access.
out=$(redis-cli -p "$(redis_port)" ping 2>&1)
like "$out" "NOAUTH" "Redis over TCP refuses a client without a password"
out=$(redis-cli -p "$(redis_port)" set mcpdb-demo-probe x 2>&1)
like "$out" "NOAUTH" "and its writes"
out=$(redis-cli -s "$D/redis.sock" ping 2>&1)
like "$out" "NOAUTH" "so does the socket"
out=$(REDISCLI_AUTH=wrong redis-cli -p "$(redis_port)" ping 2>&1)
unlike "$out" "PONG" "a wrong password does not get in"
is "$(REDISCLI_AUTH=$RPW redis-cli --user mcpdb -p "$(redis_port)" ping 2>&1)" PONG \
	"user mcpdb's password gets in"

# PostgreSQL: a password on TCP.
out=$(PGPASSFILE=/dev/null psql -w -XAtq "host=127.0.0.1 port=$(cat "$D/pg.port") user=postgres dbname=postgres" -c "SELECT 1" 2>&1)
unlike "$out" "^1$" "PostgreSQL over TCP refuses a client without a password"
is "$(PGPASSWORD=$PGPW psql -w -XAtq "host=127.0.0.1 port=$(cat "$D/pg.port") user=postgres dbname=postgres" -c "SELECT 1" 2>&1)" 1 \
	"and lets the password in"

# The demo target carries the credentials: mcpdb commands work.
out=$("$M" -t demo redis ping 2>&1); rc=$?
is "$rc" 0 "mcpdb redis ping on the demo target" || diag "$out"
"$M" -t demo -q redis set mcpdb-demo-k v1 >/dev/null 2>&1
is "$("$M" -t demo redis get mcpdb-demo-k 2>&1)" v1 "mcpdb redis set/get on the demo target"
"$M" -t demo migrate status >/dev/null 2>&1; is "$?" 0 "mcpdb migrate status: the demo's migrations are applied"
"$M" -t demo health >/dev/null 2>&1; is "$?" 0 "mcpdb health on the demo target"
out=$("$M" -t demo doctor 2>&1); rc=$?
is "$rc" 0 "mcpdb doctor on the demo target: all checks pass" || diag "$out"

# No output shows a password.
all="$("$M" demo status --dir "$D" 2>&1)
$("$M" demo up --dir "$D" 2>&1)
$("$M" --json demo up --dir "$D" 2>&1)
$("$M" -t demo config show 2>&1)
$("$M" -t demo --json config show 2>&1)
$("$M" targets 2>&1)
$("$M" --json targets 2>&1)
$("$M" -t demo doctor 2>&1)"
like "$all" "redis: running" "demo status says Redis runs"
unlike "$all" "$RPW" "no output of demo up/status, config show, targets or doctor has the Redis password"
unlike "$all" "$PGPW" "nor the PostgreSQL one"

# Restarts keep the password (the Redis conf is rewritten from it).
sh "$S" redis-stop --dir "$D" >/dev/null 2>&1
sh "$S" redis-start --dir "$D" >/dev/null 2>&1
like "$(redis-cli -p "$(redis_port)" ping 2>&1)" "NOAUTH" "after a restart Redis still wants the password"
"$M" -t demo redis ping >/dev/null 2>&1; is "$?" 0 "and the demo target still gets in"
sh "$S" status --dir "$D" >/dev/null 2>&1; is "$?" 0 "the server script's own checks authenticate (status)"

"$M" demo down --purge --dir "$D" >/dev/null 2>&1
is "$?" 0 "demo down --purge"
ok "$([ ! -e "$D" ]; echo $?)" "removes the demo directory and its passwords"
done_testing
