-- 0001 platform: the schema shared by the seven service schemas.
--
-- It holds what every service schema needs and nothing a service owns:
--   * platform.set_updated_at(), the one trigger function that maintains
--     updated_at on every table, and platform.attach_updated_at() to install it;
--   * the decision whether embeddings use pgvector or the real[] fallback
--     (doc/vectors.md), platform.setup_embedding_column() that applies it to a
--     column, platform.cosine_distance() for the fallback, and the view
--     platform.embedding_columns that tells which mode each column is in;
--   * platform.installed_extensions, the record of extensions that a migration
--     created (and so its down may drop);
--   * platform.ensure_role() / platform.drop_role_if_unused(), the idempotent
--     handling of the cluster-wide service roles.
-- Service roles get USAGE on this schema (granted by each service migration) so
-- they can reach the vector type and cosine_distance(); there are no tables here
-- they can read or write.

CREATE SCHEMA platform;
COMMENT ON SCHEMA platform IS
	'mcpdb shared objects: the updated_at trigger function, vector-mode helpers, role helpers. No service data.';
REVOKE ALL ON SCHEMA platform FROM PUBLIC;

CREATE TABLE platform.installed_extensions (
	extname      name        PRIMARY KEY,
	installed_by text        NOT NULL CHECK (installed_by ~ '^[0-9]{4}_[a-z0-9_]+$'),
	installed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE platform.installed_extensions IS
	'Extensions created by an mcpdb migration (not pre-existing ones): only these may be dropped by that migration''s down.';
COMMENT ON COLUMN platform.installed_extensions.installed_by IS
	'Migration (NNNN_name) that ran CREATE EXTENSION.';

-- pgvector: decide once, here, for the whole platform. The custom setting
-- mcpdb.vector_mode (auto, the default | pgvector | array) lets an operator
-- force a mode, e.g. ALTER DATABASE x SET mcpdb.vector_mode = 'array'.
DO $mcpdb$
DECLARE
	want      text := coalesce(nullif(current_setting('mcpdb.vector_mode', true), ''), 'auto');
	installed text;
	avail     text;
	trusted   boolean;
	super     boolean;
BEGIN
	IF want NOT IN ('auto', 'pgvector', 'array') THEN
		RAISE EXCEPTION 'mcpdb.vector_mode is "%": expected auto, pgvector or array', want
			USING HINT = 'Fix or RESET the setting (ALTER DATABASE ... RESET mcpdb.vector_mode).';
	END IF;
	SELECT extversion INTO installed FROM pg_extension WHERE extname = 'vector';
	SELECT default_version INTO avail FROM pg_available_extensions WHERE name = 'vector';
	IF want = 'array' THEN
		RAISE NOTICE 'mcpdb.vector_mode = array: embeddings use the real[] fallback';
		RETURN;
	END IF;
	IF installed IS NOT NULL THEN
		RAISE NOTICE 'pgvector % is already installed: embeddings use it', installed;
		RETURN;
	END IF;
	IF avail IS NULL THEN
		IF want = 'pgvector' THEN
			RAISE EXCEPTION 'mcpdb.vector_mode = pgvector but the vector extension is not available on this server'
				USING HINT = 'Install pgvector on the server, or set mcpdb.vector_mode to auto or array.';
		END IF;
		RAISE NOTICE 'pgvector is not available: embeddings use the real[] fallback (doc/vectors.md)';
		RETURN;
	END IF;
	SELECT v.trusted INTO trusted FROM pg_available_extension_versions v
	 WHERE v.name = 'vector' AND v.version = avail;
	SELECT r.rolsuper INTO super FROM pg_roles r WHERE r.rolname = current_user;
	IF NOT coalesce(trusted, false) AND NOT coalesce(super, false) THEN
		RAISE EXCEPTION 'pgvector % is available but role "%" may not create it (superuser required)', avail, current_user
			USING HINT = 'Ask a superuser to run CREATE EXTENSION vector; in this database, or set mcpdb.vector_mode = array to use the fallback.';
	END IF;
	CREATE EXTENSION vector WITH SCHEMA platform;
	INSERT INTO platform.installed_extensions (extname, installed_by) VALUES ('vector', '0001_platform');
	RAISE NOTICE 'created extension vector % in schema platform', avail;
END
$mcpdb$;

CREATE FUNCTION platform.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- A no-op UPDATE (same values, e.g. an idempotent seed upsert) keeps the
	-- old timestamp; any real change sets it to the transaction time. The
	-- row comparison needs an equality operator for every column type
	-- (jsonb yes, json/xml/point no); it is several times cheaper than
	-- comparing to_jsonb() images of rows that carry an embedding.
	NEW.updated_at := OLD.updated_at;
	IF NEW IS DISTINCT FROM OLD THEN
		NEW.updated_at := pg_catalog.now();
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION platform.set_updated_at() IS
	'BEFORE UPDATE row trigger: sets updated_at to now() when any other column changed; a no-op update keeps it. Every column type needs an equality operator (use jsonb, not json).';

CREATE FUNCTION platform.attach_updated_at(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
	                WHERE attrelid = tbl AND attname = 'updated_at' AND NOT attisdropped
	                  AND atttypid = 'pg_catalog.timestamptz'::pg_catalog.regtype) THEN
		RAISE EXCEPTION 'table % has no updated_at timestamptz column', tbl;
	END IF;
	EXECUTE pg_catalog.format(
		'CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION platform.set_updated_at()',
		tbl);
END
$$;
COMMENT ON FUNCTION platform.attach_updated_at(regclass) IS
	'Migration helper: installs the set_updated_at trigger on a table that has an updated_at timestamptz column.';
REVOKE ALL ON FUNCTION platform.attach_updated_at(regclass) FROM PUBLIC;

CREATE FUNCTION platform.setup_embedding_column(tbl regclass, col name, dims integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	want    text := coalesce(nullif(current_setting('mcpdb.vector_mode', true), ''), 'auto');
	vschema name;
	vver    integer[];
	idx     text;
	rel     text;
BEGIN
	IF dims < 1 OR dims > 2000 THEN
		RAISE EXCEPTION 'embedding dimension % is outside 1..2000', dims;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
	                WHERE attrelid = tbl AND attname = col AND NOT attisdropped
	                  AND atttypid = 'pg_catalog._float4'::pg_catalog.regtype) THEN
		RAISE EXCEPTION 'column %.% must be declared real[] before setup_embedding_column()', tbl, col;
	END IF;
	SELECT n.nspname, (pg_catalog.regexp_match(e.extversion, '^(\d+)\.(\d+)\.(\d+)'))::integer[]
	  INTO vschema, vver
	  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
	 WHERE e.extname = 'vector';
	SELECT c.relname INTO rel FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	idx := rel || '_' || col || '_ann_idx';
	IF vschema IS NULL OR want = 'array' THEN
		EXECUTE pg_catalog.format(
			'ALTER TABLE %s ADD CONSTRAINT %I CHECK (pg_catalog.array_ndims(%I) = 1 AND pg_catalog.cardinality(%I) = %s'
			' AND pg_catalog.array_position(%I, NULL) IS NULL AND NOT (%I OPERATOR(pg_catalog.&&) ''{NaN,Infinity,-Infinity}''::real[]))',
			tbl, rel || '_' || col || '_dims_check', col, col, dims, col, col);
		EXECUTE pg_catalog.format('COMMENT ON CONSTRAINT %I ON %s IS %L', rel || '_' || col || '_dims_check', tbl,
			pg_catalog.format('real[] fallback for pgvector: exactly %s finite, non-null elements.', dims));
		RETURN 'array';
	END IF;
	EXECUTE pg_catalog.format(
		'ALTER TABLE %s ALTER COLUMN %I TYPE %I.vector(%s) USING pg_catalog.translate(%I::text, ''{}'', ''[]'')::%I.vector(%s)',
		tbl, col, vschema, dims, col, vschema, dims);
	IF vver >= ARRAY[0, 5, 0] THEN
		EXECUTE pg_catalog.format(
			'CREATE INDEX %I ON %s USING hnsw (%I %I.vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
			idx, tbl, col, vschema);
		EXECUTE pg_catalog.format('COMMENT ON INDEX %I.%I IS %L',
			(SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl),
			idx, 'HNSW (cosine): nearest-neighbour search ORDER BY ' || col || ' <=> $1 LIMIT k.');
		RETURN 'pgvector-hnsw';
	END IF;
	EXECUTE pg_catalog.format(
		'CREATE INDEX %I ON %s USING ivfflat (%I %I.vector_cosine_ops) WITH (lists = 100)',
		idx, tbl, col, vschema);
	EXECUTE pg_catalog.format('COMMENT ON INDEX %I.%I IS %L',
		(SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl),
		idx, 'IVFFlat (cosine, lists=100): nearest-neighbour search ORDER BY ' || col || ' <=> $1 LIMIT k. REINDEX after bulk loads.');
	RETURN 'pgvector-ivfflat';
END
$$;
COMMENT ON FUNCTION platform.setup_embedding_column(regclass, name, integer) IS
	'Migration helper: turns a real[] embedding column into vector(dims) with an HNSW (pgvector >= 0.5.0) or IVFFlat index when pgvector is installed, else adds the fallback dimension CHECK. Returns the mode.';
REVOKE ALL ON FUNCTION platform.setup_embedding_column(regclass, name, integer) FROM PUBLIC;

CREATE FUNCTION platform.cosine_distance(a real[], b real[]) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	dot double precision;
	na  double precision;
	nb  double precision;
BEGIN
	IF pg_catalog.cardinality(a) <> pg_catalog.cardinality(b) THEN
		RAISE EXCEPTION 'different vector dimensions % and %', pg_catalog.cardinality(a), pg_catalog.cardinality(b)
			USING ERRCODE = 'data_exception';
	END IF;
	-- One aggregate over both arrays: about twice as fast as a subscript loop.
	SELECT pg_catalog.sum(x::double precision * y), pg_catalog.sum(x::double precision * x),
	       pg_catalog.sum(y::double precision * y)
	  INTO dot, na, nb
	  FROM unnest(a, b) AS t(x, y);  -- multi-argument unnest cannot be schema-qualified
	IF na = 0 OR nb = 0 THEN
		RETURN 'NaN'::double precision;
	END IF;
	RETURN 1 - dot / (pg_catalog.sqrt(na) * pg_catalog.sqrt(nb));
END
$$;
COMMENT ON FUNCTION platform.cosine_distance(real[], real[]) IS
	'Cosine distance for the real[] embedding fallback, same meaning as pgvector''s cosine_distance() / <=> (NaN for a zero vector). Exact scan, no index.';

CREATE VIEW platform.embedding_columns AS
SELECT n.nspname AS table_schema,
       c.relname AS table_name,
       a.attname AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,
       CASE WHEN t.typname = 'vector' THEN 'pgvector' ELSE 'array' END AS mode,
       (SELECT pg_catalog.string_agg(am.amname || ' ' || ic.relname, ', ' ORDER BY ic.relname)
          FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_catalog.pg_am am ON am.oid = ic.relam
         WHERE i.indrelid = c.oid AND a.attnum = ANY (i.indkey)
           AND am.amname IN ('hnsw', 'ivfflat')) AS ann_indexes
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
 WHERE a.attname = 'embedding' AND a.attnum > 0 AND NOT a.attisdropped
   AND n.nspname IN ('inference_enhancement', 'ui_testing', 'analytics', 'code_quality',
                     'documentation', 'memory_management', 'web_access');
COMMENT ON VIEW platform.embedding_columns IS
	'Which vector mode each service embedding column is in (pgvector or the real[] array fallback) and its ANN index: mcpdb doctor reads this.';

CREATE FUNCTION platform.ensure_role(role_name name) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	-- Roles are cluster-wide: another database of this cluster may already
	-- have created it, which is fine.
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
		BEGIN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
		EXCEPTION WHEN unique_violation OR duplicate_object THEN
			-- A migration in another database created it at the same time
			-- (we waited for its commit): same outcome.
			RAISE NOTICE 'role % was created concurrently by another session', role_name;
		END;
	ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name AND rolcanlogin) THEN
		RAISE WARNING 'role % already exists and can log in; service roles are meant to be NOLOGIN groups', role_name
			USING HINT = 'Grant the role to a LOGIN role instead: ALTER ROLE ' || pg_catalog.quote_ident(role_name) || ' NOLOGIN;';
	END IF;
END
$$;
COMMENT ON FUNCTION platform.ensure_role(name) IS
	'Migration helper: creates a NOLOGIN role unless it already exists in the cluster.';
REVOKE ALL ON FUNCTION platform.ensure_role(name) FROM PUBLIC;

CREATE FUNCTION platform.drop_role_if_unused(role_name name) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
		RETURN;
	END IF;
	-- A role with members is what login roles were granted: dropping it would
	-- silently take their access away in every database.
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
	            WHERE r.rolname = role_name) THEN
		RAISE NOTICE 'role % kept: other roles are members of it', role_name;
		RETURN;
	END IF;
	BEGIN
		EXECUTE pg_catalog.format('DROP ROLE %I', role_name);
	EXCEPTION WHEN dependent_objects_still_exist THEN
		RAISE NOTICE 'role % kept: it still has privileges or objects in another database of this cluster', role_name;
	END;
END
$$;
COMMENT ON FUNCTION platform.drop_role_if_unused(name) IS
	'Migration helper for downs: drops a role unless it has members or is still used in another database (then it says so and keeps it).';
REVOKE ALL ON FUNCTION platform.drop_role_if_unused(name) FROM PUBLIC;
