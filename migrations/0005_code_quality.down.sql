-- 0005 code_quality, down: drops the schema and its data, then the service roles
-- unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM code_quality_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality REVOKE SELECT ON TABLES FROM code_quality_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality REVOKE USAGE, SELECT ON SEQUENCES FROM code_quality_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality REVOKE SELECT ON SEQUENCES FROM code_quality_ro;
REVOKE ALL ON SCHEMA platform FROM code_quality_rw, code_quality_ro;

DROP TABLE code_quality.refactoring_suggestions;
DROP TABLE code_quality.metrics;
DROP TABLE code_quality.vulnerabilities;
DROP TABLE code_quality.analysis_reports;
DROP TABLE code_quality.projects;
DROP SCHEMA code_quality;

SELECT platform.drop_role_if_unused('code_quality_rw');
SELECT platform.drop_role_if_unused('code_quality_ro');
