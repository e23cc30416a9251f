#!/bin/sh
# redis-bigvalue.sh - peak memory (max RSS) and time of `mcpdb redis get` on
# one big value, with the default cap (1 MiB shown) and with --max-bytes 0
# (the whole value), and optionally an older mcpdb binary for comparison.
#
# usage: bench/redis-bigvalue.sh [--mb N] [--old PATH-TO-MCPDB] [--tty]
#   N: value size in MB (default 200). --tty prints to a pseudo-terminal
#   (script) instead of /dev/null. A private redis-server (no persistence)
#   is started on a unix socket in a mktemp directory and stopped at the end.
#   Run from a build directory (./mcpdb) or set MCPDB_BIN.
set -eu

MB=200
OLD=
TTY=0
while [ $# -gt 0 ]; do
	case $1 in
	--mb) MB=$2; shift ;;
	--old) OLD=$2; shift ;;
	--tty) TTY=1 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "redis-bigvalue: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
M=${MCPDB_BIN:-./mcpdb}
[ -x "$M" ] || { echo "redis-bigvalue: $M not found (run from a build directory)" >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "redis-bigvalue: redis-server not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "redis-bigvalue: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

D=$(mktemp -d -t mcpdb-bigvalue.XXXXXX)
redis-server --port 0 --unixsocket "$D/redis.sock" --save '' --appendonly no \
	--proto-max-bulk-len 1gb --daemonize yes --pidfile "$D/redis.pid" --dir "$D" \
	--logfile "$D/redis.log" >/dev/null
trap 'kill "$(cat "$D/redis.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$D"' EXIT
n=0; while [ ! -S "$D/redis.sock" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
python3 -c "import sys; sys.stdout.write('v' * ($MB * 1000 * 1000))" |
	redis-cli -s "$D/redis.sock" -x set big >/dev/null
export REDIS_URL="$D/redis.sock" XDG_CONFIG_HOME="$D" HOME="$D"
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL

# run LABEL BINARY ARGS...: one measured get; prints a result row.
run() {
	label=$1; bin=$2; shift 2
	if [ "$TTY" = 1 ]; then
		/usr/bin/time -f '%M %e' -o "$D/time" script -qec "'$bin' redis get big $*" /dev/null >/dev/null 2>&1 || :
	else
		/usr/bin/time -f '%M %e' -o "$D/time" "$bin" redis get big "$@" >/dev/null 2>"$D/err" || :
	fi
	read -r kb secs <"$D/time"
	printf '| %-34s | %8.1f MB | %6s s |\n' "$label" "$(echo "$kb / 1024" | bc -l)" "$secs"
}
echo "value: $MB MB; output to $([ "$TTY" = 1 ] && echo 'a pty (script)' || echo /dev/null)"
echo "| run | max RSS | time |"
echo "|---|---|---|"
[ -n "$OLD" ] && run "old binary: redis get" "$OLD"
run "redis get (default: 1 MiB shown)" "$M"
run "redis get --max-bytes 0 (all)" "$M" --max-bytes 0
