#!/bin/sh
# t-tui-controls.sh - the shell's controls (issue 20) as an operator uses
# them, against the harness servers: Space pauses (PAUSED shows, a session
# started on the server stays off the frozen screen across several
# refreshes, cancel is refused) and resumes (it appears); + and - change the
# refresh interval (shown, and the data's age follows it); s, S, < and >
# sort the sessions list (three sessions with known application names) and
# the Redis clients view, the header marking the column; quitting and
# starting again with the same XDG_CONFIG_HOME keeps the interval and the
# sorts (not the pause); a corrupt tui.json is named in the Log pane and
# the defaults are used.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "${MCPDB_SRCDIR:?}/tests/tui/panes-lib.sh"
PREFS=$XDG_CONFIG_HOME/mcpdb/tui.json
COLS=160
rm -f "$PREFS"
BG=""
stop_bg() { for p in $BG; do kill "$p" 2>/dev/null; done; BG=""; }
trap 'stop_bg; cleanup' EXIT

# session NAME: a session of the test database sleeping with that application_name.
session() {
	"$PSQL" "$PG application_name=$1" -qX -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
	BG="$BG $!"
}
# apps: the ctl_ application names in the order the sessions list shows them.
apps() { screen | grep -o 'ctl_[a-z][a-z]*' | tr '\n' ' '; }
# age_max SECONDS: the largest "data N s old" seen on the status line in that time (in tenths).
age_max() {
	n=$(( $1 * 10 )); m=0
	while [ $n -gt 0 ]; do
		a=$(screen | sed -n 's/.*data \([0-9.]*\) s old.*/\1/p' | head -1)
		[ -n "$a" ] && a=$(echo "$a" | awk '{ printf "%d", $1 * 10 }') && [ "$a" -gt "$m" ] && m=$a
		sleep 0.1; n=$((n - 1))
	done
	echo "$m"
}

# tabs: the ctl_t tables in the order the vacuum view lists them.
tabs() { screen | grep -o 'public\.ctl_t[0-9]' | sed 's/public\.//' | tr '\n' ' '; }
# sort_now: the "sort COLUMN asc|desc" of the view's title, or nothing.
sort_now() { screen | sed -n 's/.*  \(sort [^ ].* \(asc\|desc\)\)  read .*/\1/p' | head -1; }
# sort_to TEXT: press > (one at a time, each waited for) until the view's
# title starts with TEXT; at most 40 columns. (Other tests' VACUUMs, listed
# cluster-wide, may add a table and so columns to the view meanwhile.)
sort_to() {
	k=0
	while [ $k -lt 40 ]; do
		cur=$(sort_now)
		case "$cur" in "$1"*) return 0;; esac
		keys '>'
		j=0
		while [ "$(sort_now)" = "$cur" ] && [ $j -lt 40 ]; do sleep 0.05; j=$((j + 1)); done
		k=$((k + 1))
	done
	diag "sort_to: never saw $1; last: $(sort_now)"
	screen | sed 's/^/    /' | while IFS= read -r l; do diag "$l"; done
	return 1
}

# Three tables with known live/dead rows: t1 200/200, t2 100/300, t3 300/100.
for t in "1 200" "2 300" "3 100"; do
	set -- $t
	sql "CREATE TABLE ctl_t$1 (id int) WITH (autovacuum_enabled = false);
	INSERT INTO ctl_t$1 SELECT generate_series(1, 400); DELETE FROM ctl_t$1 WHERE id <= $2" >/dev/null
done
i=0
while [ "$(sql "SELECT sum(n_dead_tup) FROM pg_stat_user_tables WHERE relname LIKE 'ctl_t%'")" != 600 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
session ctl_b; session ctl_c; session ctl_a
i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ctl\_%' AND state = 'active'")" != 3 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done

start
wait_for "── Server 1" 15; ok $? "the Dashboard opens"
like "$(screen)" "every 1 s" "the status line shows the refresh interval (1 s by default)"
keys '?'
wait_for "Keys: Dashboard" 5
like "$(screen)" "pause / resume the display" "the help overlay lists Space"
like "$(screen)" "refresh less / more often" "and + / -"
like "$(screen)" "< / >        sort by the column to the left / right" "and the sort keys"
keys x; wait_gone "Keys: Dashboard" 5
keys /; keys -l "ctl_"; keys Enter
wait_for "3 shown" 5; ok $? "a filter shows the three test sessions"
like "$(screen)" "sort duration desc" "sorted by duration by default"

# ---- sorting the sessions list
keys s s s
wait_for "sort application asc" 5; ok $? "s s s: sort by application, ascending"
is "$(apps)" "ctl_a ctl_b ctl_c " "the rows are in application order"
like "$(screen)" "APPLICATION▲" "the header marks the column with an up arrow"
keys S
wait_for "sort application desc" 5; ok $? "S reverses"
is "$(apps)" "ctl_c ctl_b ctl_a " "the rows are in reverse application order"
like "$(screen)" "APPLICATION▼" "the arrow points down"
keys '<'
wait_for "sort user asc" 5; ok $? "< sorts by the column to the left (USER)"
like "$(screen)" "USER▲" "the marker moves to USER"
keys '>'
wait_for "sort application asc" 5; ok $? "> goes back to APPLICATION"
keys S
wait_for "sort application desc" 5

# ---- sorting a view's tables (v: vacuum)
keys v
wait_for "public.ctl_t1" 10; ok $? "v lists the test tables"
is "$(tabs)" "ctl_t2 ctl_t1 ctl_t3 " "by dead rows at first (the view's own order)"
sort_to "sort table "; ok $? "> goes through the columns to 'table'"
like "$(sort_now)" "sort table asc" "text sorts ascending first"
wait_for "table▲" 5; ok $? "the header marks it"
is "$(tabs)" "ctl_t1 ctl_t2 ctl_t3 " "the rows are in name order"
keys S
wait_for "sort table desc" 5; ok $? "S reverses"
is "$(tabs)" "ctl_t3 ctl_t2 ctl_t1 " "the rows are in reverse name order"
sort_to "sort live rows "; ok $? "> on to 'live rows'"
like "$(sort_now)" "sort live rows desc" "numbers sort biggest first"
is "$(tabs)" "ctl_t3 ctl_t1 ctl_t2 " "the rows are by live rows, most first"
keys '<'
wait_gone "sort live rows" 5; ok $? "< goes back a column"
sort_to "sort table "
[ "$(sort_now)" = "sort table asc" ] || keys S
wait_for "sort table asc" 5
keys Escape
wait_gone "Vacuum and wraparound" 5

# ---- pause
keys Space
wait_for "PAUSED since" 5; ok $? "Space pauses: PAUSED on the status line"
like "$(row 1)" "PAUSED" "and in the header"
session ctl_late
i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ctl_late'")" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
A=$(screen | grep -E "Sessions|ctl_")
sleep 3.5
B=$(screen | grep -E "Sessions|ctl_")
is "$B" "$A" "paused: the sessions list did not change over 3 refreshes"
unlike "$(screen)" "ctl_late" "the session started on the server is not shown"
unlike "$(screen)" "STALE" "and the frozen data is not called stale"
keys c
wait_for "paused: the sessions shown are frozen" 5; ok $? "cancel while paused is refused, saying the data is frozen"
unlike "$(screen)" "Cancel the running query" "no confirmation is asked"
keys Space
wait_for "ctl_late" 5; ok $? "Space resumes: the new session appears"
wait_gone "PAUSED since" 5; ok $? "PAUSED is gone"

# ---- refresh interval
keys +
wait_for "every 2 s" 5; ok $? "+ makes the refresh interval longer (2 s), shown"
like "$(screen)" "refresh every 2 s (saved)" "and says so"
keys + +
wait_for "every 10 s" 5; ok $? "+ + : 5 s, then 10 s"
m=$(age_max 12)
[ "$m" -ge 50 ]; ok $? "at 10 s the data grows older than 5 s between refreshes (max $m tenths)"
unlike "$(screen)" "STALE" "and is not called stale"
keys - - - - -
wait_for "every 250 ms" 5; ok $? "- - - - - : down to 250 ms"
keys -
wait_for "refresh stays every 250 ms" 5; ok $? "not below 250 ms"
sleep 1
m=$(age_max 3)
[ "$m" -le 10 ]; ok $? "at 250 ms at once: the data is never a second old (max $m tenths)"
keys +
wait_for "every 500 ms" 5; ok $? "+ : 500 ms"

# ---- the Redis clients view
keys 2
wait_for "[2 Redis]" 10
keys C
wait_for "sorted by idle desc" 10; ok $? "the Redis clients view sorts by idle time first"
keys '>'
wait_for "sorted by mem desc" 5; ok $? "> sorts it by the next column (MEM, biggest first)"
like "$(screen)" "MEM▼" "its header marks MEM"
keys Escape
keys 1

# ---- the choices are saved, and come back
keys q
wait_for "EXITED 0" 10; ok $? "q quits"
[ -f "$PREFS" ]; ok $? "tui.json is written under XDG_CONFIG_HOME/mcpdb"
like "$(cat "$PREFS")" '"refresh_ms":	500' "with the interval"
like "$(tr -d ' \t\n' <"$PREFS")" '"sessions":{"column":"APPLICATION","descending":true}' "and the sessions sort"
like "$(tr -d ' \t\n' <"$PREFS")" '"redis-clients":{"column":"MEM","descending":true}' "and the Redis clients sort"
like "$(tr -d ' \t\n' <"$PREFS")" '"vacuum":{"column":"table","descending":false}' "and the vacuum view's sort"
ls -A "$XDG_CONFIG_HOME/mcpdb" | grep -qv '^tui.json$'; is $? 1 "no temporary file is left beside it"
start
wait_for "── Server 1" 15; ok $? "started again with the same XDG_CONFIG_HOME"
like "$(screen)" "every 500 ms" "the interval is the saved one"
like "$(screen)" "sort application desc" "the sessions sort is the saved one"
unlike "$(screen)" "PAUSED" "the pause is not saved"
keys v
wait_for "public.ctl_t1" 10
like "$(screen)" "sort table asc" "the vacuum view's sort is the saved one"
is "$(tabs)" "ctl_t1 ctl_t2 ctl_t3 " "and its rows follow it"
keys Escape
wait_gone "Vacuum and wraparound" 5
keys 2
wait_for "[2 Redis]" 10
keys C
wait_for "sorted by mem desc" 10; ok $? "the Redis clients sort is the saved one"
keys Escape
keys 1
start -- tui --interval 3000
wait_for "── Server 1" 15
like "$(screen)" "every 3 s" "--interval wins over the saved interval"
keys q
wait_for "EXITED 0" 10
like "$(cat "$PREFS")" '"refresh_ms":	500' "and is not saved when not changed"

# ---- a corrupt file
printf '{"refresh_ms": 2000, "sort": ' >"$PREFS"
start
wait_for "── Server 1" 15; ok $? "a corrupt tui.json does not stop the shell"
like "$(screen)" "every 1 s" "the default interval is used"
like "$(screen)" "sort duration desc" "and the default sort"
keys 6
wait_for "using the default display choices" 5; ok $? "the Log pane has a warning"
like "$(screen | grep 'using the default display')" "$PREFS: not JSON" "naming the file and what is wrong"
is "$(screen | grep -c 'using the default display')" 1 "on one line"
keys 1 +
wait_for "every 2 s" 5
keys q
wait_for "EXITED 0" 10
like "$(cat "$PREFS")" '"refresh_ms":	2000' "a new choice replaces the corrupt file"
stop_bg
done_testing
