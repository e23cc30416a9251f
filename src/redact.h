/*
 * redact.h - hide secrets in text before it is logged or shown: libpq
 * conninfo "password=..." (quoted or not), URI userinfo "user:pass@"
 * (postgres://, postgresql://, redis://, rediss://), query parameters
 * "password=" / "sslpassword=" in URIs, and Redis "AUTH [user] pass".
 * The secret becomes "***"; everything else is kept so the text stays useful.
 */
#ifndef MCPDB_REDACT_H
#define MCPDB_REDACT_H

#include <stdbool.h>

/* A redacted copy of s (NULL gives NULL). Caller frees. */
char	*redact_text(const char *s);
/* True if s contains something redact_text would hide. */
bool	redact_has_secret(const char *s);
/*
 * A short description of a PostgreSQL connection for screens and errors:
 * "host:port/dbname as user" built from a conninfo or URI, never the password.
 * Caller frees.
 */
char	*redact_pg_endpoint(const char *conninfo);

#endif
