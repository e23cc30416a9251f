-- 0001 platform, down: removes the shared schema. Every service migration's
-- down has run before this one, so nothing outside platform depends on it any
-- more; plain DROPs (no CASCADE) make a forgotten dependent fail loudly here
-- instead of being dropped silently.

DROP FUNCTION platform.drop_role_if_unused(name);
DROP FUNCTION platform.ensure_role(name);
DROP VIEW platform.embedding_columns;
DROP FUNCTION platform.cosine_distance(real[], real[]);
DROP FUNCTION platform.setup_embedding_column(regclass, name, integer);
DROP FUNCTION platform.attach_updated_at(regclass);
DROP FUNCTION platform.set_updated_at();

-- Only an extension this migration created goes; a pgvector that was there
-- before (in any schema) stays.
DO $mcpdb$
BEGIN
	IF EXISTS (SELECT 1 FROM platform.installed_extensions WHERE extname = 'vector') THEN
		DROP EXTENSION vector;
	END IF;
END
$mcpdb$;

DROP TABLE platform.installed_extensions;
DROP SCHEMA platform;
