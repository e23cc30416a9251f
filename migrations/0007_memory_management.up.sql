-- 0007 memory_management: a hierarchy of contexts (parent links) and the
-- memories stored in them, with importance, access counts, expiry and
-- 384-dimensional embeddings (pgvector or the real[] fallback, doc/vectors.md).
--
-- The hierarchy is an adjacency list (parent_id) rather than contrib's ltree:
-- subtree queries are a recursive CTE over the parent index, moving a subtree
-- is a one-row update, nothing outside the schema (an extension) is needed to
-- restore a dump of it, and the generated models stay plain uuid/text.

CREATE SCHEMA memory_management;
COMMENT ON SCHEMA memory_management IS
	'Memory management service: a hierarchy of contexts and the memories stored in them.';
REVOKE ALL ON SCHEMA memory_management FROM PUBLIC;

-- contexts -------------------------------------------------------------------
CREATE TABLE memory_management.contexts (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	parent_id    uuid        REFERENCES memory_management.contexts (id) ON DELETE CASCADE,
	name         text        NOT NULL CHECK (name !~ '/' AND length(name) BETWEEN 1 AND 200),
	context_type text        NOT NULL CHECK (context_type IN ('global', 'organization', 'user', 'agent', 'project', 'session', 'conversation', 'task')),
	owner_ref    text        CHECK (length(owner_ref) BETWEEN 1 AND 200),
	description  text,
	is_archived  boolean     NOT NULL DEFAULT false,
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT contexts_not_own_parent CHECK (parent_id <> id),
	CONSTRAINT contexts_parent_name_key UNIQUE NULLS NOT DISTINCT (parent_id, name)
);
COMMENT ON TABLE memory_management.contexts IS
	'A node of the context tree (global > organization > user/agent > project > session...). Deleting a context deletes its whole subtree and their memories (CASCADE). Subtree: WITH RECURSIVE over parent_id.';
COMMENT ON COLUMN memory_management.contexts.parent_id IS 'Parent context, NULL for a root; cycles are refused by a trigger.';
COMMENT ON COLUMN memory_management.contexts.name IS 'Name, unique among siblings (and among roots); no "/" so that paths can be shown as a/b/c.';
COMMENT ON COLUMN memory_management.contexts.owner_ref IS 'External owner (user id, agent id) in the calling service.';
COMMENT ON INDEX memory_management.contexts_parent_name_key IS
	'Children of a context (tree walks, WITH RECURSIVE), path resolution a/b/c, and foreign key support: WHERE parent_id = $1 [AND name = $2].';
CREATE INDEX contexts_owner_idx ON memory_management.contexts (owner_ref, context_type) WHERE NOT is_archived;
COMMENT ON INDEX memory_management.contexts_owner_idx IS
	'Active contexts of an owner: WHERE owner_ref = $1 [AND context_type = $2] AND NOT is_archived.';
CREATE INDEX contexts_metadata_gin ON memory_management.contexts USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX memory_management.contexts_metadata_gin IS 'Contexts by attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('memory_management.contexts');

CREATE FUNCTION memory_management.contexts_prevent_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.parent_id IS NOT NULL AND EXISTS (
		WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT c.id, c.parent_id, 1 FROM memory_management.contexts c WHERE c.id = NEW.parent_id
			UNION ALL
			SELECT c.id, c.parent_id, up.depth + 1
			  FROM memory_management.contexts c JOIN up ON c.id = up.parent_id
			 WHERE up.depth < 1000
		)
		SELECT 1 FROM up WHERE up.id = NEW.id) THEN
		RAISE EXCEPTION 'context % cannot move under % : that context is inside its own subtree', NEW.id, NEW.parent_id
			USING ERRCODE = 'check_violation', HINT = 'Move the descendant elsewhere first.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION memory_management.contexts_prevent_cycle() IS
	'BEFORE UPDATE OF parent_id trigger: refuses to make a context a descendant of itself.';
CREATE TRIGGER contexts_prevent_cycle BEFORE UPDATE OF parent_id ON memory_management.contexts
	FOR EACH ROW EXECUTE FUNCTION memory_management.contexts_prevent_cycle();

-- memories -------------------------------------------------------------------
CREATE TABLE memory_management.memories (
	id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	context_id       uuid        NOT NULL REFERENCES memory_management.contexts (id) ON DELETE CASCADE,
	kind             text        NOT NULL CHECK (kind IN ('fact', 'preference', 'episode', 'instruction', 'summary', 'observation')),
	content          text        NOT NULL CHECK (length(content) BETWEEN 1 AND 100000),
	content_sha256   text        NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
	importance       real        NOT NULL DEFAULT 0.5 CHECK (importance >= 0 AND importance <= 1),
	access_count     integer     NOT NULL DEFAULT 0 CHECK (access_count >= 0),
	last_accessed_at timestamptz,
	expires_at       timestamptz,
	source           text        NOT NULL DEFAULT 'agent' CHECK (source IN ('user', 'agent', 'system', 'import', 'summarizer')),
	embedding        real[],
	embedding_model  text        CHECK (length(embedding_model) BETWEEN 1 AND 200),
	metadata         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT memories_context_content_key UNIQUE (context_id, content_sha256),
	CONSTRAINT memories_expiry_check CHECK (expires_at > created_at),
	CONSTRAINT memories_embedding_pair_check CHECK ((embedding IS NULL) = (embedding_model IS NULL)),
	CONSTRAINT memories_access_check CHECK (access_count = 0 OR last_accessed_at IS NOT NULL)
);
COMMENT ON TABLE memory_management.memories IS
	'A memory item in a context: content, importance, usage and expiry; optionally embedded for semantic recall.';
COMMENT ON COLUMN memory_management.memories.importance IS 'Importance 0..1 used in recall ranking and eviction.';
COMMENT ON COLUMN memory_management.memories.access_count IS 'Times recalled; with last_accessed_at it drives decay.';
COMMENT ON COLUMN memory_management.memories.expires_at IS 'After this time the memory is purged; NULL = keep.';
COMMENT ON COLUMN memory_management.memories.embedding IS
	'vector(384) with pgvector, else real[] of exactly 384 elements; NULL until embedded (see platform.embedding_columns).';
COMMENT ON COLUMN memory_management.memories.embedding_model IS 'Model that produced embedding; set exactly when embedding is.';
COMMENT ON INDEX memory_management.memories_context_content_key IS
	'De-duplication on write and foreign key support: WHERE context_id = $1 AND content_sha256 = $2.';

SELECT platform.setup_embedding_column('memory_management.memories', 'embedding', 384);

CREATE INDEX memories_recall_idx ON memory_management.memories (context_id, importance DESC, last_accessed_at DESC);
COMMENT ON INDEX memory_management.memories_recall_idx IS
	'Recall without embeddings, most important first: WHERE context_id = ANY($1) ORDER BY importance DESC, last_accessed_at DESC LIMIT k.';
CREATE INDEX memories_expiry_idx ON memory_management.memories (expires_at) WHERE expires_at IS NOT NULL;
COMMENT ON INDEX memory_management.memories_expiry_idx IS 'Expiry sweeper: DELETE ... WHERE expires_at < now().';
CREATE INDEX memories_unembedded_idx ON memory_management.memories (created_at) WHERE embedding IS NULL;
COMMENT ON INDEX memory_management.memories_unembedded_idx IS 'Embedding worker queue: WHERE embedding IS NULL ORDER BY created_at.';
CREATE INDEX memories_metadata_gin ON memory_management.memories USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX memory_management.memories_metadata_gin IS 'Memories by tags or origin: WHERE metadata @> ''{"tags": ["billing"]}''.';
SELECT platform.attach_updated_at('memory_management.memories');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('memory_management_rw');
SELECT platform.ensure_role('memory_management_ro');
GRANT USAGE ON SCHEMA memory_management TO memory_management_rw, memory_management_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA memory_management TO memory_management_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA memory_management TO memory_management_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO memory_management_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management GRANT SELECT ON TABLES TO memory_management_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management GRANT USAGE, SELECT ON SEQUENCES TO memory_management_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management GRANT SELECT ON SEQUENCES TO memory_management_ro;
GRANT USAGE ON SCHEMA platform TO memory_management_rw, memory_management_ro;
