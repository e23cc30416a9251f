CREATE TABLE app.audit (id int, at timestamptz DEFAULT now());
CREATE INDEX audit_at ON app.audit (at);
CREATE FUNCTION app.audit_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM app.audit';
