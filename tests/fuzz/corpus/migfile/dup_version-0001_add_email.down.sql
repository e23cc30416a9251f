REVOKE SELECT ON app.users FROM PUBLIC;
DROP TRIGGER users_touch ON app.users;
DROP INDEX app.users_email;
ALTER TABLE app.users DROP COLUMN email;
