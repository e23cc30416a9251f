#!/bin/sh
# t-roles.sh - least privilege, proven by logging in: a LOGIN member of
# code_quality_rw reads and writes its own schema (the shared updated_at
# trigger included) and gets "permission denied" on every other service
# schema and on platform's tables; a member of analytics_ro only reads its
# own schema; a login with no membership (PUBLIC) gets nothing; and a table
# the owner creates later is readable/writable through default privileges.
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
. "$MCPDB_SRCDIR/tests/integ/schemas-lib.sh"

SERVICES="inference_enhancement ui_testing analytics code_quality documentation memory_management web_access"
# one table per schema to probe
probe() {
	case $1 in
	inference_enhancement) echo inference_enhancement.entities ;;
	ui_testing) echo ui_testing.test_runs ;;
	analytics) echo analytics.datasets ;;
	code_quality) echo code_quality.projects ;;
	documentation) echo documentation.projects ;;
	memory_management) echo memory_management.contexts ;;
	web_access) echo web_access.search_history ;;
	esac
}
DB=$(sl_dbname roles)
sl_createdb "$DB"
sl_up_all "$DB"; ok $? "all migrations apply"
sl_seed_load "$DB" demo; ok $? "demo seeds load"

PW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
CQ=mcpdb_t_cq_rw_$$
AN=mcpdb_t_an_ro_$$
NB=mcpdb_t_nobody_$$
SL_ROLES="$CQ $AN $NB"
sl_psql "$DB" <<SQL >/dev/null
CREATE ROLE $CQ LOGIN PASSWORD '$PW' IN ROLE code_quality_rw;
CREATE ROLE $AN LOGIN PASSWORD '$PW' IN ROLE analytics_ro;
CREATE ROLE $NB LOGIN PASSWORD '$PW';
SQL
ok $? "login roles created as members of code_quality_rw, analytics_ro, and of nothing"

# as USER DB SQL: run SQL logged in as USER; prints output and errors.
as() {
	PGPASSWORD=$PW "$PSQL" -X -q -v ON_ERROR_STOP=1 -A -t -U "$1" -d "$DB" -c "$2" 2>&1
}

is "$(as "$CQ" "SELECT current_user, session_user")" "$CQ|$CQ" "logged in as the code_quality_rw member"

# -- code_quality_rw: read and write its own schema
is "$(as "$CQ" "SELECT count(*) FROM code_quality.projects")" 4 "rw reads its schema"
out=$(as "$CQ" "INSERT INTO code_quality.projects (name, repository_url) VALUES ('acme/t-roles', 'https://git.acme.example/t.git') RETURNING name")
is "$out" "acme/t-roles" "rw inserts into its schema"
out=$(as "$CQ" "UPDATE code_quality.projects SET is_active = false WHERE name = 'acme/t-roles' RETURNING updated_at > created_at")
is "$out" "t" "rw updates, and the shared set_updated_at trigger runs for it"
out=$(as "$CQ" "INSERT INTO code_quality.analysis_reports (project_id, commit_sha, branch, tool)
	SELECT id, repeat('c', 40), 'main', 'semgrep' FROM code_quality.projects WHERE name = 'acme/t-roles' RETURNING status")
is "$out" "running" "rw inserts a child row (foreign key checked as rw)"
is "$(as "$CQ" "DELETE FROM code_quality.projects WHERE name = 'acme/t-roles'")" "" "rw deletes (ON DELETE CASCADE through its own tables)"
like "$(as "$CQ" "TRUNCATE code_quality.metrics")" "permission denied" "rw may not TRUNCATE"
like "$(as "$CQ" "CREATE TABLE code_quality.mine (id int)")" "permission denied for schema code_quality" "rw may not create objects"
is "$(as "$CQ" "SELECT platform.cosine_distance('{1,0}'::real[], '{0,1}'::real[])")" "1" "rw can use the shared platform functions"
like "$(as "$CQ" "SELECT * FROM platform.installed_extensions")" "permission denied for table installed_extensions" \
	"rw cannot read platform's tables"
like "$(as "$CQ" "SELECT platform.ensure_role('x')")" "permission denied for function ensure_role" \
	"rw cannot run the migration helpers"
for s in $SERVICES; do
	[ "$s" = code_quality ] && continue
	like "$(as "$CQ" "SELECT count(*) FROM $(probe "$s")")" "permission denied for schema $s" "rw: $s is closed"
done

# -- analytics_ro: read only, own schema only
is "$(as "$AN" "SELECT count(*) FROM analytics.datasets")" 6 "ro reads its schema"
like "$(as "$AN" "INSERT INTO analytics.patterns (dataset_id, pattern_type, description, strength)
	SELECT id, 'trend', 'x', 0.5 FROM analytics.datasets LIMIT 1")" "permission denied for table patterns" "ro cannot insert"
like "$(as "$AN" "UPDATE analytics.datasets SET status = 'archived'")" "permission denied for table datasets" "ro cannot update"
like "$(as "$AN" "DELETE FROM analytics.predictions")" "permission denied for table predictions" "ro cannot delete"
for s in $SERVICES; do
	[ "$s" = analytics ] && continue
	like "$(as "$AN" "SELECT count(*) FROM $(probe "$s")")" "permission denied for schema $s" "ro: $s is closed"
done

# -- PUBLIC: a login in no role gets nothing
for s in $SERVICES; do
	like "$(as "$NB" "SELECT count(*) FROM $(probe "$s")")" "permission denied for schema $s" "PUBLIC: $s is closed"
done
like "$(as "$NB" "SELECT platform.cosine_distance('{1}'::real[], '{1}'::real[])")" "permission denied for schema platform" \
	"PUBLIC cannot even reach platform"

# -- default privileges: a table the migration owner adds later is covered
sl_psql "$DB" -c "CREATE TABLE analytics.later (id int PRIMARY KEY, note text);
	INSERT INTO analytics.later VALUES (1, 'added by a later migration');
	CREATE TABLE code_quality.later (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text);" >/dev/null
ok $? "owner creates tables later in analytics and code_quality"
is "$(as "$AN" "SELECT note FROM analytics.later")" "added by a later migration" "ro reads a table created later (default privileges)"
like "$(as "$AN" "INSERT INTO analytics.later VALUES (2, 'x')")" "permission denied" "ro still cannot write it"
is "$(as "$CQ" "INSERT INTO code_quality.later (note) VALUES ('x') RETURNING id")" "1" \
	"rw writes a table created later, identity sequence included (default privileges)"
like "$(as "$CQ" "SELECT * FROM analytics.later")" "permission denied for schema analytics" "still nothing outside its schema"

done_testing
