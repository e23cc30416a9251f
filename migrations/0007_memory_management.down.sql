-- 0007 memory_management, down: drops the schema and its data, then the service roles
-- unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM memory_management_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management REVOKE SELECT ON TABLES FROM memory_management_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management REVOKE USAGE, SELECT ON SEQUENCES FROM memory_management_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA memory_management REVOKE SELECT ON SEQUENCES FROM memory_management_ro;
REVOKE ALL ON SCHEMA platform FROM memory_management_rw, memory_management_ro;

DROP TABLE memory_management.memories;
DROP TABLE memory_management.contexts;
DROP FUNCTION memory_management.contexts_prevent_cycle();
DROP SCHEMA memory_management;

SELECT platform.drop_role_if_unused('memory_management_rw');
SELECT platform.drop_role_if_unused('memory_management_ro');
