#!/bin/sh
# t-backup-kill.sh - a restore killed midway changes nothing. With a
# code_quality of 300,000 extra projects (a dump of tens of MB), `restore
# --clean` over a database holding the demo code_quality is SIGKILLed
# while its COPY runs: the old schema is still there, row for row, object
# for object, and no session of it is left. The same with SIGTERM (mcpdb
# rolls back itself and says so), and a backup stopped by SIGTERM leaves
# no directory behind. Then the big restore runs to the end (timed).
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "$MCPDB_SRCDIR/tests/integ/schemas-lib.sh"
. "$MCPDB_SRCDIR/tests/integ/backup-lib.sh"

SRC=$(sl_dbname bkk_src)
DST=$(sl_dbname bkk_dst)
bk_config src="$SRC" dst="$DST"
B=$SL_TMP/backups
mkdir -p "$B"
NBULK=${MCPDB_TEST_BACKUP_ROWS:-300000}

bk_source "$SRC" src; ok $? "source: migrations and demo seeds"
mc src -q backup code_quality --file "$B/small" >/dev/null; ok $? "backup of the demo code_quality"
sl_val "$SRC" "INSERT INTO code_quality.projects (name, repository_url, metadata)
	SELECT 'bulk/p' || i, 'https://example.com/bulk/p' || i, jsonb_build_object('team', 'bulk', 'n', i)
	  FROM generate_series(1, $NBULK) i" >/dev/null
ok $? "source: $NBULK more projects"
t0=$(date +%s)
mc src -q backup code_quality --file "$B/big" >/dev/null; ok $? "backup of the big code_quality"
diag "big backup: $(du -sh "$B/big" | cut -f1) in $(( $(date +%s) - t0 )) s"

sl_createdb "$DST"
sl_apply "$DST" 0001_platform.up.sql
mc dst -q restore "$B/small" --yes >/dev/null; ok $? "target: the demo code_quality restored"
bk_state "$DST" code_quality >"$SL_TMP/before"

# wait_copy APP: wait (up to 60 s) until a session of APP runs a COPY; 0 when seen.
wait_copy() {
	_i=0
	while [ $_i -lt 1200 ]; do
		[ "$(sl_val "$DST" "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1'
			AND state = 'active' AND query LIKE 'COPY %'")" != 0 ] && return 0
		[ "$1" = mcpdb/backup ] && [ "$(sl_val "$SRC" "SELECT count(*) FROM pg_stat_activity
			WHERE application_name = '$1' AND query LIKE 'COPY %'")" != 0 ] && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}
# gone APP: wait (up to 10 s) until no session of APP is left; 0 when none.
gone() {
	_i=0
	while [ $_i -lt 200 ]; do
		[ "$(sl_val "$DST" "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1'")" = 0 ] && return 0
		_i=$((_i + 1))
		sleep 0.05
	done
	return 1
}

# -- SIGKILL midway
mc_exec dst restore "$B/big" --clean --yes >"$SL_TMP/kill.out" 2>&1 &
pid=$!
wait_copy mcpdb/restore; ok $? "the restore is in its COPY"
kill -KILL $pid
wait $pid; is "$?" 137 "mcpdb was killed (SIGKILL)"
gone mcpdb/restore; ok $? "its session ended with it"
bk_state "$DST" code_quality >"$SL_TMP/after"
diff "$SL_TMP/before" "$SL_TMP/after" >"$SL_TMP/diff"; ok $? "nothing changed: the old schema, row for row and object for object"
[ -s "$SL_TMP/diff" ] && diag "$(head -n 5 "$SL_TMP/diff")"
sleep 0.2
ps -eo args | grep -F "$B/big/dump.pgc" | grep -v grep >/dev/null; is "$?" 1 "its pg_restore is gone too"

# -- SIGTERM midway: mcpdb rolls back itself
mc_exec dst restore "$B/big" --clean --yes >"$SL_TMP/term.out" 2>&1 &
pid=$!
wait_copy mcpdb/restore; ok $? "the second restore is in its COPY"
kill -TERM $pid
wait $pid; is "$?" 143 "SIGTERM: exit 143 (128 + SIGTERM)"
like "$(cat "$SL_TMP/term.out")" "restore interrupted; rolled back, nothing was changed" "it says it rolled back"
bk_state "$DST" code_quality >"$SL_TMP/after"
diff "$SL_TMP/before" "$SL_TMP/after" >/dev/null; ok $? "nothing changed"

# -- SIGTERM of a backup: nothing left
mc_exec src backup code_quality --file "$B/stopped" >"$SL_TMP/bterm.out" 2>&1 &
pid=$!
wait_copy mcpdb/backup; ok $? "the backup's pg_dump is in its COPY"
kill -TERM $pid
wait $pid; is "$?" 143 "SIGTERM: exit 143 (128 + SIGTERM)"
like "$(cat "$SL_TMP/bterm.out")" "backup interrupted; nothing was written" "it says nothing was written"
[ ! -e "$B/stopped" ] && [ "$(bk_leftovers "$B")" = 0 ]; ok $? "no backup directory, no temporary directory"

# -- and to the end
t0=$(date +%s)
out=$(mc dst restore "$B/big" --clean --yes -q 2>&1); is "$?" 0 "the big restore runs to the end"
diag "big restore: $(( $(date +%s) - t0 )) s"
like "$out" "row counts match the manifest" "with the row counts checked"
is "$(sl_val "$DST" "SELECT count(*) FROM code_quality.projects")" \
	"$(sl_val "$SRC" "SELECT count(*) FROM code_quality.projects")" "every project is there"

done_testing
