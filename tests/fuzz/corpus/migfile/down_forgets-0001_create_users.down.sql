DROP FUNCTION app.touch();
DROP TABLE app.users;
DROP SCHEMA app;
