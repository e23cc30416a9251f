-- 0002 inference_enhancement, down: drops the schema and its data, then the
-- service roles unless another database of the cluster still uses them.

ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement
	REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM inference_enhancement_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement REVOKE SELECT ON TABLES FROM inference_enhancement_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement REVOKE USAGE, SELECT ON SEQUENCES FROM inference_enhancement_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA inference_enhancement REVOKE SELECT ON SEQUENCES FROM inference_enhancement_ro;
REVOKE ALL ON SCHEMA platform FROM inference_enhancement_rw, inference_enhancement_ro;

DROP TABLE inference_enhancement.inference_requests;
DROP TABLE inference_enhancement.relations;
DROP TABLE inference_enhancement.entities;
DROP TABLE inference_enhancement.embeddings;
DROP SCHEMA inference_enhancement;

SELECT platform.drop_role_if_unused('inference_enhancement_rw');
SELECT platform.drop_role_if_unused('inference_enhancement_ro');
