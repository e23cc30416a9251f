#!/bin/sh
# t-migrate-lint.sh - `mcpdb migrate lint [FILE...]` (issue 17, item 7) from
# the command line: exit 0 clean, 3 with findings, 2 for an unreadable or
# unsplittable file; one "file:line: rule: what; instead: ..." line per
# finding; --json; the directory form with --dir and .mcpdb-lint; the
# shipped migrations lint clean. Needs no server.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
M=${MCPDB_BIN:?}
W=$(mktemp -d -t mcpdb-miglint.XXXXXX)
trap 'rm -rf "$W"' EXIT
unset MCPDB_CONFIG MCPDB_TARGET DATABASE_URL PGOPTIONS
export XDG_CONFIG_HOME="$W/xdg" HOME="$W"
lint() { "$M" --log-level error migrate lint "$@"; }

cat >"$W/clean.sql" <<'SQL'
-- constant default, concurrent index, NOT VALID constraints
ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;
ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;
SELECT 'CREATE INDEX i ON t (a)';
SQL
cat >"$W/bad.sql" <<'SQL'
SELECT 1;
CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE t ALTER a TYPE int $$;
-- mcpdb:lint-ignore index-not-concurrent t has 12 rows
CREATE INDEX i ON t (a);
CREATE INDEX j ON t (b);
ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();
SQL

out=$(lint "$W/clean.sql" 2>&1); rc=$?
is "$rc" 0 "a clean file: exit 0"
like "$out" "0 findings in 1 file" "summary line"

out=$(lint "$W/bad.sql" 2>&1); rc=$?
is "$rc" 3 "findings: exit 3"
is "$(printf '%s\n' "$out" | grep -c ': index-not-concurrent: \|: volatile-default: ')" 2 "two findings (one ignored, none from the body)"
like "$out" "$W/bad.sql:5: index-not-concurrent: CREATE INDEX on existing table t" "file:line: rule: what"
like "$out" "; instead: CREATE INDEX CONCURRENTLY" "and the safer form"
like "$out" "$W/bad.sql:6: volatile-default: ADD COLUMN u" "second finding with its line"
like "$out" "1 ignored" "the ignored one is counted"

out=$(lint "$W/clean.sql" "$W/bad.sql" 2>/dev/null); rc=$?
is "$rc" 3 "several files: exit 3 when any has a finding"
like "$out" "2 findings in 2 files" "both files counted"

out=$(lint "$W/missing.sql" 2>&1); rc=$?
is "$rc:$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "2:1" "unreadable file: exit 2, one line"
like "$out" "missing.sql: cannot read" "naming the file"
printf "SELECT 'open;\n" >"$W/open.sql"
out=$(lint "$W/open.sql" 2>&1); rc=$?
is "$rc:$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "2:1" "unterminated string: exit 2, one line"
like "$out" "open.sql:1:" "naming file and line"

out=$("$M" --log-level error --json migrate lint "$W/bad.sql" 2>/dev/null); rc=$?
is "$rc" 3 "--json: exit 3"
js=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); f=d["findings"]; print(len(f), f[0]["line"], f[0]["rule"], d["ignored"], d["ok"], sorted(f[0]))' 2>&1)
is "$js" "2 5 index-not-concurrent 1 False ['file', 'instead', 'line', 'rule', 'what']" "--json findings"

mkdir -p "$W/m"
echo "CREATE TABLE x (a int); CREATE INDEX ON x (a);" >"$W/m/0001_x.up.sql"
echo "DROP TABLE x;" >"$W/m/0001_x.down.sql"
out=$(lint --dir "$W/m" 2>&1); rc=$?
is "$rc" 3 "--dir: the plain DROP of the down is found"
like "$out" "0001_x.down.sql:1: drop-if-exists:" "in the down file"
printf 'drop-if-exists our downs are transactional\n' >"$W/m/.mcpdb-lint"
out=$(lint --dir "$W/m" 2>&1); rc=$?
is "$rc" 0 ".mcpdb-lint silences the rule for the directory"
printf 'drop-if-exists\n' >"$W/m/.mcpdb-lint"
out=$(lint --dir "$W/m" 2>&1); rc=$?
is "$rc:$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "2:1" ".mcpdb-lint without a reason: exit 2, one line"

out=$(lint --dir "$MCPDB_SRCDIR/migrations" 2>&1); rc=$?
is "$rc" 0 "the shipped migrations lint clean"
like "$out" "0 findings in 16 files" "all 16 files read"
done_testing
