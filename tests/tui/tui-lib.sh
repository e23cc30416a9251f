# tui-lib.sh - the tmux driving shared by the interactive-shell tests,
# sourced after tests/tap.sh once the test has its scratch directory $D and
# has written $D/run.sh (the script that runs mcpdb and keeps the pane open).
# mcpdb runs in a private tmux server whose socket lives in $D, so nothing is
# left in /tmp; keys go in with send-keys, the screen comes back with
# capture-pane. Call tui_kill from the test's EXIT trap.
#
# Settings, read at each call: COLS x ROWS, the size of a new session
# (120x40); TUI_WAIT, the default wait of wait_for and wait_gone (5 s).
# Provides: S (the current socket), tmx ARGS (tmux on it), tui_kill,
# stop_tmux, tui_session SCRIPT [VAR=VALUE ...] [-- ARGS], start [VAR=VALUE
# ...] [-- mcpdb args], screen, row N, keys, wait_for TEXT [SECONDS],
# wait_gone TEXT [SECONDS], ms.
S=""
TUI_N=0

# tmx ARGS: tmux on the current private server.
tmx() { tmux -S "$S" "$@"; }
# tui_kill: end the current tmux server, if there is one (for EXIT traps).
tui_kill() {
	[ -n "$S" ] && tmux -S "$S" kill-server >/dev/null 2>&1
	return 0
}
# stop_tmux: end the tmux server and wait until it is gone, so that the
# mcpdb it ran is not still holding its connections when the next starts.
stop_tmux() {
	[ -n "$S" ] || return 0
	tmux -S "$S" kill-server >/dev/null 2>&1
	n=0
	while tmux -S "$S" list-sessions >/dev/null 2>&1 && [ $n -lt 100 ]; do
		sleep 0.05; n=$((n + 1))
	done
	sleep 0.2
}
# tui_session SCRIPT [VAR=VALUE ...] [-- ARGS]: a fresh tmux server (a new
# socket each time, so a dying one never races the next) running sh SCRIPT
# ARGS with the variables set. A server that will not start is tried again.
tui_session() {
	script=$1; shift
	stop_tmux
	TUI_N=$((TUI_N + 1))
	S=$D/tmux.$TUI_N.sock
	envs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
	[ "${1:-}" = "--" ] && shift
	for try in 1 2 3 4 5; do
		tmux -S "$S" -f /dev/null new-session -d -x "${COLS:-120}" -y "${ROWS:-40}" \
			"env LC_ALL=C.UTF-8 TERM=screen $envs sh '$script' $*" 2>/dev/null && return 0
		sleep 0.2
	done
	diag "tmux would not start"
	return 1
}
# start [VAR=VALUE ...] [-- mcpdb args]: a fresh session running $D/run.sh.
start() { tui_session "$D/run.sh" "$@"; }
# screen: the visible screen as text.
screen() { tmux -S "$S" capture-pane -p; }
# row N: line N of the screen.
row() { screen | sed -n "$1p"; }
# keys ARGS: send-keys to the session.
keys() { tmux -S "$S" send-keys "$@"; }
# wait_for TEXT [SECONDS]: poll the screen until it shows TEXT (fixed string).
wait_for() {
	n=$(( ${2:-${TUI_WAIT:-5}} * 20 ))
	while [ "$n" -gt 0 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	diag "timed out waiting for: $1" "screen was:"
	screen | sed 's/^/    /' | while IFS= read -r l; do diag "$l"; done
	return 1
}
# wait_gone TEXT [SECONDS]: poll until TEXT is no longer on screen.
wait_gone() {
	n=$(( ${2:-${TUI_WAIT:-5}} * 20 ))
	while [ "$n" -gt 0 ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.05
		n=$((n - 1))
	done
	diag "still on screen after ${2:-${TUI_WAIT:-5}} s: $1"
	return 1
}
# ms: the time in milliseconds.
ms() { echo $(( $(date +%s%N) / 1000000 )); }
