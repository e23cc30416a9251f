#!/usr/bin/env bash
# bench/tui.sh - mcpdb's dashboards side by side with pg_activity and pg_top
# on one private PostgreSQL 15 + Redis 7 pair (started here, purged on exit).
#
# Measured per monitor, in a 120x40 tmux pane, the way
# the team's peer study (research notes, peers.sh section 5) measured the peers:
#   - time to the first full paint: from starting the pane until the screen
#     shows data (mcpdb: the Dashboard's Sessions section; pg_activity:
#     "PostgreSQL"; pg_top: "last pid"), polled every 10 ms;
#   - resident memory (VmRSS) 5 s after start and at the end;
#   - CPU (utime + stime of every thread) from 5 s to MON_T s, as % of a core;
#   - SQL statements per refresh: log_statement = all for LOGWIN s, the
#     server log parsed per application; statements closer than 0.4 s count
#     as one refresh; backend pids show whether the connection persists;
#   - for mcpdb, Redis commands per second (INFO commandstats deltas).
# mcpdb runs at its default 1 s refresh with both dashboards live (the
# poller always samples PostgreSQL and Redis; the Redis pane is shown for
# the second half of the run), pg_activity at its default 2 s, pg_top at
# -s 1. A light pgbench -S load (100 tps) gives them sessions to show.
#
# Usage: bench/tui.sh [MCPDB_BINARY]   (default: ./mcpdb, run from a build dir)
# Environment: ROUNDS (3), MON_T (65), LOGWIN (10), OUT (results dir; default
# a new mktemp -d), MCPDB_SERVERS_SH (default: ../src/mcpdb-servers.sh).
# Needs: tmux, pg_activity, pg_top (Debian: apt-get install pg-activity
# pgtop), pgbench, psql, redis-cli, python3.
set -Eeuo pipefail

M=$(readlink -f "${1:-./mcpdb}")
HERE=$(cd "$(dirname "$0")" && pwd -P)
SRV=${MCPDB_SERVERS_SH:-$HERE/../src/mcpdb-servers.sh}
ROUNDS=${ROUNDS:-3}
MON_T=${MON_T:-65}
LOGWIN=${LOGWIN:-10}
[ -x "$M" ] || { echo "tui.sh: $M is not an executable mcpdb" >&2; exit 2; }
for t in tmux pg_activity pg_top pgbench psql redis-cli python3; do
	command -v "$t" >/dev/null || { echo "tui.sh: $t not found" >&2; exit 2; }
done
OUT=${OUT:-$(mktemp -d -t tui-bench.XXXXXX)}
mkdir -p "$OUT"
RES=$OUT/results.tsv
: >"$RES"
base=${TMPDIR:-/tmp}
[ ${#base} -le 60 ] || base=/tmp
SD=$(mktemp -d "$base/mcpdb-tuibench.XXXXXX")
chmod 755 "$SD"
W=$(mktemp -d "$base/mcpdb-tuibench-w.XXXXXX")
TS=$W/tmux.sock
BG=""

cleanup() {
	set +e
	[ -n "$BG" ] && kill "$BG" 2>/dev/null
	tmux -S "$TS" kill-server >/dev/null 2>&1
	sh "$SRV" down --purge --dir "$SD" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RES"; }
now() { printf '%s' "$EPOCHREALTIME"; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.4f", b-a}'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; }
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
tm() { tmux -S "$TS" "$@"; }
sleep_until() { local s; s=$(awk -v a="$1" -v b="$(now)" 'BEGIN{d=a-b; print (d>0?d:0)}'); sleep "$s"; }
# wait_screen T0 SESSION MARKER...: seconds from T0 until every marker shows.
wait_screen() {
	local t0=$1 s=$2 scr m all
	shift 2
	for _ in $(seq 1 1500); do
		scr=$(tm capture-pane -p -t "$s" 2>/dev/null || true)
		all=1
		for m in "$@"; do
			case $scr in *"$m"*) ;; *) all=0 ;; esac
		done
		[ $all = 1 ] && { dt "$t0" "$(now)"; return; }
		sleep 0.01
	done
	echo NaN
}

# ---- servers
log "starting a private PostgreSQL + Redis in $SD"
eval "$(sh "$SRV" up --dir "$SD")"
PG=$MCPDB_TEST_PGURL
RS=$MCPDB_TEST_REDIS
SERVER_LOG=$SD/pg/postgres.log
[ -f "$SERVER_LOG" ] || { log "no server log at $SERVER_LOG"; exit 1; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$PG" "$@"; }
rcli() { redis-cli -s "$RS" "$@"; }
q -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a '" -c "SELECT pg_reload_conf()" >/dev/null
q -c "CREATE DATABASE bench" >/dev/null
pgbench -i -s 1 -q "$PG dbname=bench" >"$W/pgbench-init.log" 2>&1
{
	echo "date_utc	$(date -u +%FT%TZ)"
	echo "cpus	$(nproc)"
	echo "kernel	$(uname -r)"
	echo "postgres	$(q -c 'SHOW server_version')"
	echo "redis	$(rcli info server | tr -d '\r' | sed -n 's/^redis_version://p')"
	echo "mcpdb	$("$M" version 2>/dev/null | head -1)"
	echo "pg_activity	$(pg_activity --version 2>&1 | head -1)"
	echo "pg_top	$(pg_top --version 2>&1 | head -1)"
	echo "tmux	$(tmux -V)"
	echo "rounds	$ROUNDS"
	echo "mon_t	$MON_T"
	echo "logwin	$LOGWIN"
	echo "load_start	$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/versions.tsv"
cat "$OUT/versions.tsv" >&2

# The monitors: session name, command, first-paint markers.
MCPDB_CMD="exec env LC_ALL=C.UTF-8 TERM=screen HOME=$W XDG_STATE_HOME=$W/state XDG_CONFIG_HOME=$W/config $M --pg '$PG' --redis '$RS' tui"
PGA_CMD="exec env TERM=screen pg_activity -h $PGHOST -p $PGPORT -U $PGUSER -d postgres"
PGT_CMD="exec env TERM=screen PGAPPNAME=pg_top pg_top -h $PGHOST -p $PGPORT -U $PGUSER -d postgres -s 1"

for r in $(seq 1 "$ROUNDS"); do
	log "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
	pgbench -S -c 4 -j 1 -R 100 -T $((MON_T + 20)) "$PG dbname=bench" >/dev/null 2>&1 &
	BG=$!
	tm -f /dev/null new-session -d -x 120 -y 40 -s hold "sleep 3600"
	declare -A PID START
	# Start one at a time so the first-paint clocks do not compete.
	t0=$(now); START[mcpdb]=$t0
	tm new-session -d -x 120 -y 40 -s mcpdb "$MCPDB_CMD"
	rec mcpdb.first_frame_s "$r" "$(wait_screen "$t0" mcpdb '[1 Dashboard]')"
	rec mcpdb.first_paint_s "$r" "$(wait_screen "$t0" mcpdb '── Server 15' '── Sessions')"
	PID[mcpdb]=$(tm display -p -t mcpdb '#{pane_pid}')
	t0=$(now); START[pg_activity]=$t0
	tm new-session -d -x 120 -y 40 -s pga "$PGA_CMD"
	rec pg_activity.first_paint_s "$r" "$(wait_screen "$t0" pga PostgreSQL)"
	PID[pg_activity]=$(tm display -p -t pga '#{pane_pid}')
	t0=$(now); START[pg_top]=$t0
	tm new-session -d -x 120 -y 40 -s pgt "$PGT_CMD"
	rec pg_top.first_paint_s "$r" "$(wait_screen "$t0" pgt 'last pid')"
	PID[pg_top]=$(tm display -p -t pgt '#{pane_pid}')

	declare -A CPU5
	for k in mcpdb pg_activity pg_top; do
		sleep_until "$(awk -v a="${START[$k]}" 'BEGIN{printf "%.3f", a+5}')"
		rec "$k.rss5_kb" "$r" "$(rss_kb "${PID[$k]}")"
		CPU5[$k]=$(cpu_ticks "${PID[$k]}")
	done

	# Statement window (and Redis commands) with both mcpdb panes live.
	off=$(stat -c %s "$SERVER_LOG")
	c0=$(rcli info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_/{s+=$3} END{print s+0}')
	q -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
	w0=$(now); sleep "$LOGWIN"
	q -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
	w1=$(now)
	c1=$(rcli info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_/{s+=$3} END{print s+0}')
	# our own two INFO calls and the log_statement toggles are not mcpdb's
	rec mcpdb.redis_cmds_per_s "$r" "$(awk -v a="$c0" -v b="$c1" -v t="$(dt "$w0" "$w1")" 'BEGIN{printf "%.2f", (b-a-1)/t}')"
	tail -c +"$((off + 1))" "$SERVER_LOG" >"$W/stmt.$r.log"
	python3 - "$W/stmt.$r.log" "$r" "$(dt "$w0" "$w1")" >>"$RES" <<'PY'
import re, sys, statistics
from datetime import datetime
path, rnd, win = sys.argv[1], sys.argv[2], float(sys.argv[3])
pat = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \S+ \[(\d+)\] app=(\S*) LOG:  (statement|execute)')
ev = {}
for line in open(path, errors="replace"):
    m = pat.match(line)
    if m:
        t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        ev.setdefault(m.group(3), []).append((t, m.group(2)))
for key, apps in (("mcpdb", ("mcpdb/monitor", "mcpdb/tui")), ("pg_activity", ("pg_activity",)),
                  ("pg_top", ("pg_top",))):
    e = sorted(x for a in apps for x in ev.get(a, []))
    bursts, last = [], None
    for t, pid in e:
        if last is None or t - last > 0.4:
            bursts.append(0)
        bursts[-1] += 1
        last = t
    print(f"{key}.stmts_per_s\t{rnd}\t{len(e)/win:.2f}")
    print(f"{key}.refreshes_in_window\t{rnd}\t{len(bursts)}")
    print(f"{key}.stmts_per_refresh\t{rnd}\t{statistics.median(bursts) if bursts else 0}")
    print(f"{key}.backend_pids_in_window\t{rnd}\t{len(set(p for _, p in e))}")
PY
	# Second half: the Redis pane on screen.
	sleep_until "$(awk -v a="${START[mcpdb]}" -v t="$MON_T" 'BEGIN{printf "%.3f", a+t/2}')"
	tm send-keys -t mcpdb 2
	for k in mcpdb pg_activity pg_top; do
		sleep_until "$(awk -v a="${START[$k]}" -v t="$MON_T" 'BEGIN{printf "%.3f", a+t}')"
		c=$(cpu_ticks "${PID[$k]}")
		rec "$k.rss_end_kb" "$r" "$(rss_kb "${PID[$k]}")"
		rec "$k.steady_cpu_pct" "$r" "$(awk -v a="${CPU5[$k]}" -v b="$c" -v t="$MON_T" 'BEGIN{printf "%.2f", (b-a)/(t-5)}')"
	done
	grep -q '── Server 7' <(tm capture-pane -p -t mcpdb) && rec mcpdb.redis_pane_live "$r" 1 ||
		rec mcpdb.redis_pane_live "$r" 0
	tm capture-pane -p -t mcpdb >"$OUT/mcpdb-redis-pane.$r.txt"
	tm send-keys -t mcpdb 1
	sleep 1.2
	tm capture-pane -p -t mcpdb >"$OUT/mcpdb-dashboard.$r.txt"
	tm kill-server >/dev/null 2>&1 || true
	kill "$BG" 2>/dev/null || true
	wait "$BG" 2>/dev/null || true
	BG=""
	sleep 0.5
done
echo "load_end	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/versions.tsv"

python3 - "$RES" >"$OUT/summary.md" <<'PY'
import sys, statistics
from collections import defaultdict
d = defaultdict(list)
for line in open(sys.argv[1]):
    k, r, v = line.rstrip("\n").split("\t")
    try:
        d[k].append(float(v))
    except ValueError:
        pass
def med(k):
    v = [x for x in d.get(k, []) if x == x]
    return statistics.median(v) if v else float("nan")
print("| | mcpdb (1 s) | pg_activity (2 s) | pg_top (-s 1) |")
print("|---|---|---|---|")
rows = [("first full paint (ms)", "first_paint_s", 1000, "%.0f"),
        ("RSS after 5 s (MB)", "rss5_kb", 1 / 1024, "%.1f"),
        ("RSS at the end (MB)", "rss_end_kb", 1 / 1024, "%.1f"),
        ("CPU, % of a core (steady)", "steady_cpu_pct", 1, "%.2f"),
        ("SQL statements per refresh (median)", "stmts_per_refresh", 1, "%.0f"),
        ("SQL statements per second", "stmts_per_s", 1, "%.2f"),
        ("backend pids in the log window", "backend_pids_in_window", 1, "%.0f")]
for title, key, mul, fmt in rows:
    cells = []
    for app in ("mcpdb", "pg_activity", "pg_top"):
        v = med(f"{app}.{key}")
        cells.append("-" if v != v else fmt % (v * mul))
    print(f"| {title} | " + " | ".join(cells) + " |")
print()
print(f"mcpdb first frame (tab bar, before data): {med('mcpdb.first_frame_s') * 1000:.0f} ms; "
      f"Redis commands per second: {med('mcpdb.redis_cmds_per_s'):.2f}; "
      f"Redis pane live in the second half: {int(min(d.get('mcpdb.redis_pane_live', [0])))}")
print(f"rounds: {len(d.get('mcpdb.first_paint_s', []))}; medians over rounds")
PY
cat "$OUT/summary.md"
echo "results in $OUT" >&2
