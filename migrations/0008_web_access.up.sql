-- 0008 web_access: HTTP cache, search history, external API usage (tokens,
-- cost, latency) and page screenshots.
-- URLs are looked up through their SHA-256: a btree entry is limited to about
-- 2.7 kB and real URLs can be longer.

CREATE SCHEMA web_access;
COMMENT ON SCHEMA web_access IS 'Web access service: HTTP cache, search history, API usage, page screenshots.';
REVOKE ALL ON SCHEMA web_access FROM PUBLIC;

-- http_cache -----------------------------------------------------------------
CREATE TABLE web_access.http_cache (
	id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	method           text        NOT NULL DEFAULT 'GET' CHECK (method IN ('GET', 'HEAD', 'POST')),
	url              text        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 16384),
	url_sha256       text        NOT NULL CHECK (url_sha256 ~ '^[0-9a-f]{64}$'),
	status_code      smallint    NOT NULL CHECK (status_code BETWEEN 100 AND 599),
	response_headers jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(response_headers) = 'object'),
	etag             text        CHECK (etag ~ '^(W/)?".*"$'),
	last_modified    timestamptz,
	content_type     text,
	body             bytea,
	body_sha256      text        CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
	size_bytes       bigint      NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
	fetched_at       timestamptz NOT NULL DEFAULT now(),
	expires_at       timestamptz NOT NULL,
	hit_count        integer     NOT NULL DEFAULT 0 CHECK (hit_count >= 0),
	metadata         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT http_cache_request_key UNIQUE (method, url_sha256),
	CONSTRAINT http_cache_expiry_check CHECK (expires_at >= fetched_at),
	CONSTRAINT http_cache_body_check CHECK (body IS NULL OR (length(body) = size_bytes AND body_sha256 IS NOT NULL))
);
COMMENT ON TABLE web_access.http_cache IS 'Cached HTTP responses, one per method and URL; revalidated with ETag/Last-Modified after expires_at.';
COMMENT ON COLUMN web_access.http_cache.url_sha256 IS 'SHA-256 (hex) of url: the lookup key.';
COMMENT ON COLUMN web_access.http_cache.response_headers IS 'Response headers, lowercase names: {"content-type": "...", "cache-control": "..."}.';
COMMENT ON COLUMN web_access.http_cache.etag IS 'ETag response header as sent (quoted, optional W/ prefix), for If-None-Match.';
COMMENT ON COLUMN web_access.http_cache.body IS 'Response body when small enough to keep inline; NULL for HEAD or bodies kept elsewhere.';
COMMENT ON COLUMN web_access.http_cache.size_bytes IS 'Length of the response body in bytes.';
COMMENT ON COLUMN web_access.http_cache.expires_at IS 'Freshness end computed from Cache-Control/Expires.';
COMMENT ON INDEX web_access.http_cache_request_key IS 'Cache lookup: WHERE method = $1 AND url_sha256 = $2.';
CREATE INDEX http_cache_expiry_idx ON web_access.http_cache (expires_at);
COMMENT ON INDEX web_access.http_cache_expiry_idx IS 'Eviction and revalidation sweep: WHERE expires_at < now() ORDER BY expires_at.';
CREATE INDEX http_cache_metadata_gin ON web_access.http_cache USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX web_access.http_cache_metadata_gin IS 'Entries by requester or purpose: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('web_access.http_cache');

-- search_history -------------------------------------------------------------
CREATE TABLE web_access.search_history (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	query        text        NOT NULL CHECK (length(query) BETWEEN 1 AND 2000),
	provider     text        NOT NULL CHECK (provider IN ('google', 'bing', 'duckduckgo', 'brave', 'serpapi', 'tavily', 'internal')),
	requested_by text        NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 200),
	result_count integer     NOT NULL DEFAULT 0 CHECK (result_count >= 0),
	results      jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(results) = 'array'),
	latency_ms   integer     NOT NULL CHECK (latency_ms >= 0),
	status       text        NOT NULL DEFAULT 'succeeded' CHECK (status IN ('succeeded', 'failed', 'rate_limited')),
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE web_access.search_history IS 'Web searches made for the platform: query, provider, top results. created_at is the search time.';
COMMENT ON COLUMN web_access.search_history.requested_by IS 'Calling service or agent.';
COMMENT ON COLUMN web_access.search_history.results IS 'Top results as returned: [{"rank": 1, "title": ..., "url": ..., "snippet": ...}].';
CREATE INDEX search_history_requester_idx ON web_access.search_history (requested_by, created_at DESC);
COMMENT ON INDEX web_access.search_history_requester_idx IS
	'Recent searches of an agent (history panel, repeat detection): WHERE requested_by = $1 ORDER BY created_at DESC.';
CREATE INDEX search_history_query_idx ON web_access.search_history (lower(query), provider, created_at DESC);
COMMENT ON INDEX web_access.search_history_query_idx IS
	'Reuse of a recent identical search: WHERE lower(query) = lower($1) AND provider = $2 AND created_at > now() - interval ''1 day''.';
CREATE INDEX search_history_metadata_gin ON web_access.search_history USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX web_access.search_history_metadata_gin IS 'Searches by trace or task: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('web_access.search_history');

-- api_usage ------------------------------------------------------------------
CREATE TABLE web_access.api_usage (
	id              uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
	provider        text          NOT NULL CHECK (provider IN ('openai', 'anthropic', 'google', 'serpapi', 'github', 'brave', 'tavily', 'other')),
	endpoint        text          NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 500),
	method          text          NOT NULL DEFAULT 'POST' CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
	status_code     smallint      NOT NULL CHECK (status_code BETWEEN 100 AND 599),
	request_tokens  integer       NOT NULL DEFAULT 0 CHECK (request_tokens >= 0),
	response_tokens integer       NOT NULL DEFAULT 0 CHECK (response_tokens >= 0),
	cost_usd        numeric(12,6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
	latency_ms      integer       NOT NULL CHECK (latency_ms >= 0),
	requested_by    text          NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 200),
	error_message   text,
	metadata        jsonb         NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at      timestamptz   NOT NULL DEFAULT now(),
	updated_at      timestamptz   NOT NULL DEFAULT now()
);
COMMENT ON TABLE web_access.api_usage IS 'Append-only log of calls to external APIs, for quotas and cost reporting. created_at is the call time.';
COMMENT ON COLUMN web_access.api_usage.endpoint IS 'Endpoint path without query string or credentials, e.g. /v1/chat/completions.';
COMMENT ON COLUMN web_access.api_usage.cost_usd IS 'Billed cost in US dollars (6 decimals: fractions of a cent per call).';
COMMENT ON COLUMN web_access.api_usage.latency_ms IS 'Round-trip time, milliseconds.';
CREATE INDEX api_usage_provider_time_idx ON web_access.api_usage (provider, created_at DESC);
COMMENT ON INDEX web_access.api_usage_provider_time_idx IS
	'Cost and quota dashboard: WHERE provider = $1 AND created_at >= date_trunc(''day'', now()) (sum of cost_usd, tokens, p95 latency).';
CREATE INDEX api_usage_requester_time_idx ON web_access.api_usage (requested_by, created_at DESC);
COMMENT ON INDEX web_access.api_usage_requester_time_idx IS 'Cost per calling service: WHERE requested_by = $1 AND created_at >= $2.';
CREATE INDEX api_usage_errors_idx ON web_access.api_usage (created_at DESC) WHERE status_code >= 400;
COMMENT ON INDEX web_access.api_usage_errors_idx IS 'Error-rate alerting: WHERE status_code >= 400 AND created_at > now() - interval ''5 minutes''.';
CREATE INDEX api_usage_metadata_gin ON web_access.api_usage USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX web_access.api_usage_metadata_gin IS 'Calls by trace or model: WHERE metadata @> ''{"model": ...}''.';
SELECT platform.attach_updated_at('web_access.api_usage');

-- page_screenshots -----------------------------------------------------------
CREATE TABLE web_access.page_screenshots (
	id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	http_cache_id uuid        REFERENCES web_access.http_cache (id) ON DELETE SET NULL,
	url           text        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 16384),
	url_sha256    text        NOT NULL CHECK (url_sha256 ~ '^[0-9a-f]{64}$'),
	storage_key   text        NOT NULL UNIQUE CHECK (length(storage_key) BETWEEN 1 AND 1024),
	sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size_bytes    bigint      NOT NULL CHECK (size_bytes > 0),
	mime_type     text        NOT NULL DEFAULT 'image/png' CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/webp')),
	device        text        NOT NULL DEFAULT 'desktop' CHECK (device IN ('desktop', 'mobile', 'tablet')),
	width         integer     NOT NULL CHECK (width > 0),
	height        integer     NOT NULL CHECK (height > 0),
	full_page     boolean     NOT NULL DEFAULT false,
	captured_at   timestamptz NOT NULL DEFAULT now(),
	metadata      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE web_access.page_screenshots IS
	'Screenshot of a web page, image in object storage; kept when the cached response is evicted (SET NULL).';
COMMENT ON COLUMN web_access.page_screenshots.http_cache_id IS 'Cached response the page was rendered from, if still cached.';
COMMENT ON COLUMN web_access.page_screenshots.storage_key IS 'Object storage key of the image, unique.';
COMMENT ON COLUMN web_access.page_screenshots.sha256 IS 'SHA-256 (hex) of the image bytes.';
COMMENT ON INDEX web_access.page_screenshots_storage_key_key IS 'Object-store reconciliation: WHERE storage_key = $1.';
CREATE INDEX page_screenshots_url_time_idx ON web_access.page_screenshots (url_sha256, device, captured_at DESC);
COMMENT ON INDEX web_access.page_screenshots_url_time_idx IS
	'Latest screenshot of a URL on a device: WHERE url_sha256 = $1 AND device = $2 ORDER BY captured_at DESC LIMIT 1.';
CREATE INDEX page_screenshots_cache_idx ON web_access.page_screenshots (http_cache_id) WHERE http_cache_id IS NOT NULL;
COMMENT ON INDEX web_access.page_screenshots_cache_idx IS 'Foreign key support (SET NULL on cache eviction): WHERE http_cache_id = $1.';
CREATE INDEX page_screenshots_metadata_gin ON web_access.page_screenshots USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX web_access.page_screenshots_metadata_gin IS 'Screenshots by purpose or requester: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('web_access.page_screenshots');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('web_access_rw');
SELECT platform.ensure_role('web_access_ro');
GRANT USAGE ON SCHEMA web_access TO web_access_rw, web_access_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA web_access TO web_access_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA web_access TO web_access_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO web_access_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access GRANT SELECT ON TABLES TO web_access_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access GRANT USAGE, SELECT ON SEQUENCES TO web_access_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA web_access GRANT SELECT ON SEQUENCES TO web_access_ro;
GRANT USAGE ON SCHEMA platform TO web_access_rw, web_access_ro;
