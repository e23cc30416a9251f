-- 0004 analytics, down: drops the schema and its data, then the service roles
-- unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM analytics_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE SELECT ON TABLES FROM analytics_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE USAGE, SELECT ON SEQUENCES FROM analytics_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE SELECT ON SEQUENCES FROM analytics_ro;
REVOKE ALL ON SCHEMA platform FROM analytics_rw, analytics_ro;

DROP TABLE analytics.patterns;
DROP TABLE analytics.predictions;
DROP TABLE analytics.analysis_results;
DROP TABLE analytics.visualizations;
DROP TABLE analytics.datasets;
DROP SCHEMA analytics;

SELECT platform.drop_role_if_unused('analytics_rw');
SELECT platform.drop_role_if_unused('analytics_ro');
