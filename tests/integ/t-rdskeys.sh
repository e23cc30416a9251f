#!/bin/sh
# t-rdskeys.sh - `mcpdb redis keyspace` and `redis doctor` on a private
# redis-server (it changes maxmemory-policy): the keys per database from
# INFO; a whole-database sample by SCAN finds every key, the biggest first,
# memory by type, the share with a TTL and those expiring within a minute;
# a key name with an escape sequence is shown escaped; --samples bounds the
# sample (not complete); hot keys need an LFU policy and are then ranked by
# OBJECT FREQ; --json carries the same; MEMORY and LATENCY DOCTOR reports.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
RS_BIN=$(command -v redis-server) || skip_all "redis-server not installed"
RC=$(command -v redis-cli) || skip_all "redis-cli not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (needed to read the JSON)"
D=$(mktemp -d -t mcpdb-rdskeys.XXXXXX)
SOCK=$D/r.sock
cleanup() {
	[ -f "$D/r.pid" ] && kill "$(cat "$D/r.pid")" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
"$RS_BIN" --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save '' --appendonly no \
	--daemonize yes --pidfile "$D/r.pid" --dir "$D" --logfile "$D/r.log" >/dev/null ||
	bail_out "cannot start redis-server"
i=0
while ! "$RC" -s "$SOCK" ping >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
r() { "$RC" -s "$SOCK" "$@"; }
unset MCPDB_CONFIG MCPDB_TARGET REDIS_URL DATABASE_URL
export XDG_CONFIG_HOME="$D/xdg"
m() { "$M" --redis "unix://$SOCK" --log-level error "$@"; }
js() { python3 -c "import json,sys; d=json.load(open('$D/out.json')); print($1)"; }

# 300 small strings, 50 expiring within a minute, 20 within an hour, a hash
# of 1,000 fields, a 200 kB string, and a 300 kB key whose name holds ESC.
{
	i=1; while [ $i -le 300 ]; do echo "SET s:$i v$i"; i=$((i + 1)); done
	i=1; while [ $i -le 50 ]; do echo "SET ttl:short:$i x EX 30"; i=$((i + 1)); done
	i=1; while [ $i -le 20 ]; do echo "SET ttl:long:$i x EX 3600"; i=$((i + 1)); done
	i=1; while [ $i -le 1000 ]; do echo "HSET h:big f$i value-$i"; i=$((i + 1)); done
} | r >/dev/null
python3 -c "print('x' * 200000)" | r -x SET big:blob >/dev/null
python3 -c "print('y' * 300000)" | r -x SET "$(printf 'evil\033[2J')" >/dev/null
total=$(r dbsize)
is "$total" 373 "373 keys written"

out=$(m redis keyspace --samples 100000 2>&1); rc=$?
is "$rc" 0 "redis keyspace: exit 0"
like "$out" "db0 " "the keys per database (INFO keyspace)"
like "$out" "$total keys sampled" "a whole-database sample finds every key"
like "$out" "the whole database" "and says it went round the whole database"
like "$out" "expiring within a minute" "TTLs"
like "$out" 'evil\x1b[2J' "a key name with an escape sequence is shown escaped"
case $out in *"$(printf '\033')"*) ok 1 "no raw ESC byte reaches the terminal" ;; *) ok 0 "no raw ESC byte reaches the terminal" ;; esac
like "$out" "Hot keys: need an LFU maxmemory-policy (now noeviction)" "hot keys: why they are not shown"

m --json redis keyspace --samples 100000 >"$D/out.json" 2>"$D/err"
is "$(js "d['sample']['keys']")" "$total" "--json: every key sampled"
is "$(js "d['sample']['complete']")" True "--json: complete"
is "$(js "d['sample']['expiring_within_60s']")" 50 "--json: the 50 keys expiring within a minute"
is "$(js "d['sample']['with_ttl']")" 70 "--json: 70 keys with a TTL"
is "$(js "d['biggest'][0]['key']")" 'evil\x1b[2J' "--json: the biggest key first"
is "$(js "d['biggest'][1]['key']")" big:blob "then the next biggest"
is "$(js "sorted(t['type'] for t in d['types'])")" "['hash', 'string']" "--json: memory by type"
is "$(js "d['databases'][0]['keys']")" "$total" "--json: INFO keyspace"

m --json redis keyspace --samples 50 >"$D/out.json" 2>"$D/err"
ok "$(js "0 if 50 <= d['sample']['keys'] < $total and not d['sample']['complete'] else 1")" \
	"--samples 50 bounds the sample ($(js "d['sample']['keys']") keys, not complete)"

# Hot keys under an LFU policy: read one key many times.
r config set maxmemory-policy allkeys-lfu >/dev/null
i=0; while [ $i -lt 300 ]; do echo "GET s:7"; i=$((i + 1)); done | r >/dev/null
m --json redis keyspace --samples 100000 >"$D/out.json" 2>"$D/err"
is "$(js "d['lfu_policy']")" True "--json: an LFU policy"
is "$(js "d['hottest'][0]['key']")" s:7 "the key read 300 times is the hottest"
out=$(m redis keyspace 2>&1)
like "$out" "Hottest keys (OBJECT FREQ" "the text lists the hottest keys"

out=$(m redis doctor 2>&1); rc=$?
is "$rc" 0 "redis doctor: exit 0"
like "$out" "MEMORY DOCTOR:" "MEMORY DOCTOR"
like "$out" "LATENCY DOCTOR:" "LATENCY DOCTOR"
like "$out" "Sam" "with the server's own memory report"

out=$(m redis keyspace --samples 0 2>&1); rc=$?
is "$rc" 2 "--samples 0: usage error"
done_testing
