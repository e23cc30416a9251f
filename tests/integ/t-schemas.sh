#!/bin/sh
# t-schemas.sh - the migrations in migrations/ against a real server, with
# psql only (a shell version of `mcpdb migrate check`): every up applies in
# order on a fresh database; the conventions hold (comments, keys, triggers,
# indexed foreign keys, GIN on metadata, no PUBLIC access); the demo seed set
# loads and satisfies every constraint; then, newest first, each down brings
# the catalog back to exactly the snapshot taken before its up, the up
# re-applies to exactly the same catalog, and all downs leave the database
# identical to a fresh one. Service roles survive a down while another
# database of the cluster still uses them. Runs in the default vector mode
# of the server (no pgvector on Debian 12: the real[] fallback).
# Runs on a private server: the last down must really drop the roles, which
# the shared harness server keeps for every test (tests/harness/with-servers.sh).
. "${MCPDB_SRCDIR:?}/tests/tap.sh"
SL_PRIVATE_SERVER=1
. "$MCPDB_SRCDIR/tests/integ/schemas-lib.sh"

SERVICES="inference_enhancement ui_testing analytics code_quality documentation memory_management web_access"
SVC_LIST="'inference_enhancement','ui_testing','analytics','code_quality','documentation','memory_management','web_access'"
DB=$(sl_dbname schemas)
DB2=$(sl_dbname schemas2)
sl_createdb "$DB"
S=$SL_TMP/snap

# -- every up, in order, each snapshot kept for the down checks
sl_snapshot "$DB" "$S.0"
i=0
for f in $(sl_migrations up); do
	i=$((i + 1))
	sl_apply "$DB" "$f"; ok $? "up $f applies in one transaction"
	sl_snapshot "$DB" "$S.$i"
	base=${f%.up.sql}
	[ -f "$SL_MIG/$base.down.sql" ]; ok $? "$base has a down file"
done
N=$i
is "$N" 8 "eight migrations: platform and the seven service schemas"

# -- conventions, checked in the catalog (each query lists offenders)
q() { sl_val "$DB" "$1" 2>&1; }
is "$(q "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ($SVC_LIST, 'platform')")" \
	"analytics,code_quality,documentation,inference_enhancement,memory_management,platform,ui_testing,web_access" \
	"all eight schemas exist"
is "$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND c.relkind = 'r'")" 29 "29 service tables"
is "$(q "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST, 'platform') AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL")" \
	"" "every table and view has a COMMENT"
is "$(q "SELECT string_agg(i.indexrelid::regclass::text, ' ') FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND NOT i.indisprimary AND obj_description(i.indexrelid, 'pg_class') IS NULL")" \
	"" "every index except primary keys has a COMMENT naming its query"
is "$(q "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND c.relkind = 'r'
	  AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')")" \
	"" "every service table has a primary key"
is "$(q "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND c.relkind = 'r' AND (
	  (SELECT count(*) FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	    WHERE a.attrelid = c.oid AND a.attname IN ('created_at', 'updated_at') AND a.attnotnull
	      AND a.atttypid = 'timestamptz'::regtype AND pg_get_expr(d.adbin, d.adrelid) = 'now()') <> 2
	  OR NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
	      AND t.tgfoid = 'platform.set_updated_at()'::regprocedure AND t.tgtype & 2 = 2 AND t.tgtype & 16 = 16))")" \
	"" "every service table has created_at/updated_at DEFAULT now() and the shared BEFORE UPDATE trigger"
is "$(q "SELECT string_agg(co.conname, ' ') FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
	WHERE co.contype = 'f' AND n.nspname IN ($SVC_LIST)
	  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = co.conrelid AND i.indkey[0] = co.conkey[1])")" \
	"" "every foreign key's first column leads an index (ON DELETE and joins stay cheap)"
is "$(q "SELECT string_agg(co.conname, ' ') FROM pg_constraint co
	WHERE co.contype = 'f' AND co.connamespace <> (SELECT relnamespace FROM pg_class WHERE oid = co.confrelid)")" \
	"" "no foreign key crosses schemas (each schema restores alone)"
is "$(q "SELECT string_agg(co.conname || '=' || co.confdeltype::text, ' ') FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
	WHERE co.contype = 'f' AND n.nspname IN ($SVC_LIST) AND co.confdeltype NOT IN ('c', 'n', 'r')")" \
	"" "every foreign key has a deliberate ON DELETE (CASCADE, SET NULL or RESTRICT), none left at NO ACTION"
is "$(q "SELECT string_agg(a.attrelid::regclass::text || '.' || a.attname, ' ') FROM pg_attribute a
	JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r' JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND a.attname IN ('metadata', 'properties') AND a.atttypid = 'jsonb'::regtype
	  AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
	      WHERE i.indrelid = a.attrelid AND am.amname = 'gin' AND a.attnum = ANY (i.indkey))")" \
	"" "every jsonb metadata/properties column has a GIN index"
is "$(q "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND c.relkind = 'r' AND NOT EXISTS (SELECT 1 FROM pg_attribute a
	  WHERE a.attrelid = c.oid AND a.attname IN ('metadata', 'properties') AND a.atttypid = 'jsonb'::regtype AND a.attnotnull)")" \
	"" "every service table has a NOT NULL jsonb metadata (or, for graph nodes and edges, properties) column"
is "$(q "SELECT string_agg(nspname, ' ') FROM pg_namespace n WHERE nspname IN ($SVC_LIST, 'platform')
	AND EXISTS (SELECT 1 FROM aclexplode(n.nspacl) x WHERE x.grantee = 0)")" "" "PUBLIC has no privilege on any mcpdb schema"
is "$(q "SELECT string_agg(c.oid::regclass::text, ' ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND c.relkind = 'r' AND NOT (
	  has_table_privilege(n.nspname || '_rw', c.oid, 'SELECT, INSERT, UPDATE, DELETE')
	  AND has_table_privilege(n.nspname || '_ro', c.oid, 'SELECT')
	  AND NOT has_table_privilege(n.nspname || '_ro', c.oid, 'INSERT')
	  AND NOT has_table_privilege(n.nspname || '_rw', c.oid, 'TRUNCATE'))")" \
	"" "every table: _rw may read and write, _ro only read, neither may TRUNCATE"
# The vector mode follows the server: pgvector when it can be installed
# (the harness connects as a superuser), else the real[] fallback.
if [ "$(q "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")" = 1 ]; then VMODE=pgvector; else VMODE=array; fi
diag "vector mode of this server: $VMODE"
is "$(q "SELECT string_agg(mode || ':' || table_schema || '.' || table_name, ' ' ORDER BY table_schema) FROM platform.embedding_columns")" \
	"$VMODE:inference_enhancement.embeddings $VMODE:memory_management.memories" \
	"platform.embedding_columns reports $VMODE mode for both embedding columns"
if [ $VMODE = pgvector ]; then
	is "$(q "SELECT count(*) FROM platform.embedding_columns WHERE ann_indexes ~ '^(hnsw|ivfflat) '")" 2 "both columns have an ANN index"
	VOP="OPERATOR($(q "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'vector'").<=>)"
else
	is "$(q "SELECT count(*) FROM pg_constraint WHERE conname IN ('embeddings_embedding_dims_check', 'memories_embedding_dims_check')")" 2 \
		"both columns have the dimension CHECK"
fi

# -- the demo seed set loads, in foreign-key order, and satisfies every constraint
sl_seed_load "$DB" demo; ok $? "demo seed set loads in one transaction"
sl_seed_expected demo | sort >"$SL_TMP/seed-want"
sort "$SL_TMP/seed-counts" >"$SL_TMP/seed-got"
diff "$SL_TMP/seed-want" "$SL_TMP/seed-got" >"$SL_TMP/seed-diff"; ok $? "every seed file loaded all its rows"
[ -s "$SL_TMP/seed-diff" ] && diag "$(cat "$SL_TMP/seed-diff")"
is "$(wc -l <"$SL_TMP/seed-got" | tr -d ' ')" "$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ($SVC_LIST) AND c.relkind = 'r'")" "the demo set has a file for every service table"
is "$(head -n 1 "$SL_TMP/seed-plan" | cut -d'|' -f1)" "analytics.datasets" "foreign-key order puts parents first"
pos() { grep -n "^$1|" "$SL_TMP/seed-plan" | cut -d: -f1; }
[ "$(pos code_quality.projects)" -lt "$(pos code_quality.analysis_reports)" ] &&
	[ "$(pos code_quality.analysis_reports)" -lt "$(pos code_quality.vulnerabilities)" ]
ok $? "projects before analysis_reports before vulnerabilities"

# -- behaviour of the shared pieces on seeded data
out=$(sl_val "$DB" "BEGIN;
	UPDATE code_quality.projects SET default_branch = default_branch WHERE name = 'acme/mcpdb';
	SELECT updated_at = '2024-12-30T09:00:00Z' FROM code_quality.projects WHERE name = 'acme/mcpdb';
	UPDATE code_quality.projects SET is_active = false WHERE name = 'acme/mcpdb';
	SELECT updated_at = now() FROM code_quality.projects WHERE name = 'acme/mcpdb';
	ROLLBACK;" 2>&1)
is "$(echo $out)" "t t" "set_updated_at: a no-op UPDATE keeps updated_at, a real change sets it to now()"
out=$("$PSQL" -X -q -A -t -d "$DB" 2>&1 <<SQL
BEGIN;
DO \$\$
DECLARE
	t regclass;
	col text;
	bad text := '';
	n bigint;
BEGIN
	FOR t, col IN SELECT c.oid, a.attname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
	                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname IN ('metadata', 'properties')
	               WHERE s.nspname IN ($SVC_LIST) AND c.relkind = 'r' ORDER BY 1 LOOP
		EXECUTE format('UPDATE %s SET id = id', t);
		EXECUTE format('SELECT count(*) FROM %s WHERE updated_at = now()', t) INTO n;
		IF n > 0 THEN bad := bad || ' no-op-bumped:' || t; END IF;
		EXECUTE format('UPDATE %s SET %I = %I || ''{"touched": 1}''', t, col, col);
		EXECUTE format('SELECT count(*) FROM %s WHERE updated_at <> now()', t) INTO n;
		IF n > 0 THEN bad := bad || ' change-not-bumped:' || t; END IF;
	END LOOP;
	IF bad <> '' THEN
		RAISE EXCEPTION 'offenders:%', bad;
	END IF;
END
\$\$;
ROLLBACK;
SQL
)
is "$out" "" "on every seeded table a no-op UPDATE keeps updated_at and a real change sets it to now()"
out=$(sl_val "$DB" "UPDATE memory_management.contexts SET parent_id = (SELECT id FROM memory_management.contexts WHERE name = 'seed-loader')
	WHERE name = 'acme'" 2>&1)
like "$out" "cannot move under" "a context cannot become a descendant of itself"
v383=$(awk 'BEGIN { for (i = 1; i < 383; i++) printf "0.1,"; printf "0.1" }')
if [ $VMODE = pgvector ]; then v383="[$v383]" want="expected 384 dimensions"; else v383="{$v383}" want="memories_embedding_dims_check"; fi
out=$(sl_val "$DB" "INSERT INTO memory_management.memories (context_id, kind, content, content_sha256, embedding, embedding_model)
	SELECT id, 'fact', 'x', repeat('a', 64), '$v383', 'm' FROM memory_management.contexts LIMIT 1" 2>&1)
like "$out" "$want" "a 383-dimensional embedding is refused ($VMODE mode)"
out=$(sl_val "$DB" "INSERT INTO code_quality.vulnerabilities (report_id, project_id, rule_id, title, severity, file_path, fingerprint)
	SELECT r.id, p.id, 'x', 'x', 'high', 'a.c', repeat('b', 64) FROM code_quality.analysis_reports r, code_quality.projects p
	WHERE p.id <> r.project_id LIMIT 1" 2>&1)
like "$out" "vulnerabilities_report_fkey" "a finding cannot point at a report of another project"
out=$(sl_val "$DB" "UPDATE code_quality.vulnerabilities SET severity = 'urgent' WHERE ctid = (SELECT min(ctid) FROM code_quality.vulnerabilities)" 2>&1)
like "$out" "vulnerabilities_severity_check" "severity outside low..critical is refused"
out=$(sl_val "$DB" "SELECT string_agg(e.metadata->>'topic', ',') FROM (
	SELECT m.metadata FROM inference_enhancement.embeddings m,
	  (SELECT embedding FROM inference_enhancement.embeddings WHERE content = 'how do I refund a partial order') q
	 ORDER BY $(if [ $VMODE = pgvector ]; then echo "m.embedding $VOP q.embedding"; else echo "platform.cosine_distance(m.embedding, q.embedding)"; fi)
	 LIMIT 3) e" 2>&1)
is "$out" "payments,payments,payments" "cosine distance ranks same-topic seed embeddings nearest ($VMODE mode)"
out=$(sl_val "$DB" "DELETE FROM ui_testing.screenshots WHERE id IN (SELECT baseline_screenshot_id FROM ui_testing.visual_comparisons)" 2>&1)
like "$out" "visual_comparisons_baseline_screenshot_id_fkey" "a baseline still compared against cannot be deleted (RESTRICT)"
out=$(sl_val "$DB" "BEGIN; DELETE FROM code_quality.projects WHERE name = 'acme/checkout-service';
	SELECT count(*) FROM code_quality.vulnerabilities v JOIN code_quality.analysis_reports r ON r.id = v.report_id
	WHERE r.project_id NOT IN (SELECT id FROM code_quality.projects); ROLLBACK;" 2>&1)
is "$out" "0" "deleting a project cascades to its reports and findings"

# -- a second database of the same cluster uses the same (cluster-wide) roles
sl_createdb "$DB2"
# (first, the operator override of the vector mode, and nothing half-applied on refusal)
out=$(PGOPTIONS="-c mcpdb.vector_mode=sometimes" sl_psql "$DB2" -1 -f "$SL_MIG/0001_platform.up.sql" 2>&1)
like "$out" 'mcpdb.vector_mode is "sometimes": expected auto, pgvector or array' "an invalid mcpdb.vector_mode is refused by name"
if [ $VMODE = array ]; then
	out=$(PGOPTIONS="-c mcpdb.vector_mode=pgvector" sl_psql "$DB2" -1 -f "$SL_MIG/0001_platform.up.sql" 2>&1)
	like "$out" "mcpdb.vector_mode = pgvector but the vector extension is not available" "forcing pgvector where it is missing fails"
else
	skip "pgvector is available here"
fi
is "$(sl_val "$DB2" "SELECT count(*) FROM pg_namespace WHERE nspname = 'platform'")" 0 "a refused 0001 leaves nothing behind"
sl_up_all "$DB2"; ok $? "all ups apply in a second database (roles already exist)"

# -- newest first: down restores the previous snapshot, up re-creates the same catalog
i=$N
for f in $(sl_migrations down); do
	prev=$((i - 1))
	up=${f%.down.sql}.up.sql
	sl_apply "$DB" "$f"; ok $? "down $f applies"
	sl_snapshot "$DB" "$S.after"
	diff "$S.$prev" "$S.after" >"$S.diff"; ok $? "down $f leaves exactly the catalog from before its up"
	[ -s "$S.diff" ] && diag "$(head -n 20 "$S.diff")"
	sl_apply "$DB" "$up" && sl_snapshot "$DB" "$S.again" && diff "$S.$i" "$S.again" >"$S.diff"
	ok $? "$up re-applied after its down gives the identical catalog"
	[ -s "$S.diff" ] && diag "$(head -n 20 "$S.diff")"
	sl_apply "$DB" "$f"; ok $? "down $f applies again"
	i=$prev
done
sl_snapshot "$DB" "$S.end"
diff "$S.0" "$S.end" >"$S.diff"; ok $? "all downs leave the database identical to a fresh one"
[ -s "$S.diff" ] && diag "$(head -n 20 "$S.diff")"
kept=0
for s in $SERVICES; do
	[ "$(sl_val "$DB" "SELECT count(*) FROM pg_roles WHERE rolname IN ('${s}_rw', '${s}_ro')")" = 2 ] || kept=1
done
is "$kept" 0 "service roles are kept while the second database still uses them"
like "$(cat "$SL_TMP/apply.log")" "still has privileges or objects in another database" "the down says why it kept a role"

# -- the second database: downs, then no mcpdb role is left used by nothing
for f in $(sl_migrations down); do sl_apply "$DB2" "$f" || break; done
ok $? "all downs apply in the second database"
left=$(sl_val "$DB2" "SELECT string_agg(rolname, ' ') FROM pg_roles
	WHERE rolname ~ '^($(echo "$SERVICES" | tr ' ' '|'))_r[ow]$'")
is "$left" "" "the last down in the cluster drops the roles nothing else uses"

done_testing
