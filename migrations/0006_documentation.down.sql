-- 0006 documentation, down: drops the schema and its data, then the service roles
-- unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA documentation REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM documentation_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation REVOKE SELECT ON TABLES FROM documentation_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation REVOKE USAGE, SELECT ON SEQUENCES FROM documentation_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA documentation REVOKE SELECT ON SEQUENCES FROM documentation_ro;
REVOKE ALL ON SCHEMA platform FROM documentation_rw, documentation_ro;

DROP TABLE documentation.diagrams;
DROP TABLE documentation.api_specs;
DROP TABLE documentation.generated_content;
DROP TABLE documentation.documents;
DROP TABLE documentation.projects;
DROP SCHEMA documentation;

SELECT platform.drop_role_if_unused('documentation_rw');
SELECT platform.drop_role_if_unused('documentation_ro');
