#!/bin/sh
# t-tui-review-srv.sh - the defects of the operator review (issue 19) that
# need servers of the test's own: Redis with a memory limit, outages of
# PostgreSQL and Redis. A private PostgreSQL + Redis pair is started here
# (src/mcpdb-servers.sh) and purged on exit; the real mcpdb runs in a private
# tmux server (tests/tui/tui-lib.sh). The shared harness servers are never
# touched.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
SRV="$MCPDB_SRCDIR/src/mcpdb-servers.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
command -v psql >/dev/null 2>&1 || skip_all "psql is not installed"
command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] ||
	skip_all "PostgreSQL server binaries not found"
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server is not installed"
command -v redis-cli >/dev/null 2>&1 || skip_all "redis-cli is not installed"

base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-tuirev.XXXXXX") || exit 1
chmod 755 "$SD"
D=$(mktemp -d "$base/mcpdb-tuirev-ui.XXXXXX") || exit 1
PIDS=""
. "$MCPDB_SRCDIR/tests/tui/tui-lib.sh"
COLS=120 ROWS=40
TUI_WAIT=10
cleanup() {
	tui_kill
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sh "$SRV" pg-thaw --dir "$SD" >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1 || rm -rf "$SD"
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

out=$(sh "$SRV" up --dir "$SD") || { echo "Bail out! cannot start private servers"; exit 1; }
eval "$out"
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"
mkdir -p "$D/proj"

cat >"$D/run.sh" <<EOF
#!/bin/sh
cd "$D/proj" || exit 1
"$M" --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF
rc() { redis-cli -s "$RS" "$@"; }

# ---- 1: volatile-lru with no key having a TTL cannot evict; OOM rejections
rc config set maxmemory-policy volatile-lru >/dev/null
used=$(rc info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
rc config set maxmemory $((used + 600000)) >/dev/null
head -c 100000 /dev/zero | tr '\0' x >"$D/v"
i=0
while [ $i -lt 12 ]; do rc -x set "rev:$i" <"$D/v" >/dev/null 2>&1; i=$((i + 1)); done
oom=$(rc info errorstats | sed -n 's/^errorstat_OOM:count=\([0-9]*\).*/\1/p')
ok $([ "${oom:-0}" -gt 0 ]; echo $?) "Redis refused writes with OOM (${oom:-0})"
start
keys 2
wait_for "── Server 7" 15; ok $? "the Redis pane has data"
wait_for "cannot evict: no key has a TTL"
ok $? "volatile-lru with no TTL: it says the policy cannot evict anything"
unlike "$(screen)" "evicting keys" "and does not claim to be evicting"
wait_for "$oom writes rejected (OOM)"; ok $? "the writes Redis rejected are shown ($oom)"
stop_tmux
rc flushall >/dev/null
rc config set maxmemory 0 >/dev/null
rc config set maxmemory-policy noeviction >/dev/null

# ---- 2: the persistence line follows CONFIG SET save within a slow cycle
rc config set save "3600 1" >/dev/null
start
keys 2
wait_for "── Server 7" 15
wait_for "(save config read " 15; ok $? "2: the persistence line says when the save points were read"
unlike "$(screen | grep -F 'persist  ')" "no persistence (no save points" "with save points, persistence is configured"
rc config set save "" >/dev/null
wait_for "no persistence (no save points" 14
ok $? "after CONFIG SET save '' the line follows within the slow cycle"
rc config set save "3600 1" >/dev/null
sh "$SRV" redis-kill --dir "$SD" >/dev/null
sleep 0.5
sh "$SRV" redis-start --dir "$SD" >/dev/null
rc config set save "" >/dev/null
wait_for "run_id changed" 20
wait_for "no persistence (no save points" 5
ok $? "a restart (new run_id) re-reads the save points at once"
stop_tmux

# ---- 5: with PostgreSQL down the status bar's data age keeps growing
start
wait_for "── Server 15" 15; ok $? "the Dashboard is up on the private servers"
wait_for "PG up"
sh "$SRV" pg-stop --dir "$SD" >/dev/null
wait_for "(last data " 15; ok $? "PostgreSQL stopped: the status bar says when its data was last good"
sleep 5
st=$(screen | grep -F "(last data ")
age=$(printf '%s\n' "$st" | sed -n 's/.*data \([0-9.]*\) s old.*/\1/p')
ok $([ -n "$age" ] && [ "${age%%.*}" -ge 5 ]; echo $?) "the data age is the age of the last good sample (${age:-none} s): $st"
like "$st" "STALE: data" "and it is marked stale"
sh "$SRV" pg-start --dir "$SD" >/dev/null
wait_for "PG up" 20; ok $? "PostgreSQL back"
wait_gone "STALE: data" 10; ok $? "the data is fresh again"
stop_tmux

# ---- 10: a recovered Redis leaves no old "Connection refused" on screen
start
keys 2
wait_for "── Server 7" 15
sh "$SRV" redis-stop --dir "$SD" >/dev/null
wait_for "last error: " 15; ok $? "Redis stopped: the client shows its last error"
sh "$SRV" redis-start --dir "$SD" >/dev/null
wait_for "updated " 20; ok $? "Redis back: fresh data"
wait_gone "last error: " 10; ok $? "and the old error is gone from the screen"
stop_tmux

# ---- 13: q quits in under a second during an outage, even with a job
# quit_fast WHAT: q (and y, if a job makes it ask) ends mcpdb within 1 s.
quit_fast() {
	t0=$(ms); keys q
	sleep 0.1
	screen | grep -qF "Quit anyway?" && keys y
	wait_for "EXITED 0" 5; ok $? "$1: q quits"
	dt=$(( $(ms) - t0 ))
	ok $([ $dt -lt 1000 ]; echo $?) "$1: in under a second ($dt ms)"
}
mkdir -p "$D/proj/migrations"
printf 'SELECT 1;\n' >"$D/proj/migrations/0001_one.up.sql"
printf 'SELECT 1;\n' >"$D/proj/migrations/0001_one.down.sql"
for pane in "3 Migrations" "4 Schema" "5 Seeds"; do
	start
	wait_for "── Server 15" 15
	sh "$SRV" pg-stop --dir "$SD" >/dev/null
	wait_for "(last data " 15
	keys "${pane%% *}"; wait_for "[$pane]" 2
	sleep 0.3
	quit_fast "PostgreSQL stopped, $pane opened"
	sh "$SRV" pg-start --dir "$SD" >/dev/null
done
for pane in "3 Migrations" "4 Schema" "5 Seeds"; do
	start
	wait_for "── Server 15" 15
	sh "$SRV" pg-freeze --dir "$SD" >/dev/null
	sleep 0.5
	keys "${pane%% *}"; wait_for "[$pane]" 2
	sleep 0.5
	quit_fast "PostgreSQL frozen, $pane opened"
	sh "$SRV" pg-thaw --dir "$SD" >/dev/null
done
sh "$SRV" pg-thaw --dir "$SD" >/dev/null
stop_tmux

# ---- 6: during an outage the Migrations pane keeps its list, marked STALE
start
wait_for "── Server 15" 15
keys 3; wait_for "0001" 10; ok $? "the Migrations pane lists the migration"
sh "$SRV" pg-stop --dir "$SD" >/dev/null
wait_for "(last data " 15
keys s
sleep 3
scr=$(screen)
like "$scr" "0001" "PostgreSQL stopped: the last list stays on screen"
unlike "$scr" "reading the migration status" "it does not blank to reading..."
title=$(printf '%s\n' "$scr" | grep -F "── Migrations")
like "$title" "STALE" "and its title marks it STALE: $title"
sh "$SRV" pg-start --dir "$SD" >/dev/null
wait_for "PG up" 20
keys s
n=0
while screen | grep -F "── Migrations" | grep -qF STALE && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
unlike "$(screen | grep -F "── Migrations")" "STALE" "PostgreSQL back: the list is fresh again"
stop_tmux

done_testing
