-- catalog-snapshot.sql: one sorted line per catalog object of the current
-- database, outside the system schemas, with everything a down migration must
-- restore: schemas, relations (tables, views, indexes, sequences), columns and
-- types, defaults, constraints, indexes, functions, triggers, types, policies,
-- rules, extensions, grants (object and default ACLs), comments. No OIDs, so
-- two snapshots of equal catalogs are byte-identical and `diff` names what
-- differs. Used by tests/integ/t-schemas.sh (the shell version of
-- `mcpdb migrate check`). Run with: psql -X -A -t -q -f catalog-snapshot.sql
WITH ns AS (
	SELECT oid, nspname FROM pg_catalog.pg_namespace
	 WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
	   AND nspname !~ '^pg_(toast_)?temp_'
), rel AS (
	SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relowner, c.relacl, c.reloptions,
	       c.relrowsecurity, c.relforcerowsecurity, c.relreplident, ns.nspname,
	       ns.nspname || '.' || c.relname AS qname
	  FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
), lines AS (
	SELECT 'database'::text AS kind, ''::text AS ident,
	       concat_ws(' | ', 'acl=' || d.datacl::text,
	                 'comment=' || pg_catalog.shobj_description(d.oid, 'pg_database'))::text AS detail
	  FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
	UNION ALL
	SELECT 'schema', n.nspname,
	       concat_ws(' | ', 'owner=' || pg_catalog.pg_get_userbyid(n.nspowner), 'acl=' || n.nspacl::text,
	                 'comment=' || pg_catalog.obj_description(n.oid, 'pg_namespace'))
	  FROM pg_catalog.pg_namespace n JOIN ns ON ns.oid = n.oid
	UNION ALL
	SELECT 'relation', r.qname,
	       concat_ws(' | ', 'kind=' || r.relkind::text, 'persistence=' || r.relpersistence::text,
	                 'owner=' || pg_catalog.pg_get_userbyid(r.relowner), 'acl=' || r.relacl::text,
	                 'options=' || r.reloptions::text, 'rls=' || r.relrowsecurity || '/' || r.relforcerowsecurity,
	                 'replident=' || r.relreplident::text,
	                 'viewdef=' || CASE WHEN r.relkind IN ('v', 'm') THEN pg_catalog.md5(pg_catalog.pg_get_viewdef(r.oid)) END,
	                 'comment=' || pg_catalog.obj_description(r.oid, 'pg_class'))
	  FROM rel r
	UNION ALL
	SELECT 'column', r.qname || '.' || a.attname,
	       concat_ws(' | ', 'num=' || a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod),
	                 CASE WHEN a.attnotnull THEN 'not null' END,
	                 'default=' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
	                 'identity=' || nullif(a.attidentity::text, ''), 'generated=' || nullif(a.attgenerated::text, ''),
	                 'collation=' || CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,
	                 'storage=' || a.attstorage::text, 'statistics=' || nullif(a.attstattarget, -1),
	                 'acl=' || a.attacl::text, 'options=' || (SELECT '{' || string_agg(o, ',') || '}'
	                                 FROM unnest(a.attoptions) o
	                                 -- some PostgreSQL 15 builds (Debian 15.20) stamp
	                                 -- every column with pg_attver=N: not schema
	                                 WHERE o NOT LIKE 'pg\_attver=%'),
	                 'comment=' || pg_catalog.col_description(r.oid, a.attnum))
	  FROM rel r
	  JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	                                AND r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
	  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
	  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	UNION ALL
	SELECT 'index', r.qname,
	       concat_ws(' | ', pg_catalog.pg_get_indexdef(i.indexrelid),
	                 CASE WHEN NOT i.indisvalid THEN 'INVALID' END, CASE WHEN i.indisclustered THEN 'clustered' END)
	  FROM rel r JOIN pg_catalog.pg_index i ON i.indexrelid = r.oid
	UNION ALL
	SELECT 'sequence', r.qname,
	       concat_ws(' | ', s.seqtypid::regtype::text, 'start=' || s.seqstart, 'inc=' || s.seqincrement,
	                 'min=' || s.seqmin, 'max=' || s.seqmax, 'cache=' || s.seqcache, 'cycle=' || s.seqcycle)
	  FROM rel r JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid
	UNION ALL
	SELECT 'constraint', coalesce(r.qname, tn.nspname || '.' || ty.typname) || '.' || co.conname,
	       concat_ws(' | ', 'type=' || co.contype::text, pg_catalog.pg_get_constraintdef(co.oid),
	                 CASE WHEN co.condeferrable THEN 'deferrable' END, CASE WHEN co.condeferred THEN 'deferred' END,
	                 CASE WHEN NOT co.convalidated THEN 'not valid' END,
	                 'comment=' || pg_catalog.obj_description(co.oid, 'pg_constraint'))
	  FROM pg_catalog.pg_constraint co
	  LEFT JOIN rel r ON r.oid = co.conrelid
	  LEFT JOIN pg_catalog.pg_type ty ON ty.oid = co.contypid
	  LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace
	 WHERE co.connamespace IN (SELECT oid FROM ns)
	UNION ALL
	SELECT 'function', ns.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
	       concat_ws(' | ', 'kind=' || p.prokind::text, 'owner=' || pg_catalog.pg_get_userbyid(p.proowner),
	                 'acl=' || p.proacl::text, 'secdef=' || p.prosecdef,
	                 'def=' || CASE WHEN p.prokind <> 'a' THEN pg_catalog.md5(pg_catalog.pg_get_functiondef(p.oid)) END,
	                 'comment=' || pg_catalog.obj_description(p.oid, 'pg_proc'))
	  FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
	UNION ALL
	SELECT 'trigger', r.qname || '.' || tg.tgname,
	       concat_ws(' | ', pg_catalog.pg_get_triggerdef(tg.oid), 'enabled=' || tg.tgenabled::text,
	                 'comment=' || pg_catalog.obj_description(tg.oid, 'pg_trigger'))
	  FROM pg_catalog.pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid
	 WHERE NOT tg.tgisinternal
	UNION ALL
	SELECT 'type', ns.nspname || '.' || ty.typname,
	       concat_ws(' | ', 'type=' || ty.typtype::text, 'owner=' || pg_catalog.pg_get_userbyid(ty.typowner),
	                 'acl=' || ty.typacl::text, 'base=' || nullif(ty.typbasetype, 0)::regtype::text,
	                 'default=' || ty.typdefault, CASE WHEN ty.typnotnull THEN 'not null' END,
	                 'labels=' || (SELECT pg_catalog.string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
	                                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = ty.oid),
	                 'comment=' || pg_catalog.obj_description(ty.oid, 'pg_type'))
	  FROM pg_catalog.pg_type ty JOIN ns ON ns.oid = ty.typnamespace
	 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = ty.oid)
	   AND (ty.typtype IN ('b', 'd', 'e', 'r', 'm')
	    OR (ty.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = ty.typrelid) = 'c'))
	UNION ALL
	SELECT 'policy', r.qname || '.' || po.polname,
	       concat_ws(' | ', 'cmd=' || po.polcmd::text, 'permissive=' || po.polpermissive,
	                 'roles=' || (SELECT pg_catalog.string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x) END, ',' ORDER BY 1)
	                                FROM pg_catalog.unnest(po.polroles) AS x),
	                 'using=' || pg_catalog.pg_get_expr(po.polqual, po.polrelid),
	                 'check=' || pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid))
	  FROM pg_catalog.pg_policy po JOIN rel r ON r.oid = po.polrelid
	UNION ALL
	SELECT 'rule', r.qname || '.' || rw.rulename, pg_catalog.md5(pg_catalog.pg_get_ruledef(rw.oid))
	  FROM pg_catalog.pg_rewrite rw JOIN rel r ON r.oid = rw.ev_class
	 WHERE rw.rulename <> '_RETURN'
	UNION ALL
	SELECT 'statistics', ns.nspname || '.' || st.stxname, pg_catalog.pg_get_statisticsobjdef(st.oid)
	  FROM pg_catalog.pg_statistic_ext st JOIN ns ON ns.oid = st.stxnamespace
	UNION ALL
	SELECT 'extension', e.extname,
	       concat_ws(' | ', 'version=' || e.extversion, 'schema=' || e.extnamespace::regnamespace::text,
	                 'owner=' || pg_catalog.pg_get_userbyid(e.extowner),
	                 'comment=' || pg_catalog.obj_description(e.oid, 'pg_extension'))
	  FROM pg_catalog.pg_extension e
	UNION ALL
	SELECT 'default_acl', pg_catalog.pg_get_userbyid(da.defaclrole) || '.' ||
	       coalesce(da.defaclnamespace::regnamespace::text, '*') || '.' || da.defaclobjtype::text,
	       da.defaclacl::text
	  FROM pg_catalog.pg_default_acl da
	UNION ALL
	SELECT 'event_trigger', et.evtname,
	       concat_ws(' | ', et.evtevent, et.evtfoid::regproc::text, 'enabled=' || et.evtenabled::text)
	  FROM pg_catalog.pg_event_trigger et
)
SELECT kind || ' ' || ident || CASE WHEN detail <> '' THEN ' :: ' || detail ELSE '' END
  FROM lines
 ORDER BY 1;
