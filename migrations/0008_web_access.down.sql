-- 0008 web_access, down: drops the schema and its data, then the service roles
-- unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA web_access REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM web_access_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access REVOKE SELECT ON TABLES FROM web_access_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access REVOKE USAGE, SELECT ON SEQUENCES FROM web_access_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access REVOKE SELECT ON SEQUENCES FROM web_access_ro;
REVOKE ALL ON SCHEMA platform FROM web_access_rw, web_access_ro;

DROP TABLE web_access.page_screenshots;
DROP TABLE web_access.api_usage;
DROP TABLE web_access.search_history;
DROP TABLE web_access.http_cache;
DROP SCHEMA web_access;

SELECT platform.drop_role_if_unused('web_access_rw');
SELECT platform.drop_role_if_unused('web_access_ro');
