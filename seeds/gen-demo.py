#!/usr/bin/env python3
"""gen-demo.py - regenerate seeds/demo/ (the demo seed set) deterministically.

Development tool, not installed: the generated files are committed. Run it
from anywhere: python3 seeds/gen-demo.py [OUTDIR]  (default: seeds/demo next
to this script). Same output on every run (fixed random seed, uuid5 ids).

The story: Acme runs four code projects (checkout-service, web-storefront,
inventory-api, mcpdb), documents them, tests their UI, analyses their
metrics, keeps agent memories about them and calls web/LLM APIs. Ids are
uuid5 values derived from readable keys so that files reference each other
consistently. Every NDJSON file has the same keys on every line (a missing
key would mean NULL for every loader, never the column default).
Embeddings have 384 dimensions (the dimension fixed by the migrations) and
are unit vectors around a few topic centroids, so nearest-neighbour queries
return sensible neighbours.
"""
import csv
import datetime as dt
import hashlib
import json
import math
import os
import random
import sys
import uuid

DIM = 384
NS = uuid.UUID("6f1c3d2a-5b7e-4c1f-9a8e-2d4b6c8e0f13")
rng = random.Random(20250106)
BASE = dt.datetime(2025, 1, 6, 9, 0, 0, tzinfo=dt.timezone.utc)


def uid(*parts):
    return str(uuid.uuid5(NS, ":".join(str(p) for p in parts)))


def sha(s):
    if isinstance(s, str):
        s = s.encode()
    return hashlib.sha256(s).hexdigest()


def ts(days=0.0, hours=0.0, minutes=0.0):
    t = BASE + dt.timedelta(days=days, hours=hours, minutes=minutes)
    return t.isoformat().replace("+00:00", "Z")


def commit(*parts):
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


TOPICS = ["payments", "frontend", "inventory", "database", "security", "docs", "testing", "search"]
CENTROIDS = {}
for t in TOPICS:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    n = math.sqrt(sum(x * x for x in v))
    CENTROIDS[t] = [x / n for x in v]


def embed(topic, noise=0.35):
    c = CENTROIDS[topic]
    v = [x + rng.gauss(0, noise / math.sqrt(DIM)) for x in c]
    n = math.sqrt(sum(x * x for x in v))
    return [round(x / n, 4) for x in v]


files = {}  # name -> list of row dicts (ndjson) ; csv handled separately


def add(table, row):
    files.setdefault(table, []).append(row)


# --------------------------------------------------------------- code_quality
PROJECTS = [
    ("acme/checkout-service", "go", "payments", "payments"),
    ("acme/web-storefront", "typescript", "frontend", "web"),
    ("acme/inventory-api", "python", "inventory", "supply"),
    ("acme/mcpdb", "c", "database", "platform"),
]
for i, (name, lang, topic, team) in enumerate(PROJECTS):
    add("code_quality.projects", {
        "id": uid("cq.project", name), "name": name,
        "repository_url": "https://git.acme.example/" + name + ".git",
        "default_branch": "main", "primary_language": lang, "is_active": True,
        "metadata": {"team": team, "tags": [topic], "criticality": "tier1" if i < 2 else "tier2"},
        "created_at": ts(-120 + i), "updated_at": ts(-10 + i),
    })

TOOLS = {"go": ["gosec", "semgrep"], "typescript": ["eslint", "semgrep"], "python": ["bandit", "pylint"],
         "c": ["clang-tidy", "cppcheck"]}
VULN_TEMPLATES = [
    ("CVE-2024-45337", "CWE-287", "go.crypto.ssh.auth-bypass", "Misuse of ServerConfig.PublicKeyCallback", "critical"),
    ("CVE-2023-45288", "CWE-400", "go.net.http2.continuation-flood", "HTTP/2 CONTINUATION flood", "high"),
    (None, "CWE-89", "sql-injection.string-concat", "SQL built by string concatenation", "high"),
    (None, "CWE-79", "xss.dangerously-set-inner-html", "Unescaped HTML rendered from user input", "medium"),
    ("CVE-2024-21538", "CWE-1333", "js.cross-spawn.redos", "Regular expression denial of service in cross-spawn", "high"),
    (None, "CWE-798", "hardcoded-credential", "Hard-coded API token", "critical"),
    (None, "CWE-327", "weak-hash.md5", "MD5 used for integrity check", "medium"),
    (None, "CWE-20", "input-validation.missing-length", "Request field length not validated", "low"),
    (None, "CWE-120", "c.strcpy.unbounded", "strcpy into fixed-size buffer", "high"),
    (None, "CWE-476", "c.null-deref.after-alloc", "Result of allocation used without NULL check", "medium"),
    ("CVE-2024-6345", "CWE-94", "py.setuptools.package-index-rce", "setuptools package_index remote code execution", "high"),
    (None, "CWE-502", "py.pickle.untrusted", "pickle.loads on data from the network", "critical"),
    (None, "CWE-532", "log.secret-in-log", "Secret value written to application log", "low"),
]
FILES = {"go": ["internal/pay/charge.go", "internal/api/server.go", "cmd/checkout/main.go", "internal/db/orders.go"],
         "typescript": ["src/pages/Cart.tsx", "src/components/ProductCard.tsx", "src/api/client.ts", "package-lock.json"],
         "python": ["inventory/api/views.py", "inventory/models.py", "inventory/sync/worker.py", "requirements.txt"],
         "c": ["src/seed.c", "src/migrate.c", "src/conn.c", "src/tui/ui.c"]}
vuln_n = 0
for pi, (name, lang, topic, team) in enumerate(PROJECTS):
    pid = uid("cq.project", name)
    for ci in range(3):
        sha1 = commit(name, ci)
        for tool in TOOLS[lang]:
            rid = uid("cq.report", name, ci, tool)
            started = ts(-30 + ci * 10 + pi, hours=tool == TOOLS[lang][1])
            status = "completed" if not (ci == 2 and tool == TOOLS[lang][1] and pi == 3) else "failed"
            score = round(62 + 8 * ci + rng.random() * 10, 2)
            findings = []
            if status == "completed":
                for k in range(rng.randint(1, 3) if ci < 2 else rng.randint(0, 2)):
                    cands = [v for v in VULN_TEMPLATES if (lang in ("go",) and v[2].startswith("go")) or
                             (lang == "typescript" and (v[2].startswith("js") or v[2].startswith("xss"))) or
                             (lang == "python" and v[2].startswith("py")) or
                             (lang == "c" and v[2].startswith("c.")) or
                             not v[2].split(".")[0] in ("go", "js", "xss", "py", "c")]
                    findings.append(rng.choice(cands))
            sev = {s: 0 for s in ("critical", "high", "medium", "low")}
            for f in findings:
                sev[f[4]] += 1
            add("code_quality.analysis_reports", {
                "id": rid, "project_id": pid, "commit_sha": sha1, "branch": "main", "tool": tool,
                "tool_version": {"gosec": "2.21.4", "semgrep": "1.97.0", "eslint": "9.16.0", "bandit": "1.8.0",
                                 "pylint": "3.3.2", "clang-tidy": "16.0.6", "cppcheck": "2.13.0"}[tool],
                "status": status,
                "summary": {"by_severity": sev, "files_scanned": 120 + 40 * pi + ci * 3} if status == "completed" else {},
                "quality_score": score if status == "completed" else None,
                "issues_count": len(findings),
                "started_at": started,
                "finished_at": ts(-30 + ci * 10 + pi, hours=(tool == TOOLS[lang][1]), minutes=4 + pi),
                "metadata": {"pipeline_id": 4100 + pi * 10 + ci, "trigger": "push"} if status == "completed"
                else {"pipeline_id": 4100 + pi * 10 + ci, "trigger": "push", "error": "analyzer crashed: out of memory"},
                "created_at": started, "updated_at": started,
            })
            seen = set()
            for f in findings:
                path = rng.choice(FILES[lang])
                line = rng.randint(12, 480)
                fp = sha(":".join([name, f[2], path]))
                if fp in seen:
                    continue
                seen.add(fp)
                vuln_n += 1
                fixed = ci == 0 and vuln_n % 3 == 0
                status_v = "fixed" if fixed else rng.choice(["open", "open", "triaged", "false_positive"] if ci else ["open", "ignored"])
                add("code_quality.vulnerabilities", {
                    "id": uid("cq.vuln", rid, fp), "report_id": rid, "project_id": pid,
                    "cve_id": f[0], "cwe_id": f[1], "rule_id": f[2], "title": f[3],
                    "description": f[3] + " in " + path + ". See the rule documentation for the fix pattern.",
                    "severity": f[4], "file_path": path, "line": line, "end_line": line + rng.randint(0, 6),
                    "status": status_v, "fingerprint": fp,
                    "fixed_at": ts(-30 + ci * 10 + pi + 3) if status_v == "fixed" else None,
                    "metadata": {"tool": tool, "confidence": rng.choice(["HIGH", "MEDIUM"])},
                    "created_at": started, "updated_at": started,
                })
        for m, unit, lo, hi in (("coverage", "percent", 55, 92), ("complexity", "score", 8, 25),
                                ("duplication", "percent", 1, 9), ("lines_of_code", "lines", 8000, 60000),
                                ("lint_warnings", "count", 0, 140)):
            val = lo + (hi - lo) * (0.3 + 0.2 * ci + 0.2 * rng.random())
            add("code_quality.metrics", {
                "id": uid("cq.metric", name, ci, m), "project_id": pid,
                "report_id": uid("cq.report", name, ci, TOOLS[lang][0]), "commit_sha": sha1,
                "metric_name": m, "value": round(val, 2) if unit != "lines" and unit != "count" else int(val),
                "unit": unit, "measured_at": ts(-30 + ci * 10 + pi, minutes=10),
                "metadata": {"source": TOOLS[lang][0]},
                "created_at": ts(-30 + ci * 10 + pi, minutes=10), "updated_at": ts(-30 + ci * 10 + pi, minutes=10),
            })
    for k, (cat, title, prio) in enumerate([
            ("extract_function", "Split the 180-line handler into validation, pricing and persistence", "high"),
            ("remove_duplication", "Three copies of the retry loop: use one helper", "medium"),
            ("simplify_conditional", "Replace nested status ifs with a lookup table", "low"),
            ("dead_code", "Unused feature-flag branch since the 2024 migration", "low")]):
        path = FILES[lang][k % 3]
        ls = 20 + 37 * k
        add("code_quality.refactoring_suggestions", {
            "id": uid("cq.refactor", name, k), "project_id": pid,
            "report_id": uid("cq.report", name, 2, TOOLS[lang][0]), "file_path": path,
            "line_start": ls, "line_end": ls + 25 + 10 * k, "category": cat, "title": title,
            "description": title + ". Reduces cyclomatic complexity and makes the error paths testable.",
            "suggested_patch": ("--- a/%s\n+++ b/%s\n@@ -%d,3 +%d,3 @@\n-\told()\n+\tnew()\n" % (path, path, ls, ls)) if k < 2 else None,
            "priority": prio, "effort_minutes": 30 * (k + 1), "confidence": round(0.55 + 0.1 * (3 - k), 2),
            "status": ["proposed", "accepted", "proposed", "rejected"][k],
            "metadata": {"generator": "refactor-bot", "model": "claude-3-5-sonnet"},
            "created_at": ts(-5 + pi, hours=k), "updated_at": ts(-4 + pi, hours=k),
        })

# -------------------------------------------------------------- documentation
DOC_PROJECTS = [("checkout", "Checkout Service", "acme/checkout-service", "payments"),
                ("storefront", "Web Storefront", "acme/web-storefront", "frontend"),
                ("mcpdb", "mcpdb", "acme/mcpdb", "database")]
DOCS = {
    "checkout": [("README.md", "Checkout service", "The checkout service turns a cart into a paid order. It talks to the payment provider, reserves stock in the inventory API and emits an order.created event."),
                 ("guides/payments.md", "Payment flow", "A payment is authorised when the order is placed and captured when it ships. Idempotency keys make retries safe: the same key never charges twice."),
                 ("guides/refunds.md", "Refunds", "Refunds are partial or full. A refund references the captured charge and is processed asynchronously; the order moves to refunded once the provider confirms."),
                 ("reference/errors.md", "Error codes", "CARD_DECLINED, INSUFFICIENT_STOCK and PAYMENT_TIMEOUT are returned with HTTP 402, 409 and 504 respectively.")],
    "storefront": [("README.md", "Web storefront", "The storefront is a React application rendered on the server. Product pages are cached for five minutes at the edge."),
                   ("guides/accessibility.md", "Accessibility checklist", "Every interactive element has a visible focus state, colour contrast is at least 4.5:1 and images carry alternative text."),
                   ("guides/visual-testing.md", "Visual regression tests", "Screenshots of key pages are compared with approved baselines on every pull request; differences above 0.1% need a review."),
                   ("guides/performance.md", "Performance budget", "Largest contentful paint under 2.5 s on a mid-range phone; JavaScript under 170 kB compressed on the product page.")],
    "mcpdb": [("README.md", "mcpdb", "mcpdb runs the database foundation of the platform: PostgreSQL schemas per service, Redis caches, migrations and seeds."),
              ("guides/migrations.md", "Migrations", "Each migration runs in its own transaction with a lock timeout. migrate check proves that every down reverses its up."),
              ("guides/seeds.md", "Seed data", "Seed sets load in foreign-key order through COPY in one transaction; a bad value names the file, line and column."),
              ("guides/backup.md", "Backup and restore", "Each service schema can be dumped with pg_dump -n and restored alone after the shared platform schema and the roles.")],
}
for slug, title, repo, topic in DOC_PROJECTS:
    pid = uid("doc.project", slug)
    add("documentation.projects", {
        "id": pid, "slug": slug, "name": title, "description": title + " documentation.",
        "repository_url": "https://git.acme.example/" + repo + ".git", "default_version": "v2",
        "metadata": {"owner_team": topic, "theme": "acme-docs"},
        "created_at": ts(-200), "updated_at": ts(-3),
    })
    for v in ("v1", "v2"):
        for k, (path, dtitle, body) in enumerate(DOCS[slug]):
            if v == "v1" and k == 3:
                continue
            content = "# %s\n\n%s\n\n%s\n" % (dtitle, body, "" if v == "v2" else "_This page describes version 1._")
            status = "published" if v == "v2" or k < 2 else "archived"
            if v == "v2" and k == 3 and slug == "mcpdb":
                status = "review"
            add("documentation.documents", {
                "id": uid("doc.document", slug, path, v), "project_id": pid, "path": path, "version": v,
                "title": dtitle, "format": "markdown", "language": "en", "content": content,
                "content_sha256": sha(content), "word_count": len(content.split()), "status": status,
                "published_at": ts(-150 if v == "v1" else -20) if status in ("published", "archived") else None,
                "metadata": {"tags": [topic, path.split("/")[0].replace(".md", "")]},
                "created_at": ts(-160 if v == "v1" else -25, hours=k), "updated_at": ts(-150 if v == "v1" else -20, hours=k),
            })
    gc_types = [("summary", "README.md"), ("changelog", None), ("faq", "guides/" + DOCS[slug][1][0].split("/")[1])]
    for k, (ctype, src) in enumerate(gc_types):
        text = {"summary": "In short: " + DOCS[slug][0][2],
                "changelog": "## v2\n- New payment flow\n- Faster pages\n- Per-service schemas",
                "faq": "Q: Where do I start?\nA: Read the guides in order, then the reference."}[ctype]
        add("documentation.generated_content", {
            "id": uid("doc.generated", slug, ctype), "project_id": pid,
            "document_id": uid("doc.document", slug, src, "v2") if src else None,
            "content_type": ctype, "model": "claude-3-5-sonnet",
            "prompt": "Write a %s for the %s documentation." % (ctype, title), "content": text,
            "tokens_used": 300 + 120 * k, "status": ["published", "approved", "draft"][k],
            "reviewed_by": ["dana@acme.example", "li@acme.example", None][k],
            "metadata": {"temperature": 0.2}, "created_at": ts(-12 + k), "updated_at": ts(-11 + k),
        })
OPENAPI = {"openapi": "3.1.0", "info": {"title": "Checkout API", "version": "2.4.0"},
           "paths": {"/v2/orders": {"post": {"summary": "Place an order", "responses": {"201": {"description": "Created"}, "402": {"description": "Payment required"}}}},
                     "/v2/orders/{id}": {"get": {"summary": "Get an order", "responses": {"200": {"description": "OK"}}}},
                     "/v2/refunds": {"post": {"summary": "Refund an order", "responses": {"202": {"description": "Accepted"}}}}}}
OPENAPI_V1 = {"openapi": "3.0.3", "info": {"title": "Checkout API", "version": "1.9.2"},
              "paths": {"/v1/orders": {"post": {"summary": "Place an order", "responses": {"201": {"description": "Created"}}}}}}
GRAPHQL = {"__schema": {"queryType": {"name": "Query"}, "types": [
    {"kind": "OBJECT", "name": "Query", "fields": [{"name": "product", "args": [{"name": "id", "type": {"kind": "NON_NULL", "ofType": {"name": "ID"}}}], "type": {"kind": "OBJECT", "name": "Product"}},
                                                    {"name": "search", "args": [{"name": "q", "type": {"kind": "SCALAR", "name": "String"}}], "type": {"kind": "LIST", "ofType": {"name": "Product"}}}]},
    {"kind": "OBJECT", "name": "Product", "fields": [{"name": "id", "type": {"kind": "SCALAR", "name": "ID"}}, {"name": "title", "type": {"kind": "SCALAR", "name": "String"}}, {"name": "priceCents", "type": {"kind": "SCALAR", "name": "Int"}}]}]}}
ASYNCAPI = {"asyncapi": "2.6.0", "info": {"title": "Order events", "version": "1.0.0"},
            "channels": {"order.created": {"subscribe": {"message": {"name": "OrderCreated", "payload": {"type": "object", "properties": {"order_id": {"type": "string"}}}}}}}}
for slug, name, fmt, sv, av, spec in (("checkout", "checkout-api", "openapi", "3.1.0", "2.4.0", OPENAPI),
                                      ("checkout", "checkout-api", "openapi", "3.0.3", "1.9.2", OPENAPI_V1),
                                      ("checkout", "order-events", "asyncapi", "2.6.0", "1.0.0", ASYNCAPI),
                                      ("storefront", "storefront-graphql", "graphql", "October2021", "2025-01", GRAPHQL)):
    canon = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    add("documentation.api_specs", {
        "id": uid("doc.apispec", slug, name, av), "project_id": uid("doc.project", slug), "name": name,
        "spec_format": fmt, "spec_version": sv, "api_version": av, "spec": spec, "spec_sha256": sha(canon),
        "metadata": {"source": "ci-upload"}, "created_at": ts(-40), "updated_at": ts(-40),
    })
DIAGRAMS = [("checkout", "guides/payments.md", "Payment sequence", "sequence", "mermaid",
             "sequenceDiagram\n  Client->>Checkout: POST /v2/orders\n  Checkout->>Payments: authorise\n  Payments-->>Checkout: ok\n  Checkout-->>Client: 201"),
            ("checkout", None, "Order states", "state", "mermaid",
             "stateDiagram-v2\n  [*] --> placed\n  placed --> paid\n  paid --> shipped\n  paid --> refunded"),
            ("storefront", "README.md", "Rendering pipeline", "flowchart", "mermaid",
             "flowchart LR\n  Edge --> SSR --> API\n  SSR --> Cache"),
            ("mcpdb", "README.md", "Platform architecture", "architecture", "d2",
             "services: {ie; ui; an; cq; doc; mem; web}\nservices -> postgres\nservices -> redis"),
            ("mcpdb", "guides/migrations.md", "Migration runner", "flowchart", "plantuml",
             "@startuml\nstart\n:take advisory lock;\n:apply pending;\nstop\n@enduml"),
            ("mcpdb", None, "Schema overview", "er", "graphviz",
             "digraph { projects -> analysis_reports -> vulnerabilities }")]
for k, (slug, doc, title, dtype, notation, src) in enumerate(DIAGRAMS):
    rendered = k % 3 != 2
    add("documentation.diagrams", {
        "id": uid("doc.diagram", slug, title), "project_id": uid("doc.project", slug),
        "document_id": uid("doc.document", slug, doc, "v2") if doc else None, "title": title,
        "diagram_type": dtype, "notation": notation, "source": src,
        "rendered_storage_key": "diagrams/%s/%s.svg" % (slug, title.lower().replace(" ", "-")) if rendered else None,
        "rendered_sha256": sha(src + ".svg") if rendered else None,
        "metadata": {}, "created_at": ts(-30 + k), "updated_at": ts(-29 + k),
    })

# ------------------------------------------------------ inference_enhancement
emb_ids = []
for slug, title, repo, topic in DOC_PROJECTS:
    for path, dtitle, body in DOCS[slug]:
        t = {"guides/accessibility.md": "frontend", "guides/visual-testing.md": "testing", "guides/refunds.md": "payments",
             "reference/errors.md": "payments", "guides/backup.md": "database"}.get(path, topic)
        eid = uid("ie.embedding", "document", slug, path)
        emb_ids.append((eid, t, dtitle))
        add("inference_enhancement.embeddings", {
            "id": eid, "source_type": "document", "source_ref": "documentation:%s/%s@v2" % (slug, path),
            "content": body, "content_sha256": sha(body), "model": "bge-small-en-v1.5", "dimensions": DIM,
            "embedding": embed(t), "token_count": len(body.split()) * 4 // 3,
            "metadata": {"topic": t, "project": slug}, "created_at": ts(-19), "updated_at": ts(-19),
        })
QUERIES = [("how do I refund a partial order", "payments"), ("page load too slow on mobile", "frontend"),
           ("restore one schema from backup", "database"), ("leaked api token in logs", "security"),
           ("stock reservation failed", "inventory"), ("find products by name", "search")]
for q, t in QUERIES:
    eid = uid("ie.embedding", "query", q)
    emb_ids.append((eid, t, q))
    add("inference_enhancement.embeddings", {
        "id": eid, "source_type": "query", "source_ref": "search:" + sha(q)[:16], "content": q,
        "content_sha256": sha(q), "model": "bge-small-en-v1.5", "dimensions": DIM, "embedding": embed(t, 0.5),
        "token_count": len(q.split()) + 2, "metadata": {"topic": t}, "created_at": ts(-2), "updated_at": ts(-2),
    })
ENTITIES = [("organization", "Acme", None), ("project", "Checkout Service", "payments"), ("project", "Web Storefront", "frontend"),
            ("project", "Inventory API", "inventory"), ("project", "mcpdb", "database"), ("technology", "PostgreSQL", "database"),
            ("technology", "Redis", "database"), ("technology", "React", "frontend"), ("technology", "Go", None),
            ("technology", "pgvector", "search"), ("concept", "Idempotency key", "payments"), ("concept", "Visual regression", "testing"),
            ("concept", "WCAG 2.1 AA", "frontend"), ("person", "Dana Okafor", None), ("person", "Li Wei", None),
            ("document", "Payment flow", "payments"), ("document", "Backup and restore", "database"),
            ("event", "2025-01 checkout incident", "payments"), ("concept", "Seed data", "database"), ("technology", "HTTP/2", "security")]
for k, (etype, name, topic) in enumerate(ENTITIES):
    emb = next((e for e in emb_ids if e[2] == name), None)
    add("inference_enhancement.entities", {
        "id": uid("ie.entity", etype, name), "entity_type": etype, "name": name,
        "description": "%s (%s) in the Acme platform knowledge graph." % (name, etype),
        "properties": {"aliases": [name.lower()], **({"topic": topic} if topic else {})},
        "confidence": round(0.7 + 0.3 * ((k * 7) % 10) / 10, 2), "embedding_id": emb[0] if emb else None,
        "created_at": ts(-18, hours=k), "updated_at": ts(-18, hours=k),
    })
E = lambda t, n: uid("ie.entity", t, n)
RELS = [(("project", "Checkout Service"), "part_of", ("organization", "Acme")), (("project", "Web Storefront"), "part_of", ("organization", "Acme")),
        (("project", "Inventory API"), "part_of", ("organization", "Acme")), (("project", "mcpdb"), "part_of", ("organization", "Acme")),
        (("project", "Checkout Service"), "uses", ("technology", "PostgreSQL")), (("project", "Checkout Service"), "uses", ("technology", "Go")),
        (("project", "Checkout Service"), "depends_on", ("project", "Inventory API")), (("project", "Web Storefront"), "depends_on", ("project", "Checkout Service")),
        (("project", "Web Storefront"), "uses", ("technology", "React")), (("project", "mcpdb"), "uses", ("technology", "PostgreSQL")),
        (("project", "mcpdb"), "uses", ("technology", "Redis")), (("project", "mcpdb"), "uses", ("technology", "pgvector")),
        (("concept", "Idempotency key"), "part_of", ("document", "Payment flow")), (("document", "Payment flow"), "related_to", ("project", "Checkout Service")),
        (("document", "Backup and restore"), "related_to", ("project", "mcpdb")), (("person", "Dana Okafor"), "related_to", ("project", "Checkout Service")),
        (("document", "Payment flow"), "authored_by", ("person", "Dana Okafor")), (("document", "Backup and restore"), "authored_by", ("person", "Li Wei")),
        (("event", "2025-01 checkout incident"), "related_to", ("project", "Checkout Service")), (("event", "2025-01 checkout incident"), "mentions", ("technology", "HTTP/2")),
        (("concept", "Visual regression"), "related_to", ("project", "Web Storefront")), (("concept", "WCAG 2.1 AA"), "related_to", ("project", "Web Storefront")),
        (("concept", "Seed data"), "part_of", ("project", "mcpdb")), (("technology", "pgvector"), "depends_on", ("technology", "PostgreSQL")),
        (("technology", "pgvector"), "similar_to", ("technology", "Redis")), (("project", "Inventory API"), "uses", ("technology", "PostgreSQL"))]
for k, (s, rtype, t) in enumerate(RELS):
    add("inference_enhancement.relations", {
        "id": uid("ie.relation", s, rtype, t), "source_entity_id": E(*s), "target_entity_id": E(*t),
        "relation_type": rtype, "weight": round(0.4 + 0.6 * ((k * 3) % 7) / 6, 2),
        "properties": {"source": "extraction" if k % 3 else "manual"}, "created_at": ts(-17, minutes=k), "updated_at": ts(-17, minutes=k),
    })
MODELS = [("anthropic", "claude-3-5-sonnet", "chat"), ("openai", "gpt-4o-mini", "chat"), ("local", "bge-small-en-v1.5", "embedding"),
          ("local", "bge-reranker-base", "rerank"), ("anthropic", "claude-3-5-haiku", "classification")]
CALLERS = ["documentation", "code_quality", "memory_management", "web_access", "analytics"]
for k in range(40):
    prov, model, kind = MODELS[k % len(MODELS)]
    status = "succeeded" if k % 11 else ("timeout" if k % 22 else "failed")
    lat = {"chat": 900, "classification": 400, "embedding": 25, "rerank": 60}[kind]
    lat = int(lat * (0.6 + rng.random() * 1.2)) if status == "succeeded" else 30000 if status == "timeout" else 120
    pt = {"chat": 1200, "classification": 300, "embedding": 180, "rerank": 900}[kind] + rng.randint(0, 400)
    add("inference_enhancement.inference_requests", {
        "id": uid("ie.request", k), "provider": prov, "model": model, "request_kind": kind, "status": status,
        "prompt_tokens": pt, "completion_tokens": (rng.randint(80, 700) if kind == "chat" else 3 if kind == "classification" else 0) if status == "succeeded" else 0,
        "latency_ms": lat, "cache_hit": kind == "embedding" and k % 4 == 0, "requested_by": CALLERS[k % len(CALLERS)],
        "error_message": None if status == "succeeded" else ("upstream timed out after 30 s" if status == "timeout" else "429 rate limited by provider"),
        "metadata": {"trace_id": uid("trace", k)[:8]}, "created_at": ts(-7 + k * 0.15), "updated_at": ts(-7 + k * 0.15),
    })

# -------------------------------------------------------- memory_management
CTX = [("global", None, "global", None), ("acme", "global", "organization", "org:acme"),
       ("dana", "acme", "user", "user:dana"), ("li", "acme", "user", "user:li"),
       ("support-agent", "acme", "agent", "agent:support"), ("review-bot", "acme", "agent", "agent:review"),
       ("checkout", "dana", "project", "user:dana"), ("mcpdb", "li", "project", "user:li"),
       ("storefront", "support-agent", "project", "agent:support"),
       ("2025-01-incident", "checkout", "session", "user:dana"), ("refund-design", "checkout", "conversation", "user:dana"),
       ("migrations-review", "mcpdb", "conversation", "user:li"), ("seed-loader", "mcpdb", "task", "user:li"),
       ("ticket-8812", "storefront", "conversation", "agent:support"), ("pr-311", "review-bot", "task", "agent:review")]
for k, (name, parent, ctype, owner) in enumerate(CTX):
    add("memory_management.contexts", {
        "id": uid("mm.context", name), "parent_id": uid("mm.context", parent) if parent else None, "name": name,
        "context_type": ctype, "owner_ref": owner, "description": "%s context %s" % (ctype, name),
        "is_archived": name == "2025-01-incident", "metadata": {"retention_days": 365 if ctype in ("global", "organization") else 90},
        "created_at": ts(-90 + k), "updated_at": ts(-90 + k),
    })
MEMS = [("acme", "fact", "Acme sells outdoor equipment in 14 countries.", "search", 0.6),
        ("acme", "instruction", "Never include customer emails in generated documentation.", "security", 0.95),
        ("dana", "preference", "Dana prefers short answers with the SQL query shown.", "database", 0.7),
        ("li", "preference", "Li reviews migrations and wants the down file shown next to the up.", "database", 0.7),
        ("checkout", "fact", "Checkout captures payment when the order ships, not when it is placed.", "payments", 0.9),
        ("checkout", "fact", "Idempotency keys are kept for 24 hours.", "payments", 0.8),
        ("checkout", "observation", "Refund latency rose after the provider switched regions.", "payments", 0.5),
        ("2025-01-incident", "episode", "On Jan 14 HTTP/2 CONTINUATION frames exhausted checkout memory; fixed by upgrading x/net.", "security", 0.85),
        ("2025-01-incident", "summary", "Incident summary: 37 minutes of failed checkouts, no double charges.", "payments", 0.9),
        ("refund-design", "episode", "Agreed that partial refunds reference the captured charge id.", "payments", 0.75),
        ("refund-design", "fact", "Refund webhooks can arrive before the API response.", "payments", 0.65),
        ("mcpdb", "fact", "Each service schema has _rw and _ro NOLOGIN roles.", "database", 0.8),
        ("mcpdb", "fact", "pgvector is optional: without it embeddings are real[] arrays.", "database", 0.8),
        ("mcpdb", "instruction", "Every migration needs a down that migrate check can verify.", "database", 0.9),
        ("migrations-review", "observation", "The down of 0005 must revoke default privileges before dropping roles.", "database", 0.6),
        ("migrations-review", "episode", "Li asked for comments on every index naming the query it serves.", "database", 0.55),
        ("seed-loader", "fact", "Seeds load in foreign-key order computed from the catalog.", "database", 0.7),
        ("seed-loader", "observation", "A bad seed value must name file, line and column.", "testing", 0.6),
        ("storefront", "fact", "Product pages are cached for five minutes at the edge.", "frontend", 0.6),
        ("storefront", "fact", "The storefront must meet WCAG 2.1 AA.", "frontend", 0.85),
        ("ticket-8812", "episode", "Customer could not tab to the checkout button on Safari.", "frontend", 0.7),
        ("ticket-8812", "observation", "Focus outline removed by a CSS reset in ProductCard.", "frontend", 0.65),
        ("ticket-8812", "summary", "Fixed by restoring :focus-visible styles; visual baseline updated.", "testing", 0.6),
        ("pr-311", "observation", "PR 311 adds a strcpy into a fixed buffer in seed.c.", "security", 0.8),
        ("pr-311", "instruction", "Block merges that add unbounded string copies.", "security", 0.9),
        ("support-agent", "preference", "Answer customers in their language; default English.", "search", 0.5),
        ("review-bot", "instruction", "Comment once per finding; do not repeat on every push.", "testing", 0.7),
        ("global", "instruction", "Memories expire unless marked important (>= 0.8).", "docs", 0.95),
        ("dana", "episode", "Dana asked for a weekly digest of failed payments.", "payments", 0.4),
        ("li", "episode", "Li restored code_quality from a dump in staging on Jan 20.", "database", 0.5),
        ("checkout", "observation", "Stock reservation fails about 0.3% of the time under load.", "inventory", 0.55),
        ("storefront", "observation", "Search results page is the slowest on mobile.", "search", 0.5),
        ("acme", "fact", "The platform runs seven MCP services on one PostgreSQL cluster.", "database", 0.75),
        ("support-agent", "fact", "Return window is 30 days from delivery.", "search", 0.6),
        ("refund-design", "summary", "Refund design settled: async, idempotent, partial allowed.", "payments", 0.8),
        ("seed-loader", "episode", "Loading the demo set twice in append mode is a reported no-op.", "testing", 0.45)]
for k, (ctx, kind, content, topic, imp) in enumerate(MEMS):
    created = ts(-60 + k)
    embedded = k % 6 != 5
    acc = (k * 7) % 13
    add("memory_management.memories", {
        "id": uid("mm.memory", ctx, content), "context_id": uid("mm.context", ctx), "kind": kind, "content": content,
        "content_sha256": sha(content), "importance": imp, "access_count": acc,
        "last_accessed_at": ts(-60 + k + 3) if acc else None,
        "expires_at": None if imp >= 0.8 else ts(-60 + k + 180),
        "source": ["user", "agent", "summarizer", "system"][k % 4] if kind != "summary" else "summarizer",
        "embedding": embed(topic) if embedded else None, "embedding_model": "bge-small-en-v1.5" if embedded else None,
        "metadata": {"tags": [topic]}, "created_at": created, "updated_at": created,
    })

# --------------------------------------------------------------- ui_testing
SUITES = [("checkout-flow", "chromium", 1280, 800), ("checkout-flow", "firefox", 1280, 800),
          ("product-pages", "webkit", 390, 844), ("product-pages", "chromium", 1280, 800)]
PAGES = {"checkout-flow": ["cart", "shipping", "payment", "confirmation"], "product-pages": ["home", "product", "search"]}
shots = {}
for r in range(2):
    for si, (suite, browser, w, h) in enumerate(SUITES):
        rid = uid("ui.run", suite, browser, r)
        status = "passed" if (r == 0 or si != 1) else "failed"
        pages = PAGES[suite]
        start = ts(-14 + r * 7, hours=si)
        add("ui_testing.test_runs", {
            "id": rid, "suite": suite, "branch": "main" if r == 0 else "feature/focus-styles",
            "commit_sha": commit("acme/web-storefront", "ui", r), "environment": "ci", "browser": browser,
            "viewport_width": w, "viewport_height": h, "status": status, "total_tests": len(pages) * 3,
            "failed_tests": 0 if status == "passed" else 2, "started_at": start,
            "finished_at": ts(-14 + r * 7, hours=si, minutes=6 + si), "metadata": {"pipeline_id": 7700 + r * 10 + si},
            "created_at": start, "updated_at": start,
        })
        for p in pages:
            sid = uid("ui.shot", rid, p)
            key = "ui/%s/%s/%s/r%d/%s.png" % (suite, browser, w, r, p)
            shots[(suite, browser, r, p)] = sid
            add("ui_testing.screenshots", {
                "id": sid, "test_run_id": rid, "name": p,
                "page_url": "https://shop.acme.example/" + ("" if p == "home" else p),
                "storage_key": key, "sha256": sha(key if not (r == 1 and p in ("payment", "product")) else key + "changed"),
                "size_bytes": 180000 + 3000 * len(p) + 11 * w, "mime_type": "image/png", "width": w, "height": h * 2,
                "captured_at": start, "metadata": {"full_page": True}, "created_at": start, "updated_at": start,
            })
        if r == 1:
            for p in pages:
                diff = 0.0 if p not in ("payment", "product", "cart") else (0.0042 if p == "payment" else 0.0007 if p == "cart" else 0.0185)
                thr = 0.001
                verdict = "pass" if diff <= thr else ("fail" if si == 1 else "needs_review")
                if p == "product" and si == 3:
                    verdict = "approved"
                add("ui_testing.visual_comparisons", {
                    "id": uid("ui.cmp", suite, browser, p), "baseline_screenshot_id": shots[(suite, browser, 0, p)],
                    "candidate_screenshot_id": shots[(suite, browser, 1, p)], "diff_ratio": diff,
                    "diff_pixels": int(diff * w * h * 2), "threshold": thr, "verdict": verdict,
                    "diff_storage_key": "ui-diff/%s/%s/%s.png" % (suite, browser, p) if diff > 0 else None,
                    "reviewed_by": "dana@acme.example" if verdict == "approved" else None,
                    "reviewed_at": ts(-6) if verdict == "approved" else None,
                    "metadata": {"engine": "pixelmatch", "antialiasing": True}, "created_at": start, "updated_at": start,
                })
        vio_all = [{"id": "color-contrast", "impact": "serious", "nodes": 3, "help": "Elements must meet minimum color contrast ratio thresholds"},
                   {"id": "focus-visible", "impact": "serious", "nodes": 1, "help": "Interactive elements need a visible focus indicator"},
                   {"id": "image-alt", "impact": "critical", "nodes": 2, "help": "Images must have alternate text"},
                   {"id": "label", "impact": "critical", "nodes": 1, "help": "Form elements must have labels"}]
        for p in pages[:2]:
            vio = [v for j, v in enumerate(vio_all) if (j + len(p) + si + r) % 3 == 0]
            add("ui_testing.accessibility_reports", {
                "id": uid("ui.a11y", rid, p), "test_run_id": rid, "page_url": "https://shop.acme.example/" + ("" if p == "home" else p),
                "standard": "WCAG2.1-AA", "tool": "axe-core", "tool_version": "4.10.2", "violations": vio,
                "violation_count": len(vio), "score": round(100 - 7.5 * sum(v["nodes"] for v in vio), 2),
                "metadata": {"browser": browser}, "created_at": start, "updated_at": start,
            })

# --------------------------------------------------------------- web_access
URLS = ["https://docs.python.org/3/library/json.html", "https://www.postgresql.org/docs/15/sql-copy.html",
        "https://github.com/pgvector/pgvector", "https://nvd.nist.gov/vuln/detail/CVE-2023-45288",
        "https://developer.mozilla.org/en-US/docs/Web/CSS/:focus-visible", "https://www.w3.org/TR/WCAG21/",
        "https://redis.io/docs/latest/commands/info/", "https://pkg.go.dev/golang.org/x/net/http2",
        "https://semver.org/", "https://example.com/", "https://www.rfc-editor.org/rfc/rfc9111",
        "https://shop.acme.example/product"]
for k, url in enumerate(URLS):
    body = ("<!doctype html><title>%s</title>" % url.split("/")[2]).encode() if k in (8, 9) else None
    status = 200 if k != 10 else 304
    fetched = ts(-3, hours=k)
    add("web_access.http_cache", {
        "id": uid("web.cache", url), "method": "GET", "url": url, "url_sha256": sha(url), "status_code": status,
        "response_headers": {"content-type": "text/html; charset=utf-8", "cache-control": "max-age=%d" % (3600 * (1 + k % 4))},
        "etag": '"%s"' % sha(url)[:16] if k % 3 else 'W/"%s"' % sha(url)[:12],
        "last_modified": ts(-40 + k), "content_type": "text/html",
        "body": ("\\x" + body.hex()) if body else None, "body_sha256": sha(body) if body else None,
        "size_bytes": len(body) if body else 24000 + 1000 * k, "fetched_at": fetched,
        "expires_at": ts(-3, hours=k + 1 + k % 4), "hit_count": (k * 5) % 17,
        "metadata": {"requested_by": CALLERS[k % len(CALLERS)]}, "created_at": fetched, "updated_at": fetched,
    })
SEARCHES = ["postgres copy binary format", "pgvector hnsw vs ivfflat", "CVE-2023-45288 mitigation", "wcag focus visible safari",
            "redis INFO keyspace fields", "json_populate_record nested arrays", "go x/net http2 upgrade", "react server components cache",
            "python pickle safe alternative", "visual regression threshold best practice", "openapi 3.1 webhooks",
            "pg_dump single schema restore roles", "ltree vs adjacency list postgres", "idempotency key retention",
            "largest contentful paint mobile", "semgrep go rules sql injection", "axe-core color contrast false positive",
            "mermaid sequence diagram syntax", "http cache revalidation etag", "postgres default privileges future tables"]
for k, q in enumerate(SEARCHES):
    prov = ["brave", "tavily", "serpapi", "internal"][k % 4]
    status = "succeeded" if k % 9 else "rate_limited"
    results = [] if status != "succeeded" else [
        {"rank": j + 1, "title": "%s - result %d" % (q, j + 1), "url": URLS[(k + j) % len(URLS)], "snippet": "About " + q + "."}
        for j in range(3)]
    add("web_access.search_history", {
        "id": uid("web.search", k), "query": q, "provider": prov, "requested_by": CALLERS[(k + 1) % len(CALLERS)],
        "result_count": 10 * len(results), "results": results, "latency_ms": 350 + (k * 97) % 900, "status": status,
        "metadata": {"trace_id": uid("trace.s", k)[:8]}, "created_at": ts(-5, hours=k * 2), "updated_at": ts(-5, hours=k * 2),
    })
for k, url in enumerate(URLS[:8]):
    for dev, w, h in (("desktop", 1440, 900), ("mobile", 390, 844))[: 1 + (k % 2)]:
        key = "web-shots/%s/%s.png" % (sha(url)[:16], dev)
        add("web_access.page_screenshots", {
            "id": uid("web.shot", url, dev), "http_cache_id": uid("web.cache", url) if k % 4 else None, "url": url,
            "url_sha256": sha(url), "storage_key": key, "sha256": sha(key), "size_bytes": 240000 + 5000 * k,
            "mime_type": "image/png", "device": dev, "width": w, "height": h, "full_page": k % 3 == 0,
            "captured_at": ts(-3, hours=k, minutes=5), "metadata": {"purpose": "research"},
            "created_at": ts(-3, hours=k, minutes=5), "updated_at": ts(-3, hours=k, minutes=5),
        })

# ----------------------------------------------------------------- analytics
DATASETS = [("checkout.orders_daily", "Orders and revenue per day", "postgres", "checkout.public.orders_daily", "payments", 730, 96000),
            ("checkout.payment_failures", "Failed payments by reason", "postgres", "checkout.public.payment_failures", "payments", 15400, 2100000),
            ("storefront.web_vitals", "Core Web Vitals samples", "parquet", "s3://acme-analytics/web-vitals/", "frontend", 2400000, 310000000),
            ("inventory.stock_levels", "Stock level snapshots", "csv", "s3://acme-analytics/stock/levels.csv", "inventory", 182000, 14500000),
            ("platform.api_costs", "External API cost per call", "postgres", "web_access.api_usage", "platform", 60, 24000),
            ("code.quality_metrics", "Code metrics per commit", "api", "https://quality.acme.example/api/metrics", "platform", 60, 18000)]
csv_datasets = []
for k, (name, desc, st, uri, owner, rows, size) in enumerate(DATASETS):
    cols = {"checkout.orders_daily": [{"name": "day", "type": "date"}, {"name": "orders", "type": "integer"}, {"name": "revenue_eur", "type": "numeric"}],
            "checkout.payment_failures": [{"name": "at", "type": "timestamptz"}, {"name": "reason", "type": "text"}],
            "storefront.web_vitals": [{"name": "page", "type": "text"}, {"name": "lcp_ms", "type": "integer"}, {"name": "device", "type": "text"}],
            "inventory.stock_levels": [{"name": "sku", "type": "text"}, {"name": "qty", "type": "integer"}, {"name": "at", "type": "timestamptz"}],
            "platform.api_costs": [{"name": "provider", "type": "text"}, {"name": "cost_usd", "type": "numeric"}],
            "code.quality_metrics": [{"name": "project", "type": "text"}, {"name": "metric", "type": "text"}, {"name": "value", "type": "float8"}]}[name]
    csv_datasets.append({
        "id": uid("an.dataset", name), "name": name, "description": desc, "source_type": st, "source_uri": uri,
        "columns": json.dumps(cols), "row_count": rows, "size_bytes": size,
        "status": "stale" if k == 3 else "active", "owner": owner + "@acme.example",
        "refreshed_at": ts(-1 - (k == 3) * 9, hours=k), "metadata": json.dumps({"tags": [owner], "refresh": "daily"}),
        "created_at": ts(-100 + k), "updated_at": ts(-1, hours=k),
    })
VIS = [("checkout.orders_daily", "Revenue per day", "line", "day", "revenue_eur", True),
       ("checkout.orders_daily", "Orders per weekday", "bar", "day", "orders", True),
       ("checkout.payment_failures", "Failures by reason", "bar", "reason", "count", True),
       ("checkout.payment_failures", "Failures over time", "area", "at", "count", False),
       ("storefront.web_vitals", "LCP distribution", "histogram", "lcp_ms", "count", True),
       ("storefront.web_vitals", "LCP by page and device", "heatmap", "page", "device", True),
       ("inventory.stock_levels", "Low stock SKUs", "table", "sku", "qty", False),
       ("platform.api_costs", "Cost per provider", "pie", "provider", "cost_usd", True),
       ("code.quality_metrics", "Coverage trend", "line", "commit", "value", True),
       ("code.quality_metrics", "Complexity vs coverage", "scatter", "complexity", "coverage", False)]
for k, (ds, title, ct, x, y, pub) in enumerate(VIS):
    mark = {"histogram": "bar", "heatmap": "rect", "pie": "arc", "table": "text"}.get(ct, ct)
    add("analytics.visualizations", {
        "id": uid("an.vis", ds, title), "dataset_id": uid("an.dataset", ds), "title": title, "chart_type": ct,
        "spec": {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": mark,
                 "encoding": {"x": {"field": x, "type": "temporal" if x in ("day", "at") else "nominal"},
                              "y": {"field": y, "type": "quantitative" if y not in ("device",) else "nominal"}}},
        "is_published": pub, "created_by": ["dana@acme.example", "li@acme.example"][k % 2],
        "metadata": {"dashboard": ds.split(".")[0]}, "created_at": ts(-50 + k), "updated_at": ts(-10 + k),
    })
AR = []
for k, (ds, atype) in enumerate([("checkout.orders_daily", "summary"), ("checkout.orders_daily", "forecast"),
                                 ("checkout.orders_daily", "anomaly"), ("checkout.payment_failures", "summary"),
                                 ("checkout.payment_failures", "anomaly"), ("storefront.web_vitals", "segmentation"),
                                 ("storefront.web_vitals", "correlation"), ("inventory.stock_levels", "forecast"),
                                 ("inventory.stock_levels", "clustering"), ("platform.api_costs", "regression"),
                                 ("platform.api_costs", "forecast"), ("code.quality_metrics", "correlation")]):
    status = "completed" if k not in (8, 10) else ("failed" if k == 8 else "running")
    start = ts(-9 + k * 0.5)
    res = {"summary": {"rows": 730, "mean": 131.4, "p95": 212},
           "forecast": {"horizon_days": 14, "mape": round(0.05 + 0.01 * k, 3)},
           "anomaly": {"anomalies": 3 + k % 3, "method": "stl+iqr"},
           "segmentation": {"segments": ["mobile-slow", "desktop-fast"]},
           "correlation": {"pearson": round(0.2 + 0.05 * k, 2)},
           "clustering": {"k": 4}, "regression": {"r2": 0.81, "slope": 0.0021}}[atype]
    AR.append((uid("an.result", ds, atype), ds, atype, status))
    add("analytics.analysis_results", {
        "id": uid("an.result", ds, atype), "dataset_id": uid("an.dataset", ds), "analysis_type": atype, "status": status,
        "parameters": {"window_days": 90, "seed": 7} if atype != "clustering" else {"k": 4},
        "result": res if status == "completed" else None,
        "error_message": "k-means did not converge in 300 iterations" if status == "failed" else None,
        "started_at": start, "completed_at": ts(-9 + k * 0.5, minutes=3 + k) if status != "running" else None,
        "duration_ms": (3 + k) * 60000 if status != "running" else None,
        "metadata": {"requested_by": "analytics-scheduler"}, "created_at": start, "updated_at": start,
    })
for rid, ds, atype, status in AR:
    if atype != "forecast":
        continue
    target = {"checkout.orders_daily": "orders", "inventory.stock_levels": "units_in_stock", "platform.api_costs": "daily_cost_usd"}[ds]
    base = {"orders": 140.0, "units_in_stock": 5200.0, "daily_cost_usd": 38.0}[target]
    for d in range(10):
        v = base * (1 + 0.02 * d + 0.05 * math.sin(d))
        width = v * (0.06 + 0.01 * d)
        add("analytics.predictions", {
            "id": uid("an.pred", ds, target, d), "dataset_id": uid("an.dataset", ds),
            "analysis_result_id": rid if status == "completed" else None, "model_name": "prophet-1.1",
            "target": target, "predicted_for": ts(-4 + d), "predicted_value": round(v, 3),
            "lower_bound": round(v - width, 3), "upper_bound": round(v + width, 3), "confidence": 0.9,
            "actual_value": round(v * (1 + 0.03 * math.cos(d * 1.7)), 3) if d < 4 else None,
            "features": {"holiday": d in (3, 4), "weekday": (d + 1) % 7}, "metadata": {"run": "nightly"},
            "created_at": ts(-5), "updated_at": ts(-5),
        })
PATTERNS = [("checkout.orders_daily", "seasonality", "Weekly cycle: Saturday orders 1.8x Tuesday", 0.82, "acknowledged"),
            ("checkout.orders_daily", "anomaly", "Order drop on Jan 14 between 10:05 and 10:42 UTC", 0.97, "acknowledged"),
            ("checkout.orders_daily", "trend", "Revenue up 12% over 90 days", 0.64, "new"),
            ("checkout.payment_failures", "change_point", "CARD_DECLINED share doubled after Jan 10", 0.71, "new"),
            ("checkout.payment_failures", "correlation", "Timeouts correlate with provider region failover", 0.58, "dismissed"),
            ("storefront.web_vitals", "outlier", "Search page LCP 3x median on mobile Safari", 0.77, "new"),
            ("storefront.web_vitals", "cluster", "Two device clusters: fast desktop, slow mid-range Android", 0.69, "acknowledged"),
            ("inventory.stock_levels", "trend", "Tent stock declining faster than forecast", 0.55, "new"),
            ("platform.api_costs", "anomaly", "LLM cost spike from review-bot retries", 0.88, "new"),
            ("platform.api_costs", "seasonality", "Cost follows office hours (UTC+1)", 0.6, "dismissed"),
            ("code.quality_metrics", "correlation", "Lower coverage correlates with more open findings", 0.47, "new"),
            ("code.quality_metrics", "trend", "Lint warnings falling in mcpdb", 0.66, "acknowledged")]
for k, (ds, pt, desc, strength, status) in enumerate(PATTERNS):
    add("analytics.patterns", {
        "id": uid("an.pattern", ds, desc), "dataset_id": uid("an.dataset", ds), "pattern_type": pt, "description": desc,
        "strength": strength, "period_start": ts(-30 + k), "period_end": ts(-30 + k + 7 + k % 5), "status": status,
        "details": {"detector": "mcp-analytics/1.4", "columns": ["value"]}, "detected_at": ts(-8 + k * 0.5),
        "metadata": {}, "created_at": ts(-8 + k * 0.5), "updated_at": ts(-8 + k * 0.5),
    })

# api_usage (CSV): the external calls behind the inference requests and searches.
api_rows = []
EPS = [("openai", "/v1/chat/completions", "POST", 0.00015, 0.0006), ("anthropic", "/v1/messages", "POST", 0.003, 0.015),
       ("github", "/repos/acme/mcpdb/pulls", "GET", 0, 0), ("brave", "/res/v1/web/search", "GET", 0, 0),
       ("tavily", "/search", "POST", 0, 0), ("serpapi", "/search.json", "GET", 0, 0), ("google", "/v1beta/models/gemini-1.5-flash:generateContent", "POST", 0.000075, 0.0003)]
for k in range(60):
    prov, ep, meth, pin, pout = EPS[k % len(EPS)]
    code = 200 if k % 13 else (429 if k % 26 else 502)
    rt = rng.randint(200, 3000) if pin else 0
    ot = rng.randint(50, 800) if pin and code == 200 else 0
    cost = round(rt / 1000 * pin + ot / 1000 * pout, 6) if pin else (0.005 if prov in ("serpapi", "tavily") and code == 200 else 0)
    api_rows.append({
        "id": uid("web.api", k), "provider": prov, "endpoint": ep, "method": meth, "status_code": code,
        "request_tokens": rt, "response_tokens": ot, "cost_usd": "%.6f" % cost, "latency_ms": 80 + (k * 131) % 2400,
        "requested_by": CALLERS[k % len(CALLERS)],
        "error_message": "" if code == 200 else ("rate limited" if code == 429 else "bad gateway"),
        "metadata": json.dumps({"trace_id": uid("trace.api", k)[:8]}),
        "created_at": ts(-7 + k * 0.1), "updated_at": ts(-7 + k * 0.1),
    })


# --------------------------------------------------------------------- write
def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo")
    os.makedirs(out, exist_ok=True)
    manifest = []
    for table, rows in sorted(files.items()):
        keys = list(rows[0].keys())
        for r in rows:
            assert list(r.keys()) == keys, (table, r)
        fn = table + ".ndjson"
        with open(os.path.join(out, fn), "w", newline="\n") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        manifest.append({"file": fn, "table": table, "format": "ndjson"})
    for table, rows in (("analytics.datasets", csv_datasets), ("web_access.api_usage", api_rows)):
        fn = table + ".csv"
        with open(os.path.join(out, fn), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if v is None else v) for k, v in r.items()})
        manifest.append({"file": fn, "table": table, "format": "csv"})
    manifest.sort(key=lambda m: m["file"])
    seed = {"name": "demo",
            "description": "Acme demo platform: four code projects documented, tested, analysed and remembered across all seven service schemas; 384-dimensional embeddings.",
            "mode": "append", "files": manifest}
    with open(os.path.join(out, "seed.json"), "w") as f:
        json.dump(seed, f, indent=2)
        f.write("\n")
    total = sum(len(r) for r in files.values()) + len(csv_datasets) + len(api_rows)
    print("wrote %d files, %d rows to %s" % (len(manifest), total, out), file=sys.stderr)


if __name__ == "__main__":
    main()
