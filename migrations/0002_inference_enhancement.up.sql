-- 0002 inference_enhancement: embeddings, a knowledge graph (entities and
-- typed, weighted relations) and the log of inference requests.
-- Embeddings are 384-dimensional (bge-small / all-MiniLM class models); the
-- column is pgvector's vector(384) or the real[] fallback (doc/vectors.md).

CREATE SCHEMA inference_enhancement;
COMMENT ON SCHEMA inference_enhancement IS
	'Inference enhancement service: embeddings, knowledge graph, inference request log.';
REVOKE ALL ON SCHEMA inference_enhancement FROM PUBLIC;

-- embeddings -----------------------------------------------------------------
CREATE TABLE inference_enhancement.embeddings (
	id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	source_type    text        NOT NULL CHECK (source_type IN ('document', 'memory', 'web_page', 'code', 'query', 'entity', 'other')),
	source_ref     text        NOT NULL CHECK (length(source_ref) BETWEEN 1 AND 2048),
	content        text        NOT NULL,
	content_sha256 text        NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
	model          text        NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
	dimensions     smallint    NOT NULL DEFAULT 384 CHECK (dimensions = 384),
	embedding      real[]      NOT NULL,
	token_count    integer     CHECK (token_count >= 0),
	metadata       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT embeddings_dedup_key UNIQUE (model, source_type, source_ref, content_sha256)
);
COMMENT ON TABLE inference_enhancement.embeddings IS
	'One embedding of one piece of content by one model; the vector search corpus of the platform.';
COMMENT ON COLUMN inference_enhancement.embeddings.source_type IS 'What kind of thing was embedded.';
COMMENT ON COLUMN inference_enhancement.embeddings.source_ref IS
	'Identifier of the source in its own service (document path, memory id, URL...): no cross-schema foreign key, schemas are independent.';
COMMENT ON COLUMN inference_enhancement.embeddings.content_sha256 IS 'SHA-256 (lowercase hex) of content, for de-duplication.';
COMMENT ON COLUMN inference_enhancement.embeddings.model IS 'Embedding model name, e.g. bge-small-en-v1.5.';
COMMENT ON COLUMN inference_enhancement.embeddings.dimensions IS
	'Vector length; fixed at 384 by the column type: a different model size needs a new migration.';
COMMENT ON COLUMN inference_enhancement.embeddings.embedding IS
	'The vector: vector(384) with pgvector, else real[] with exactly 384 elements (see platform.embedding_columns).';
COMMENT ON INDEX inference_enhancement.embeddings_dedup_key IS
	'Upsert/de-duplication: "is this content already embedded by this model?" (model, source_type, source_ref, content_sha256).';

SELECT platform.setup_embedding_column('inference_enhancement.embeddings', 'embedding', 384);

CREATE INDEX embeddings_source_idx ON inference_enhancement.embeddings (source_type, source_ref);
COMMENT ON INDEX inference_enhancement.embeddings_source_idx IS
	'All embeddings of one source object (re-embed or delete when the source changes): WHERE source_type = $1 AND source_ref = $2.';
CREATE INDEX embeddings_metadata_gin ON inference_enhancement.embeddings USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX inference_enhancement.embeddings_metadata_gin IS
	'Filtering search candidates by metadata containment: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('inference_enhancement.embeddings');

-- entities -------------------------------------------------------------------
CREATE TABLE inference_enhancement.entities (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	entity_type  text        NOT NULL CHECK (entity_type IN ('person', 'organization', 'concept', 'technology', 'project', 'document', 'location', 'event')),
	name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
	description  text,
	properties   jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object'),
	confidence   real        NOT NULL DEFAULT 1 CHECK (confidence >= 0 AND confidence <= 1),
	embedding_id uuid        REFERENCES inference_enhancement.embeddings (id) ON DELETE SET NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE inference_enhancement.entities IS 'Knowledge-graph nodes: typed entities with free-form JSONB properties.';
COMMENT ON COLUMN inference_enhancement.entities.properties IS 'Typed attributes of the entity (aliases, urls, versions...).';
COMMENT ON COLUMN inference_enhancement.entities.confidence IS 'Extraction confidence, 0..1.';
COMMENT ON COLUMN inference_enhancement.entities.embedding_id IS
	'Embedding of the entity description; SET NULL when that embedding is deleted (the entity stays, it can be re-embedded).';
CREATE UNIQUE INDEX entities_type_name_key ON inference_enhancement.entities (entity_type, lower(name));
COMMENT ON INDEX inference_enhancement.entities_type_name_key IS
	'Entity resolution during extraction: WHERE entity_type = $1 AND lower(name) = lower($2); one node per type and name.';
CREATE INDEX entities_embedding_id_idx ON inference_enhancement.entities (embedding_id) WHERE embedding_id IS NOT NULL;
COMMENT ON INDEX inference_enhancement.entities_embedding_id_idx IS
	'Foreign key support: SET NULL on embedding delete, and "which entity owns this search hit".';
CREATE INDEX entities_properties_gin ON inference_enhancement.entities USING gin (properties jsonb_path_ops);
COMMENT ON INDEX inference_enhancement.entities_properties_gin IS 'Property lookups: WHERE properties @> $1.';
SELECT platform.attach_updated_at('inference_enhancement.entities');

-- relations ------------------------------------------------------------------
CREATE TABLE inference_enhancement.relations (
	id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	source_entity_id uuid        NOT NULL REFERENCES inference_enhancement.entities (id) ON DELETE CASCADE,
	target_entity_id uuid        NOT NULL REFERENCES inference_enhancement.entities (id) ON DELETE CASCADE,
	relation_type    text        NOT NULL CHECK (relation_type IN ('related_to', 'part_of', 'depends_on', 'uses', 'authored_by', 'mentions', 'derived_from', 'similar_to', 'located_in', 'instance_of')),
	weight           real        NOT NULL DEFAULT 1 CHECK (weight >= 0 AND weight <= 1),
	properties       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object'),
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT relations_no_self_loop CHECK (source_entity_id <> target_entity_id),
	CONSTRAINT relations_edge_key UNIQUE (source_entity_id, relation_type, target_entity_id)
);
COMMENT ON TABLE inference_enhancement.relations IS
	'Knowledge-graph edges: directed, typed, weighted; deleting either entity deletes the edge (CASCADE).';
COMMENT ON COLUMN inference_enhancement.relations.weight IS 'Strength of the relation, 0..1.';
COMMENT ON INDEX inference_enhancement.relations_edge_key IS
	'Outgoing edges of a node, optionally by type: WHERE source_entity_id = $1 [AND relation_type = $2]; one edge per (source, type, target).';
CREATE INDEX relations_target_idx ON inference_enhancement.relations (target_entity_id, relation_type);
COMMENT ON INDEX inference_enhancement.relations_target_idx IS
	'Incoming edges of a node (reverse traversal) and foreign key support: WHERE target_entity_id = $1 [AND relation_type = $2].';
CREATE INDEX relations_properties_gin ON inference_enhancement.relations USING gin (properties jsonb_path_ops);
COMMENT ON INDEX inference_enhancement.relations_properties_gin IS 'Edge property lookups: WHERE properties @> $1.';
SELECT platform.attach_updated_at('inference_enhancement.relations');

-- inference_requests ---------------------------------------------------------
CREATE TABLE inference_enhancement.inference_requests (
	id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	provider          text        NOT NULL CHECK (provider IN ('openai', 'anthropic', 'google', 'mistral', 'local', 'other')),
	model             text        NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
	request_kind      text        NOT NULL CHECK (request_kind IN ('chat', 'completion', 'embedding', 'rerank', 'classification')),
	status            text        NOT NULL CHECK (status IN ('succeeded', 'failed', 'timeout', 'cancelled')),
	prompt_tokens     integer     NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
	completion_tokens integer     NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
	latency_ms        integer     NOT NULL CHECK (latency_ms >= 0),
	cache_hit         boolean     NOT NULL DEFAULT false,
	requested_by      text        NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 200),
	error_message     text,
	metadata          jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT inference_requests_error_check CHECK ((status = 'succeeded') = (error_message IS NULL))
);
COMMENT ON TABLE inference_enhancement.inference_requests IS
	'Append-only log of model calls: tokens, latency, outcome. created_at is the request time.';
COMMENT ON COLUMN inference_enhancement.inference_requests.requested_by IS 'Calling service or agent.';
COMMENT ON COLUMN inference_enhancement.inference_requests.latency_ms IS 'Wall time of the call, milliseconds.';
COMMENT ON COLUMN inference_enhancement.inference_requests.error_message IS 'Set exactly when status is not succeeded.';
CREATE INDEX inference_requests_model_time_idx ON inference_enhancement.inference_requests (model, created_at DESC);
COMMENT ON INDEX inference_enhancement.inference_requests_model_time_idx IS
	'Per-model usage and latency dashboards: WHERE model = $1 AND created_at >= $2 (tokens, p95 latency).';
CREATE INDEX inference_requests_failures_idx ON inference_enhancement.inference_requests (created_at DESC)
	WHERE status <> 'succeeded';
COMMENT ON INDEX inference_enhancement.inference_requests_failures_idx IS
	'Recent failures for alerting: WHERE status <> ''succeeded'' ORDER BY created_at DESC.';
CREATE INDEX inference_requests_metadata_gin ON inference_enhancement.inference_requests USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX inference_enhancement.inference_requests_metadata_gin IS 'Tracing: WHERE metadata @> ''{"trace_id": ...}''.';
SELECT platform.attach_updated_at('inference_enhancement.inference_requests');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('inference_enhancement_rw');
SELECT platform.ensure_role('inference_enhancement_ro');
GRANT USAGE ON SCHEMA inference_enhancement TO inference_enhancement_rw, inference_enhancement_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA inference_enhancement TO inference_enhancement_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA inference_enhancement TO inference_enhancement_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO inference_enhancement_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement GRANT SELECT ON TABLES TO inference_enhancement_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement GRANT USAGE, SELECT ON SEQUENCES TO inference_enhancement_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement GRANT SELECT ON SEQUENCES TO inference_enhancement_ro;
GRANT USAGE ON SCHEMA platform TO inference_enhancement_rw, inference_enhancement_ro;
