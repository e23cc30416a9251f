#!/bin/sh
# t-migrate-scratch.sh - scratch databases of `migrate check` left behind: a
# check killed with SIGKILL in the middle leaves mcpdb_check_PID_TIME_HOST;
# doctor reports it, and the next check drops it together with one whose pid
# now belongs to a process that started later (pid reuse), while one of a
# running check and ones of another (or an unrecorded) host are kept and
# reported, never dropped.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
URL=${MCPDB_TEST_PGURL:-}
[ -n "$URL" ] || skip_all "MCPDB_TEST_PGURL not set; run under tests/harness/with-servers.sh"
command -v psql >/dev/null 2>&1 || skip_all "psql not found"
[ -r /proc/self/stat ] || skip_all "no /proc: process start times cannot be read here"

W=$(mktemp -d -t mcpdb-scratch.XXXXXX)
DB=mcpdb_t_scratch_$$
cleanup() {
	[ -n "${BG:-}" ] && kill -9 "$BG" 2>/dev/null
	[ -n "${SLEEPER:-}" ] && kill "$SLEEPER" 2>/dev/null
	[ -n "${PSQLBG:-}" ] && kill "$PSQLBG" 2>/dev/null
	for d in $DB ${LEAK:-} ${ALIVE:-} ${REUSED:-} ${OTHER:-} ${OLD:-} ${BUSY:-}; do
		psql "$URL" -XAtqc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
	done
	rm -rf "$W"
}
trap cleanup EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
q() { psql "$URL" -XAtqc "$1" 2>&1; }
exists() { q "SELECT count(*) FROM pg_database WHERE datname = '$1'"; }
q "CREATE DATABASE $DB" >/dev/null || { echo "Bail out! cannot create $DB"; exit 1; }
mc() { "$M" --pg "$URL dbname=$DB" --log-level error "$@"; }
# match TEXT ERE DESCRIPTION: some line of TEXT matches the extended regex.
match() { printf '%s\n' "$1" | grep -Eq -- "$2"; ok "$?" "$3"; }

# A set whose check takes long enough to be killed in the middle.
S=$W/slow; mkdir -p "$S"
printf 'CREATE TABLE slow_t (id int);\nSELECT pg_sleep(30);\n' >"$S/0001_slow.up.sql"
echo "DROP TABLE slow_t;" >"$S/0001_slow.down.sql"
G=$W/good; mkdir -p "$G"
echo "CREATE TABLE good_t (id int);" >"$G/0001_good.up.sql"
echo "DROP TABLE good_t;" >"$G/0001_good.down.sql"

# -- SIGKILL in the middle of a check leaks its scratch database
"$M" --pg "$URL dbname=$DB" --log-level error migrate check --dir "$S" >"$W/k.out" 2>&1 &
BG=$!	# mcpdb itself, not a subshell: its pid is in the name
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'mcpdb\\_check\\_${BG}\\_%' AND query LIKE '%pg_sleep(30)%'")" != 1 ] && [ $i -lt 150 ]; do
	sleep 0.1; i=$((i + 1))
done
LEAK=$(q "SELECT datname FROM pg_database WHERE datname LIKE 'mcpdb\\_check\\_${BG}\\_%'")
match "$LEAK" "^mcpdb_check_${BG}_[0-9]+_[0-9a-f]{8}\$" "the running check's scratch database is named by pid, start time and host ($LEAK)"
kill -9 "$BG"; wait "$BG" 2>/dev/null; BG=
is "$(exists "$LEAK")" 1 "after SIGKILL the scratch database is left behind"
i=0	# its busy session notices within a second (client_connection_check_interval)
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$LEAK'")" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done

# Fakes next to it, named the way a check names them (this host's tag is
# the killed check's): a running check (a live process started before the
# name's time), a reused pid (a live process started after it), a check of
# another host, and a name of an older mcpdb without a host tag.
TAG=${LEAK##*_}
sleep 300 &
SLEEPER=$!
NOW=$(date +%s)
ALIVE=mcpdb_check_${SLEEPER}_$((NOW + 5))_$TAG
REUSED=mcpdb_check_${SLEEPER}_$((NOW - 3600))_$TAG
DEAD=$(sh -c 'echo $$')	# a pid that has exited
OTHER=mcpdb_check_${DEAD}_${NOW}_00000000
[ "$TAG" = 00000000 ] && OTHER=mcpdb_check_${DEAD}_${NOW}_00000001
OLD=mcpdb_check_${DEAD}_${NOW}
BUSY=mcpdb_check_${DEAD}_$((NOW - 1))_$TAG
for d in $ALIVE $REUSED $OTHER $OLD $BUSY; do
	q "CREATE DATABASE $d" >/dev/null
done
# BUSY looks gone (dead pid, this host) but someone is connected to it, as a
# check of another host with the same name would be.
psql "$URL dbname=$BUSY" -XAtqc "SELECT pg_sleep(60)" >/dev/null 2>&1 &
PSQLBG=$!
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$BUSY'")" != 1 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done

# -- doctor reports them before anything is dropped
out=$(mc doctor 2>&1)
match "$out" "$LEAK: left by migrate check pid [0-9]+ of this host \\(started [-0-9: ]+ UTC\\), which is no longer running; the next mcpdb migrate check drops it" "doctor names the killed check's leftover and says the next check drops it"
printf '%s\n' "$out" | grep -Eq "^scratch databases +\| WARN +\| $LEAK"; ok "$?" "as a WARN line"
match "$out" "$REUSED: left by migrate check pid $SLEEPER of this host .*; pid $SLEEPER is now another process, started" "a reused pid is seen through (its process started after the name's time)"
like "$out" "$ALIVE: in use by migrate check pid $SLEEPER of this host" "a live owner is a check in progress"
printf '%s\n' "$out" | grep -Eq "^scratch databases +\| ok +\| $ALIVE"; ok "$?" "and not a warning"
match "$out" "$OTHER: made by migrate check pid $DEAD at .* on another host; mcpdb cannot tell whether that check still runs" "another host's leftover is reported"
match "$out" "$OLD: made by migrate check pid $DEAD at .* on an unrecorded host" "so is one without a host tag"
json=$(mc --json doctor 2>/dev/null)
is "$(printf '%s' "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(1 for c in d['checks'] if c['check']=='scratch databases' and c['detail'].startswith('mcpdb_check_') and c['detail'].split(':')[0] in '$LEAK $ALIVE $REUSED $OTHER $OLD $BUSY'.split()))")" 6 "--json: one check per leftover"
is "$(exists "$LEAK")$(exists "$REUSED")" 11 "doctor drops nothing"

# -- the next check drops the gone ones and keeps the rest
out=$(mc migrate check --dir "$G" 2>&1); rc=$?
is "$rc" 0 "the next check succeeds"
like "$out" "dropped leftover scratch database $LEAK: left by migrate check pid" "it says it dropped the killed check's database"
like "$out" "dropped leftover scratch database $REUSED" "and the one of the reused pid"
like "$out" "kept scratch database $ALIVE: in use by" "it keeps a running check's database"
match "$out" "kept scratch database $OTHER: made by migrate check pid $DEAD at .* on another host" "and another host's, saying why"
is "$(exists "$LEAK")$(exists "$REUSED")" 00 "both are gone from the server"
is "$(exists "$ALIVE")$(exists "$OTHER")$(exists "$OLD")" 111 "the running check's and the other hosts' are still there"
like "$out" "kept scratch database $BUSY: left by migrate check pid $DEAD of this host" "one that looks gone but has a session connected is kept"
like "$out" "but 1 session is still connected to it, so it is left alone this time" "saying why"
is "$(exists "$BUSY")" 1 "and is still there"
json=$(mc --json migrate check --dir "$G" 2>/dev/null)
is "$(printf '%s' "$json" | python3 -c "import json,sys; d=json.load(sys.stdin); print(len(d['leftovers_dropped']), sum(1 for k in d['leftovers_kept'] if k.split(':')[0] in '$ALIVE $OTHER $OLD'.split()))")" "0 3" "--json: leftovers_dropped and leftovers_kept"

# -- once the owner is gone, its database goes too
kill "$SLEEPER"; wait "$SLEEPER" 2>/dev/null; SLEEPER=
kill "$PSQLBG" 2>/dev/null; wait "$PSQLBG" 2>/dev/null; PSQLBG=
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$BUSY'" >/dev/null
i=0
while [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$BUSY'")" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
out=$(mc migrate check --dir "$G" 2>&1)
like "$out" "dropped leftover scratch database $ALIVE: left by migrate check pid" "a check's database is dropped once its process has exited"
like "$out" "dropped leftover scratch database $BUSY" "and the other one once nobody is connected to it"
is "$(exists "$ALIVE")$(exists "$BUSY")" 00 "both are gone"
out=$(mc doctor 2>&1)
printf '%s\n' "$out" | grep -Eq -- "$ALIVE|$LEAK|$REUSED|$BUSY"; is "$?" 1 "doctor no longer lists the dropped ones"
like "$out" "$OTHER" "but still the other host's"
done_testing
