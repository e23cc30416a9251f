/*
 * catsnap.c - catalog snapshots: one query lists every user-visible object
 * of the database as a sorted (key, description) pair; two snapshots are
 * compared with a merge join.
 */
#include "config.h"

#include "catsnap.h"

#include <stdlib.h>
#include <string.h>

#include "pgq.h"
#include "xmem.h"

/* One object. */
struct catsnap_item {
	char	*key;
	char	*val;
};

struct catsnap {
	struct catsnap_item	*items;
	size_t			 n;
};

/*
 * Every object as (k, v), sorted by k in "C" order. Descriptions never
 * contain OIDs, so two databases built the same way compare equal.
 */
static const char catsnap_sql[] =
	"SELECT k, v FROM (\n"
	"WITH ns AS (\n"
	"    SELECT n.oid, n.nspname FROM pg_namespace n\n"
	"    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')\n"
	"      AND n.nspname !~ '^pg_(toast_)?temp_'\n"
	"      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass\n"
	"          AND d.objid = n.oid AND d.deptype = 'e')\n"
	"), rel AS (\n"
	"    SELECT c.oid, c.relkind, c.relname, n.nspname,\n"
	"        quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname\n"
	"    FROM pg_class c JOIN ns n ON n.oid = c.relnamespace\n"
	"    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass\n"
	"        AND d.objid = c.oid AND d.deptype = 'e')\n"
	")\n"
	"SELECT 'schema ' || quote_ident(n.nspname),\n"
	"    concat_ws(' ', 'owner=' || pg_get_userbyid(s.nspowner), 'acl=' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(coalesce(s.nspacl, acldefault('n', s.nspowner))) x),\n"
	"    'comment=' || quote_literal(obj_description(s.oid, 'pg_namespace')))\n"
	"FROM ns n JOIN pg_namespace s ON s.oid = n.oid\n"
	"UNION ALL\n"
	"SELECT CASE r.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view '\n"
	"    WHEN 'm' THEN 'materialized view ' WHEN 'S' THEN 'sequence ' WHEN 'f' THEN 'foreign table '\n"
	"    ELSE 'type ' END || r.qname,\n"
	"    concat_ws(' ', 'kind=' || c.relkind::text, 'persistence=' || c.relpersistence::text,\n"
	"    'owner=' || pg_get_userbyid(c.relowner), 'acl=' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))) x),\n"
	"    'options=' || c.reloptions::text,\n"
	"    CASE WHEN c.relrowsecurity OR c.relforcerowsecurity THEN\n"
	"        'rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity END,\n"
	"    'partition=' || pg_get_expr(c.relpartbound, c.oid),\n"
	"    'partitioned_by=' || CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,\n"
	"    'inherits=' || (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)\n"
	"        FROM pg_inherits i WHERE i.inhrelid = c.oid),\n"
	"    'sequence=' || (SELECT format('%s,%s,%s,%s,%s,%s,%s', q.seqtypid::regtype, q.seqstart,\n"
	"        q.seqincrement, q.seqmax, q.seqmin, q.seqcache, q.seqcycle)\n"
	"        FROM pg_sequence q WHERE q.seqrelid = c.oid),\n"
	"    'owned_by=' || (SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend d\n"
	"        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid\n"
	"        WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid\n"
	"          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1),\n"
	"    'def=' || CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,\n"
	"    'comment=' || quote_literal(obj_description(c.oid, 'pg_class')))\n"
	"FROM rel r JOIN pg_class c ON c.oid = r.oid\n"
	"WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')\n"
	"UNION ALL\n"
	"SELECT 'column ' || r.qname || '.' || quote_ident(a.attname),\n"
	"    concat_ws(' ', format_type(a.atttypid, a.atttypmod),\n"
	"    CASE WHEN a.attnotnull THEN 'not null' END,\n"
	"    'default=' || pg_get_expr(ad.adbin, ad.adrelid),\n"
	"    'identity=' || nullif(a.attidentity::text, ''), 'generated=' || nullif(a.attgenerated::text, ''),\n"
	"    'collation=' || CASE WHEN a.attcollation <> t.typcollation\n"
	"        THEN (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = a.attcollation) END,\n"
	"    'acl=' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x),\n"
	"    'comment=' || quote_literal(col_description(a.attrelid, a.attnum)))\n"
	"FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid\n"
	"JOIN pg_type t ON t.oid = a.atttypid\n"
	"LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum\n"
	"WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped\n"
	"UNION ALL\n"
	"SELECT 'constraint ' || r.qname || '.' || quote_ident(co.conname),\n"
	"    concat_ws(' ', pg_get_constraintdef(co.oid),\n"
	"    'comment=' || quote_literal(obj_description(co.oid, 'pg_constraint')))\n"
	"FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid\n"
	"UNION ALL\n"
	"SELECT 'constraint on domain ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) || '.'\n"
	"    || quote_ident(co.conname),\n"
	"    pg_get_constraintdef(co.oid)\n"
	"FROM pg_constraint co JOIN pg_type t ON t.oid = co.contypid JOIN ns n ON n.oid = t.typnamespace\n"
	"UNION ALL\n"
	"SELECT 'index ' || quote_ident(r.nspname) || '.' || quote_ident(ic.relname),\n"
	"    concat_ws(' ', pg_get_indexdef(i.indexrelid),\n"
	"    CASE WHEN NOT i.indisvalid THEN 'INVALID' END,\n"
	"    'comment=' || quote_literal(obj_description(i.indexrelid, 'pg_class')))\n"
	"FROM rel r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid\n"
	"UNION ALL\n"
	"SELECT 'trigger ' || r.qname || '.' || quote_ident(tg.tgname),\n"
	"    concat_ws(' ', pg_get_triggerdef(tg.oid), 'enabled=' || tg.tgenabled::text,\n"
	"    'comment=' || quote_literal(obj_description(tg.oid, 'pg_trigger')))\n"
	"FROM rel r JOIN pg_trigger tg ON tg.tgrelid = r.oid\n"
	"WHERE NOT tg.tgisinternal\n"
	"UNION ALL\n"
	"SELECT 'rule ' || r.qname || '.' || quote_ident(ru.rulename), pg_get_ruledef(ru.oid)\n"
	"FROM rel r JOIN pg_rewrite ru ON ru.ev_class = r.oid\n"
	"WHERE ru.rulename <> '_RETURN'\n"
	"UNION ALL\n"
	"SELECT 'policy ' || r.qname || '.' || quote_ident(po.polname),\n"
	"    concat_ws(' ', 'cmd=' || po.polcmd::text, 'permissive=' || po.polpermissive,\n"
	"    'roles=' || (SELECT string_agg(CASE WHEN ro = 0 THEN 'public' ELSE pg_get_userbyid(ro)::text END,\n"
	"        ',' ORDER BY 1) FROM unnest(po.polroles) ro),\n"
	"    'using=' || pg_get_expr(po.polqual, po.polrelid),\n"
	"    'check=' || pg_get_expr(po.polwithcheck, po.polrelid))\n"
	"FROM rel r JOIN pg_policy po ON po.polrelid = r.oid\n"
	"UNION ALL\n"
	"SELECT CASE p.prokind WHEN 'a' THEN 'aggregate ' WHEN 'p' THEN 'procedure ' ELSE 'function ' END\n"
	"    || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('\n"
	"    || pg_get_function_identity_arguments(p.oid) || ')',\n"
	"    concat_ws(' ', 'owner=' || pg_get_userbyid(p.proowner), 'acl=' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) x),\n"
	"    CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid)\n"
	"    ELSE 'returns=' || format_type(p.prorettype, NULL) END,\n"
	"    'comment=' || quote_literal(obj_description(p.oid, 'pg_proc')))\n"
	"FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace\n"
	"WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass\n"
	"    AND d.objid = p.oid AND d.deptype IN ('e', 'i'))\n"
	"UNION ALL\n"
	"SELECT 'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname),\n"
	"    concat_ws(' ', 'kind=' || t.typtype::text, 'owner=' || pg_get_userbyid(t.typowner),\n"
	"    'acl=' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) x),\n"
	"    'labels=' || (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)\n"
	"        FROM pg_enum e WHERE e.enumtypid = t.oid),\n"
	"    'base=' || CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,\n"
	"    CASE WHEN t.typtype = 'd' AND t.typnotnull THEN 'not null' END,\n"
	"    'default=' || t.typdefault,\n"
	"    'subtype=' || (SELECT format_type(rg.rngsubtype, NULL) FROM pg_range rg WHERE rg.rngtypid = t.oid),\n"
	"    'comment=' || quote_literal(obj_description(t.oid, 'pg_type')))\n"
	"FROM pg_type t JOIN ns n ON n.oid = t.typnamespace\n"
	"WHERE t.typtype IN ('b', 'd', 'e', 'r') AND t.typrelid = 0\n"
	"  AND NOT (t.typtype = 'b' AND t.typcategory = 'A' AND t.typelem <> 0)\n"
	"  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass\n"
	"      AND d.objid = t.oid AND d.deptype = 'e')\n"
	"UNION ALL\n"
	"SELECT 'extension ' || quote_ident(x.extname),\n"
	"    concat_ws(' ', 'version=' || x.extversion, 'schema=' || x.extnamespace::regnamespace,\n"
	"    'comment=' || quote_literal(obj_description(x.oid, 'pg_extension')))\n"
	"FROM pg_extension x\n"
	"UNION ALL\n"
	"SELECT 'event trigger ' || quote_ident(e.evtname),\n"
	"    concat_ws(' ', 'on=' || e.evtevent, 'function=' || e.evtfoid::regprocedure,\n"
	"    'enabled=' || e.evtenabled::text, 'tags=' || e.evttags::text)\n"
	"FROM pg_event_trigger e\n"
	"UNION ALL\n"
	"SELECT 'default privileges for ' || pg_get_userbyid(da.defaclrole)\n"
	"    || coalesce(' in schema ' || quote_ident(n.nspname), '') || ' on '\n"
	"    || CASE da.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'\n"
	"        WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas'\n"
	"        ELSE da.defaclobjtype::text END,\n"
	"    (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(da.defaclacl) x)\n"
	"FROM pg_default_acl da LEFT JOIN pg_namespace n ON n.oid = da.defaclnamespace\n"
	") AS snap(k, v)\n"
	"ORDER BY k COLLATE \"C\", v COLLATE \"C\"\n";

struct catsnap *
catsnap_take(PGconn *conn, struct mc_err *err)
{
	struct catsnap	*s;
	PGresult	*res;
	int		 i, n;

	if ((res = pgq_query(conn, catsnap_sql, 0, NULL, err)) == NULL) {
		mc_err_prefix(err, "catalog snapshot: ");
		return (NULL);
	}
	n = PQntuples(res);
	s = xcalloc(1, sizeof(*s));
	s->items = xcalloc((size_t)n + 1, sizeof(*s->items));
	for (i = 0; i < n; i++) {
		s->items[i].key = xstrdup(PQgetvalue(res, i, 0));
		s->items[i].val = xstrdup(PQgetisnull(res, i, 1) ? "" :
		    PQgetvalue(res, i, 1));
	}
	s->n = (size_t)n;
	PQclear(res);
	return (s);
}

void
catsnap_free(struct catsnap *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->items[i].key);
		free(s->items[i].val);
	}
	free(s->items);
	free(s);
}

size_t
catsnap_count(const struct catsnap *s)
{
	return (s->n);
}

size_t
catsnap_diff(const struct catsnap *a, const struct catsnap *b,
    void (*fn)(void *, enum catsnap_change, const char *, const char *,
    const char *), void *arg)
{
	size_t	i = 0, j = 0, n = 0;
	int	c;

	while (i < a->n || j < b->n) {
		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = strcmp(a->items[i].key, b->items[j].key);
		if (c < 0) {
			fn(arg, CATSNAP_REMOVED, a->items[i].key, a->items[i].val, NULL);
			i++;
			n++;
		} else if (c > 0) {
			fn(arg, CATSNAP_ADDED, b->items[j].key, NULL, b->items[j].val);
			j++;
			n++;
		} else {
			if (strcmp(a->items[i].val, b->items[j].val) != 0) {
				fn(arg, CATSNAP_CHANGED, a->items[i].key, a->items[i].val,
				    b->items[j].val);
				n++;
			}
			i++;
			j++;
		}
	}
	return (n);
}
