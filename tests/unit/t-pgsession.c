/*
 * t-pgsession.c - what EXPLAIN may do with a session's query
 * (pgsession_classify): reads, writes (incl. a data-modifying WITH, SELECT
 * INTO, FOR UPDATE/SHARE, CREATE TABLE AS), statements it cannot plan,
 * $N parameters and a second statement found only outside strings,
 * comments and dollar quotes.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "pgsession.h"
#include "tap.h"

static enum pgsession_kind
kind(const char *sql, bool *params, bool *several)
{
	bool	p, s;
	char	first[32];

	return (pgsession_classify(sql, params ? params : &p, several ? several : &s,
	    first, sizeof(first)));
}

int
main(void)
{
	bool	p, s;
	char	first[8];

	is_int(kind("SELECT 1", NULL, NULL), PGS_READ, "SELECT reads");
	is_int(kind("  (select * from t) ", NULL, NULL), PGS_READ, "(SELECT ...) reads");
	is_int(kind("WITH x AS (SELECT 1) SELECT * FROM x", NULL, NULL), PGS_READ,
	    "a WITH of reads reads");
	is_int(kind("VALUES (1), (2)", NULL, NULL), PGS_READ, "VALUES reads");
	is_int(kind("TABLE t", NULL, NULL), PGS_READ, "TABLE reads");
	is_int(kind("select 'update' , \"delete\" from t -- insert\n", NULL, NULL),
	    PGS_READ, "write words in a string, an identifier, a comment: still a read");
	is_int(kind("SELECT f($$ insert into t values (1) $$)", NULL, NULL), PGS_READ,
	    "and in a dollar-quoted body");
	is_int(kind("UPDATE t SET v = 1", NULL, NULL), PGS_WRITE, "UPDATE writes");
	is_int(kind("insert into t values (1)", NULL, NULL), PGS_WRITE, "INSERT writes");
	is_int(kind("DELETE FROM t", NULL, NULL), PGS_WRITE, "DELETE writes");
	is_int(kind("MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE", NULL, NULL),
	    PGS_WRITE, "MERGE writes");
	is_int(kind("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", NULL, NULL),
	    PGS_WRITE, "a data-modifying WITH writes");
	is_int(kind("SELECT * INTO t2 FROM t", NULL, NULL), PGS_WRITE, "SELECT INTO writes");
	is_int(kind("SELECT * FROM t FOR UPDATE", NULL, NULL), PGS_WRITE,
	    "SELECT FOR UPDATE locks rows");
	is_int(kind("SELECT * FROM t FOR NO KEY UPDATE", NULL, NULL), PGS_WRITE,
	    "FOR NO KEY UPDATE too");
	is_int(kind("SELECT * FROM t FOR SHARE", NULL, NULL), PGS_WRITE, "FOR SHARE too");
	is_int(kind("SELECT * FROM t FOR KEY SHARE", NULL, NULL), PGS_WRITE, "FOR KEY SHARE too");
	is_int(kind("CREATE TABLE t2 AS SELECT 1", NULL, NULL), PGS_WRITE,
	    "CREATE TABLE AS is explainable, as a write");
	is_int(kind("CREATE UNLOGGED TABLE IF NOT EXISTS s.t2 AS SELECT 1", NULL, NULL),
	    PGS_WRITE, "with UNLOGGED, IF NOT EXISTS and a schema");
	is_int(kind("CREATE MATERIALIZED VIEW m AS SELECT 1", NULL, NULL), PGS_WRITE,
	    "CREATE MATERIALIZED VIEW AS too");
	is_int(kind("CREATE TABLE t2 (id int)", NULL, NULL), PGS_NOT_EXPLAINABLE,
	    "CREATE TABLE (columns) is not explainable");
	is_int(kind("CREATE INDEX i ON t (a)", NULL, NULL), PGS_NOT_EXPLAINABLE,
	    "CREATE INDEX is not");
	is_int(kind("VACUUM t", NULL, NULL), PGS_NOT_EXPLAINABLE, "VACUUM is not");
	is_int(kind("EXECUTE q(1)", NULL, NULL), PGS_NOT_EXPLAINABLE,
	    "EXECUTE (another session's prepared statement) is not");
	is_int(kind("COPY t TO STDOUT", NULL, NULL), PGS_NOT_EXPLAINABLE, "COPY is not");
	is_int(kind("-- only a comment\n/* and /* nested */ one */", NULL, NULL), PGS_EMPTY,
	    "only comments: empty");
	is_int(kind("", NULL, NULL), PGS_EMPTY, "empty text: empty");

	kind("SELECT * FROM t WHERE id = $1 AND b = $2", &p, &s);
	ok(p && !s, "$1 outside strings: parameters");
	kind("SELECT '$1', $$ $1 $$, \"$1\" -- $1\n FROM t", &p, NULL);
	ok(!p, "$1 in a string, a dollar quote, an identifier, a comment: none");
	kind("SELECT a$1 FROM t", &p, NULL);
	ok(!p, "a$1 is an identifier");
	kind("SELECT 1; SELECT 2", NULL, &s);
	ok(s, "a second statement is found");
	kind("SELECT 1;  ;\n-- done\n", NULL, &s);
	ok(!s, "a trailing ; and comments are not a second statement");
	kind("SELECT ';' || $x$;$x$", NULL, &s);
	ok(!s, "; inside quotes is not a separator");
	pgsession_classify("update t set a = 1", &p, &s, first, sizeof(first));
	is_str(first, "UPDATE", "the first keyword, upper-cased");
	pgsession_classify("materialized", &p, &s, first, sizeof(first));
	is_str(first, "MATERIA", "cut to the buffer");
	return (done_testing());
}
