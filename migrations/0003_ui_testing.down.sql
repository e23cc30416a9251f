-- 0003 ui_testing, down: drops the schema and its data, then the service roles
-- unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ui_testing_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing REVOKE SELECT ON TABLES FROM ui_testing_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing REVOKE USAGE, SELECT ON SEQUENCES FROM ui_testing_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing REVOKE SELECT ON SEQUENCES FROM ui_testing_ro;
REVOKE ALL ON SCHEMA platform FROM ui_testing_rw, ui_testing_ro;

DROP TABLE ui_testing.accessibility_reports;
DROP TABLE ui_testing.visual_comparisons;
DROP TABLE ui_testing.screenshots;
DROP TABLE ui_testing.test_runs;
DROP SCHEMA ui_testing;

SELECT platform.drop_role_if_unused('ui_testing_rw');
SELECT platform.drop_role_if_unused('ui_testing_ro');
