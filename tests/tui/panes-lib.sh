# panes-lib.sh - shared set-up for the Migrations, Schema and Seeds pane
# tests (sourced after tests/tap.sh): skips without tmux or servers, makes a
# scratch directory and a database of the test's own on the harness server,
# and drives the real mcpdb in a private tmux server. Everything is removed
# by the EXIT trap: the tmux server, the database, the directory.
#
# Provides: M (the binary), PG (conninfo of the test database), DB, D (the
# scratch dir; mcpdb runs in $D/work, so ./migrations and ./seeds there are
# the target's), start [VAR=VALUE ...] [-- mcpdb args], screen, keys,
# wait_for TEXT [SECONDS], wait_gone TEXT [SECONDS], sql SQL (one value),
# cli ARGS (mcpdb on the test database, in $D/work).
M=${MCPDB_BIN:?}
bail_out() { echo "Bail out! $*"; exit 1; }
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -n "${MCPDB_TEST_PGURL:-}" ] || skip_all "MCPDB_TEST_PGURL not set (run under tests/harness/with-servers.sh)"
[ -n "${MCPDB_TEST_REDIS:-}" ] || skip_all "MCPDB_TEST_REDIS not set (run under tests/harness/with-servers.sh)"
PSQL=psql
[ -n "${MCPDB_TEST_PGBIN:-}" ] && [ -x "$MCPDB_TEST_PGBIN/psql" ] && PSQL=$MCPDB_TEST_PGBIN/psql
command -v "$PSQL" >/dev/null 2>&1 || skip_all "psql is not installed"
RS=$MCPDB_TEST_REDIS
D=$(mktemp -d -t mcpdb-tui-panes.XXXXXX)
S=$D/tmux.sock	# a socket of our own: nothing is left in /tmp
DB=t_tui_$(basename "$0" .sh | tr -c 'a-z0-9\n' '_')_$$
PG="$MCPDB_TEST_PGURL dbname=$DB"
cleanup() {
	tmux -S "$S" kill-server >/dev/null 2>&1
	"$PSQL" "$MCPDB_TEST_PGURL" -qAtX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL NO_COLOR MCPDB_LOG_FILE MCPDB_LOG_LEVEL
export XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/config"
mkdir -p "$XDG_CONFIG_HOME/mcpdb" "$D/work"
"$PSQL" "$MCPDB_TEST_PGURL" -qAtX -c "CREATE DATABASE $DB" >/dev/null ||
	bail_out "cannot create database $DB"

# The app runs from a script so that the URLs need no quoting in tmux.
cat >"$D/run.sh" <<EOF
#!/bin/sh
cd "$D/work" || exit 1
"$M" --pg "$PG" --redis "$RS" "\$@"
echo "EXITED \$?"
exec sleep 600
EOF

# stop_tmux: end the tmux server and wait until it is gone (a new one on the
# same socket would otherwise meet the old one exiting).
stop_tmux() {
	tmux -S "$S" kill-server >/dev/null 2>&1
	n=0
	while tmux -S "$S" list-sessions >/dev/null 2>&1 && [ $n -lt 100 ]; do
		sleep 0.05; n=$((n + 1))
	done
	sleep 0.2
}
# start [VAR=VALUE ...] [-- mcpdb args]: a fresh tmux server, 120x40 (or $COLS x $ROWS).
start() {
	stop_tmux
	envs=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
	[ "${1:-}" = "--" ] && shift
	tmux -S "$S" -f /dev/null new-session -d -x "${COLS:-120}" -y "${ROWS:-40}" \
		"env LC_ALL=C.UTF-8 TERM=screen $envs sh '$D/run.sh' $*"
}
screen() { tmux -S "$S" capture-pane -p; }
keys() { tmux -S "$S" send-keys "$@"; }
# wait_for TEXT [SECONDS]: poll the screen until it shows TEXT (fixed string).
wait_for() {
	n=$(( ${2:-10} * 20 ))
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
	n=$(( ${2:-10} * 20 ))
	while [ "$n" -gt 0 ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.05
		n=$((n - 1))
	done
	diag "still on screen: $1"
	return 1
}
# open_pane KEY TEXT: switch to pane KEY and wait for TEXT; skip the whole
# test while this build still shows the placeholder pane instead.
open_pane() {
	keys "$1"
	n=200
	while [ "$n" -gt 0 ]; do
		screen | grep -qF -- "$2" && return 0
		screen | grep -qF "coming in the next release" &&
			skip_all "this build still has the placeholder pane (not wired into ui.c yet)"
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
# sql SQL: run it on the test database; prints the result unaligned.
sql() { "$PSQL" "$PG" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
# cli ARGS: mcpdb on the test database (in $D/work), stdout and stderr.
cli() { (cd "$D/work" && "$M" --pg "$PG" --redis "$RS" "$@" 2>&1); }
