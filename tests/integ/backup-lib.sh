# backup-lib.sh - shared by t-backup.sh, t-backup-kill.sh and t-tui-backup.sh:
# a configuration with targets on throwaway databases, a migrated and
# seeded source database (through mcpdb itself, so the ledger exists), and
# "what is in schema S" fingerprints for before/after comparisons.
# shellcheck shell=sh
# Source after tests/tap.sh and tests/integ/schemas-lib.sh (which skips
# without a server and cleans up the databases it made).

M=${MCPDB_BIN:?}
BK_CONF=$SL_TMP/config.json
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL REDIS_URL MCPDB_PG_BINDIR
export XDG_CONFIG_HOME="$SL_TMP/xdg"

# bk_conninfo DB: the harness's conninfo for database DB.
bk_conninfo() {
	echo "$MCPDB_TEST_PGURL dbname=$1"
}

# bk_config NAME=DB[:flag]...: write $BK_CONF with one target per argument
# (flag: protected or read_only).
bk_config() {
	{
		echo '{ "targets": {'
		_sep=""
		for _a in "$@"; do
			_n=${_a%%=*}; _rest=${_a#*=}; _db=${_rest%%:*}; _fl=""
			case $_rest in *:*) _fl=${_rest#*:} ;; esac
			printf '%s "%s": { "pg": "%s"' "$_sep" "$_n" "$(bk_conninfo "$_db")"
			[ -n "$_fl" ] && printf ', "%s": true' "$_fl"
			printf ' }\n'
			_sep=","
		done
		echo '} }'
	} >"$BK_CONF"
}

# mc TARGET ARGS...: run mcpdb on a target of $BK_CONF, logs quiet.
mc() {
	_t=$1; shift
	"$M" --config "$BK_CONF" --target "$_t" --log-level error "$@"
}

# mc_exec TARGET ARGS...: like mc, but mcpdb replaces the shell, so that
# "mc_exec ... &" makes $! the pid of mcpdb itself (for signals).
mc_exec() {
	_t=$1; shift
	exec "$M" --config "$BK_CONF" --target "$_t" --log-level error "$@"
}

# bk_source DB TARGET: create DB, apply every migration and the demo seeds with mcpdb.
bk_source() {
	sl_createdb "$1"
	mc "$2" -q migrate up >"$SL_TMP/mig.out" 2>&1 || { diag "$(cat "$SL_TMP/mig.out")"; return 1; }
	mc "$2" -q seed load demo --dir "$SL_SEEDS" >"$SL_TMP/seed.out" 2>&1 ||
		{ diag "$(cat "$SL_TMP/seed.out")"; return 1; }
}

# bk_contents DB SCHEMA: "table rows md5" for every table of SCHEMA, by primary key order.
bk_contents() {
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -A -t -d "$1" <<SQL
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, ''|'' ORDER BY t.id)), ''-'') FROM %s t',
              c.oid::regclass::text, c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = '$2' AND c.relkind = 'r' ORDER BY 1 \\gexec
SQL
}

# bk_catalog DB SCHEMA: the catalog snapshot lines of SCHEMA's objects (grants and default privileges included).
bk_catalog() {
	sl_snapshot "$1" "$SL_TMP/cat.tmp" && grep -E "^[a-z_]+ ($2 |$2\\.)" "$SL_TMP/cat.tmp"
	grep -E "^default_acl [a-z_]+\\.$2\\." "$SL_TMP/cat.tmp"
}

# bk_state DB SCHEMA: catalog and contents together (the "nothing changed" fingerprint).
bk_state() {
	bk_catalog "$1" "$2"
	bk_contents "$1" "$2" 2>&1
}

# bk_leftovers DIR: entries of DIR whose names show an unfinished backup.
bk_leftovers() {
	ls -A "$1" | grep -c '\.tmp-'
}
