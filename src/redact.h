/*
 * redact.h - hide secrets in text before it is logged or shown: libpq
 * conninfo "password=..." (quoted or not), URI userinfo "user:pass@"
 * (postgres://, postgresql://, redis://, rediss://), query parameters
 * "password=" / "sslpassword=" in URIs, Redis "AUTH [user] pass" (and
 * HELLO ... AUTH, CONFIG SET requirepass, ACL SETUSER >pass), SQL
 * "PASSWORD '...'" and JSON-ish "password": "...".
 * The secret becomes "***"; everything else is kept so the text stays useful.
 *
 * redact_text works on free text (log lines, console input), where there is
 * no structure to parse. A value known to be a connection setting is shown
 * from its parsed structure instead: redact_pg_conninfo here for PostgreSQL,
 * rdsuri_redact (rdsuri.h) for Redis.
 */
#ifndef MCPDB_REDACT_H
#define MCPDB_REDACT_H

#include <stdbool.h>

/* A redacted copy of s (NULL gives NULL). Idempotent. Caller frees. */
char	*redact_text(const char *s);
/* True if s holds something redact_text would hide ("***" does not count). */
bool	redact_has_secret(const char *s);
/*
 * True if a value stored under this key name is a secret (the name ends in
 * password, passwd, secret, token, apikey or api_key, or is requirepass or
 * masterauth; case-insensitive). The logger masks such field values whole.
 */
bool	redact_key_is_secret(const char *key);
/*
 * A short description of a PostgreSQL connection for screens and errors:
 * "host:port/dbname as user" built from a conninfo or URI, never the password.
 * "[local]" stands for the default Unix socket, "[local:/dir]" for another
 * one; multiple hosts are listed "h1:5432,h2:5433". An unparsable string
 * gives "(unparsable connection string)", NULL gives NULL. Caller frees.
 */
char	*redact_pg_endpoint(const char *conninfo);

/*
 * A PostgreSQL conninfo or URI for display, decided by libpq's own parser
 * (PQconninfoParse), not by the text: the operator's text with secrets
 * masked when libpq reads that as the same settings with password and
 * sslpassword "***", otherwise "keyword=value ..." rebuilt from the parsed
 * options with the secrets as ***. "(unparsable connection string)" when
 * libpq refuses it; NULL gives NULL. Caller frees.
 */
char	*redact_pg_conninfo(const char *conninfo);

#endif
