-- 0006 documentation: documentation projects, versioned documents, generated
-- content, API specifications (OpenAPI / GraphQL / AsyncAPI as JSONB) and
-- diagrams.

CREATE SCHEMA documentation;
COMMENT ON SCHEMA documentation IS
	'Documentation service: projects, documents, generated content, API specs, diagrams.';
REVOKE ALL ON SCHEMA documentation FROM PUBLIC;

-- projects -------------------------------------------------------------------
CREATE TABLE documentation.projects (
	id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	slug            text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
	name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	description     text,
	repository_url  text        CHECK (repository_url ~ '^(https://|ssh://|git@)'),
	default_version text        NOT NULL DEFAULT 'latest' CHECK (length(default_version) BETWEEN 1 AND 64),
	metadata        jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE documentation.projects IS
	'A documentation site/project; deleting it deletes its documents, generated content, API specs and diagrams.';
COMMENT ON COLUMN documentation.projects.slug IS 'URL-safe identifier used in paths (lowercase, digits, dashes), unique.';
COMMENT ON COLUMN documentation.projects.default_version IS 'Version shown when none is requested.';
COMMENT ON INDEX documentation.projects_slug_key IS 'Routing, project lookup by slug: WHERE slug = $1.';
CREATE INDEX projects_metadata_gin ON documentation.projects USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX documentation.projects_metadata_gin IS 'Projects by owner team or tag: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('documentation.projects');

-- documents ------------------------------------------------------------------
CREATE TABLE documentation.documents (
	id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id     uuid        NOT NULL REFERENCES documentation.projects (id) ON DELETE CASCADE,
	path           text        NOT NULL CHECK (path ~ '^[^/]' AND path !~ '(^|/)\.\.(/|$)' AND length(path) <= 1024),
	version        text        NOT NULL CHECK (length(version) BETWEEN 1 AND 64),
	title          text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	format         text        NOT NULL CHECK (format IN ('markdown', 'asciidoc', 'rst', 'html', 'plaintext')),
	language       text        NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
	content        text        NOT NULL,
	content_sha256 text        NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
	word_count     integer     NOT NULL DEFAULT 0 CHECK (word_count >= 0),
	status         text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'review', 'published', 'archived')),
	published_at   timestamptz,
	metadata       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT documents_path_version_key UNIQUE (project_id, path, version),
	CONSTRAINT documents_published_check CHECK (status <> 'published' OR published_at IS NOT NULL)
);
COMMENT ON TABLE documentation.documents IS 'One version of one document of a project; path + version identify it.';
COMMENT ON COLUMN documentation.documents.path IS 'Path inside the project, relative, no ".." segments (e.g. guides/install.md).';
COMMENT ON COLUMN documentation.documents.version IS 'Documentation version the document belongs to (v1, v2.3, latest...).';
COMMENT ON COLUMN documentation.documents.format IS 'Markup of content.';
COMMENT ON COLUMN documentation.documents.content_sha256 IS 'SHA-256 (hex) of content: change detection and re-embedding triggers.';
COMMENT ON COLUMN documentation.documents.published_at IS 'Set when first published; required while status is published.';
COMMENT ON INDEX documentation.documents_path_version_key IS
	'Page rendering and foreign key support: WHERE project_id = $1 AND path = $2 AND version = $3; one row per path and version.';
CREATE INDEX documents_version_status_idx ON documentation.documents (project_id, version, status);
COMMENT ON INDEX documentation.documents_version_status_idx IS
	'Navigation tree of a version: WHERE project_id = $1 AND version = $2 AND status = ''published''.';
CREATE INDEX documents_fts_idx ON documentation.documents
	USING gin (to_tsvector('english'::regconfig, title || ' ' || content));
COMMENT ON INDEX documentation.documents_fts_idx IS
	'Full-text search: WHERE to_tsvector(''english'', title || '' '' || content) @@ websearch_to_tsquery(''english'', $1).';
CREATE INDEX documents_metadata_gin ON documentation.documents USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX documentation.documents_metadata_gin IS 'Documents by front-matter attributes: WHERE metadata @> ''{"tags": ["api"]}''.';
SELECT platform.attach_updated_at('documentation.documents');

-- generated_content ----------------------------------------------------------
CREATE TABLE documentation.generated_content (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id   uuid        NOT NULL REFERENCES documentation.projects (id) ON DELETE CASCADE,
	document_id  uuid        REFERENCES documentation.documents (id) ON DELETE SET NULL,
	content_type text        NOT NULL CHECK (content_type IN ('summary', 'tutorial', 'changelog', 'api_reference', 'faq', 'release_notes', 'docstring')),
	model        text        NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
	prompt       text        NOT NULL,
	content      text        NOT NULL,
	tokens_used  integer     NOT NULL DEFAULT 0 CHECK (tokens_used >= 0),
	status       text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected', 'published')),
	reviewed_by  text,
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT generated_content_review_check CHECK (status = 'draft' OR reviewed_by IS NOT NULL)
);
COMMENT ON TABLE documentation.generated_content IS
	'Text produced by a model for a project (summaries, changelogs...); kept when its source document is deleted (SET NULL).';
COMMENT ON COLUMN documentation.generated_content.document_id IS 'Document it was generated from or for, if any.';
COMMENT ON COLUMN documentation.generated_content.prompt IS 'Prompt sent to the model (for reproducibility and review).';
COMMENT ON COLUMN documentation.generated_content.status IS 'draft until a reviewer (reviewed_by) approves, rejects or publishes it.';
CREATE INDEX generated_content_project_type_idx ON documentation.generated_content (project_id, content_type, created_at DESC);
COMMENT ON INDEX documentation.generated_content_project_type_idx IS
	'Latest generated content of a kind and foreign key support: WHERE project_id = $1 AND content_type = $2 ORDER BY created_at DESC.';
CREATE INDEX generated_content_document_idx ON documentation.generated_content (document_id) WHERE document_id IS NOT NULL;
COMMENT ON INDEX documentation.generated_content_document_idx IS
	'Generated content of a document and foreign key support (SET NULL): WHERE document_id = $1.';
CREATE INDEX generated_content_review_idx ON documentation.generated_content (created_at) WHERE status = 'draft';
COMMENT ON INDEX documentation.generated_content_review_idx IS 'Review queue: WHERE status = ''draft'' ORDER BY created_at.';
CREATE INDEX generated_content_metadata_gin ON documentation.generated_content USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX documentation.generated_content_metadata_gin IS 'Generated content by generation attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('documentation.generated_content');

-- api_specs ------------------------------------------------------------------
CREATE TABLE documentation.api_specs (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id   uuid        NOT NULL REFERENCES documentation.projects (id) ON DELETE CASCADE,
	name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	spec_format  text        NOT NULL CHECK (spec_format IN ('openapi', 'graphql', 'asyncapi')),
	spec_version text        NOT NULL CHECK (spec_version ~ '^[0-9]+(\.[0-9]+){0,2}$|^[A-Za-z0-9._-]{1,32}$'),
	api_version  text        NOT NULL CHECK (length(api_version) BETWEEN 1 AND 64),
	spec         jsonb       NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
	spec_sha256  text        NOT NULL CHECK (spec_sha256 ~ '^[0-9a-f]{64}$'),
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT api_specs_version_key UNIQUE (project_id, name, api_version),
	CONSTRAINT api_specs_shape_check CHECK (
		(spec_format <> 'openapi' OR spec ? 'openapi') AND
		(spec_format <> 'asyncapi' OR spec ? 'asyncapi') AND
		(spec_format <> 'graphql' OR spec ? '__schema'))
);
COMMENT ON TABLE documentation.api_specs IS
	'An API description: OpenAPI or AsyncAPI document, or a GraphQL introspection result ({"__schema": ...}), as JSONB.';
COMMENT ON COLUMN documentation.api_specs.spec_version IS 'Version of the spec format (e.g. OpenAPI 3.1.0).';
COMMENT ON COLUMN documentation.api_specs.api_version IS 'Version of the described API (info.version).';
COMMENT ON COLUMN documentation.api_specs.spec IS 'The specification document itself; its top-level key must match spec_format.';
COMMENT ON COLUMN documentation.api_specs.spec_sha256 IS 'SHA-256 (hex) of the canonical spec text: change detection between uploads.';
COMMENT ON INDEX documentation.api_specs_version_key IS
	'Spec of an API version and foreign key support: WHERE project_id = $1 AND name = $2 [AND api_version = $3]; one row per version.';
CREATE INDEX api_specs_spec_gin ON documentation.api_specs USING gin (spec jsonb_path_ops);
COMMENT ON INDEX documentation.api_specs_spec_gin IS
	'Which specs expose a path or type: WHERE spec @> ''{"paths": {"/v1/users": {}}}''.';
CREATE INDEX api_specs_metadata_gin ON documentation.api_specs USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX documentation.api_specs_metadata_gin IS 'Specs by publishing attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('documentation.api_specs');

-- diagrams -------------------------------------------------------------------
CREATE TABLE documentation.diagrams (
	id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id           uuid        NOT NULL REFERENCES documentation.projects (id) ON DELETE CASCADE,
	document_id          uuid        REFERENCES documentation.documents (id) ON DELETE SET NULL,
	title                text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	diagram_type         text        NOT NULL CHECK (diagram_type IN ('flowchart', 'sequence', 'class', 'er', 'architecture', 'state', 'gantt')),
	notation             text        NOT NULL CHECK (notation IN ('mermaid', 'plantuml', 'graphviz', 'd2')),
	source               text        NOT NULL,
	rendered_storage_key text        CHECK (length(rendered_storage_key) BETWEEN 1 AND 1024),
	rendered_sha256      text        CHECK (rendered_sha256 ~ '^[0-9a-f]{64}$'),
	metadata             jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at           timestamptz NOT NULL DEFAULT now(),
	updated_at           timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT diagrams_rendered_check CHECK ((rendered_storage_key IS NULL) = (rendered_sha256 IS NULL))
);
COMMENT ON TABLE documentation.diagrams IS
	'A diagram as source text (Mermaid, PlantUML...), optionally rendered to object storage; survives its document (SET NULL).';
COMMENT ON COLUMN documentation.diagrams.source IS 'Diagram source in notation.';
COMMENT ON COLUMN documentation.diagrams.rendered_storage_key IS 'Object storage key of the rendered image (with rendered_sha256), NULL until rendered.';
CREATE INDEX diagrams_project_idx ON documentation.diagrams (project_id, diagram_type);
COMMENT ON INDEX documentation.diagrams_project_idx IS
	'Diagram gallery of a project and foreign key support: WHERE project_id = $1 [AND diagram_type = $2].';
CREATE INDEX diagrams_document_idx ON documentation.diagrams (document_id) WHERE document_id IS NOT NULL;
COMMENT ON INDEX documentation.diagrams_document_idx IS 'Diagrams embedded in a document and foreign key support (SET NULL): WHERE document_id = $1.';
CREATE INDEX diagrams_unrendered_idx ON documentation.diagrams (created_at) WHERE rendered_storage_key IS NULL;
COMMENT ON INDEX documentation.diagrams_unrendered_idx IS 'Render worker queue: WHERE rendered_storage_key IS NULL ORDER BY created_at.';
CREATE INDEX diagrams_metadata_gin ON documentation.diagrams USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX documentation.diagrams_metadata_gin IS 'Diagrams by tag: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('documentation.diagrams');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('documentation_rw');
SELECT platform.ensure_role('documentation_ro');
GRANT USAGE ON SCHEMA documentation TO documentation_rw, documentation_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA documentation TO documentation_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA documentation TO documentation_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO documentation_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation GRANT SELECT ON TABLES TO documentation_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation GRANT USAGE, SELECT ON SEQUENCES TO documentation_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation GRANT SELECT ON SEQUENCES TO documentation_ro;
GRANT USAGE ON SCHEMA platform TO documentation_rw, documentation_ro;
