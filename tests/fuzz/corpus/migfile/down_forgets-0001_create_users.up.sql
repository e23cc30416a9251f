-- 0001: the users table.
CREATE SCHEMA app;
CREATE TABLE app.users (
	id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name  text NOT NULL,
	CONSTRAINT users_name_len CHECK (length(name) < 200)
);
COMMENT ON TABLE app.users IS 'people; with a semicolon';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RETURN NEW;
END;
$$;
