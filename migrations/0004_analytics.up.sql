-- 0004 analytics: datasets, visualizations (Vega-Lite specs as JSONB),
-- analysis results, predictions with confidence, and detected patterns.

CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS
	'Analytics service: datasets, visualizations, analysis results, predictions, detected patterns.';
REVOKE ALL ON SCHEMA analytics FROM PUBLIC;

-- datasets -------------------------------------------------------------------
CREATE TABLE analytics.datasets (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	name         text        NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_.-]{0,127}$'),
	description  text,
	source_type  text        NOT NULL CHECK (source_type IN ('postgres', 'csv', 'parquet', 'api', 'redis', 's3')),
	source_uri   text        NOT NULL CHECK (length(source_uri) BETWEEN 1 AND 2048),
	columns      jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(columns) = 'array'),
	row_count    bigint      NOT NULL DEFAULT 0 CHECK (row_count >= 0),
	size_bytes   bigint      NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
	status       text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stale', 'archived', 'failed')),
	owner        text        NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
	refreshed_at timestamptz,
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics.datasets IS
	'A registered data source that analyses run on; deleting it deletes its visualizations, results, predictions and patterns.';
COMMENT ON COLUMN analytics.datasets.name IS 'Stable machine name (lowercase, dots, dashes, underscores), unique.';
COMMENT ON COLUMN analytics.datasets.source_uri IS 'Where the data lives (table name, object URL, API endpoint); never a password.';
COMMENT ON COLUMN analytics.datasets.columns IS 'Column definitions: [{"name": ..., "type": ...}].';
COMMENT ON COLUMN analytics.datasets.refreshed_at IS 'Last successful refresh; status becomes stale when too old.';
COMMENT ON INDEX analytics.datasets_name_key IS 'Dataset lookup by name from the API and the CLI: WHERE name = $1.';
CREATE INDEX datasets_status_refresh_idx ON analytics.datasets (status, refreshed_at);
COMMENT ON INDEX analytics.datasets_status_refresh_idx IS
	'Refresh scheduler: WHERE status IN (''active'', ''stale'') ORDER BY refreshed_at NULLS FIRST.';
CREATE INDEX datasets_metadata_gin ON analytics.datasets USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX analytics.datasets_metadata_gin IS 'Datasets by tag or team: WHERE metadata @> ''{"tags": ["billing"]}''.';
SELECT platform.attach_updated_at('analytics.datasets');

-- visualizations -------------------------------------------------------------
CREATE TABLE analytics.visualizations (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	dataset_id   uuid        NOT NULL REFERENCES analytics.datasets (id) ON DELETE CASCADE,
	title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	chart_type   text        NOT NULL CHECK (chart_type IN ('line', 'bar', 'area', 'scatter', 'pie', 'heatmap', 'table', 'histogram', 'map')),
	spec         jsonb       NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
	is_published boolean     NOT NULL DEFAULT false,
	created_by   text        NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics.visualizations IS 'A chart over a dataset, defined by a Vega-Lite spec.';
COMMENT ON COLUMN analytics.visualizations.spec IS 'Vega-Lite specification (JSON object: mark, encoding, transform...).';
COMMENT ON COLUMN analytics.visualizations.is_published IS 'Visible on shared dashboards.';
CREATE INDEX visualizations_dataset_idx ON analytics.visualizations (dataset_id, updated_at DESC);
COMMENT ON INDEX analytics.visualizations_dataset_idx IS
	'Charts of a dataset, most recently edited first, and foreign key support: WHERE dataset_id = $1 ORDER BY updated_at DESC.';
CREATE INDEX visualizations_published_idx ON analytics.visualizations (chart_type, updated_at DESC) WHERE is_published;
COMMENT ON INDEX analytics.visualizations_published_idx IS
	'Dashboard gallery: WHERE is_published [AND chart_type = $1] ORDER BY updated_at DESC.';
CREATE INDEX visualizations_spec_gin ON analytics.visualizations USING gin (spec jsonb_path_ops);
COMMENT ON INDEX analytics.visualizations_spec_gin IS
	'Impact analysis before changing a field: WHERE spec @> ''{"encoding": {"y": {"field": "revenue"}}}''.';
CREATE INDEX visualizations_metadata_gin ON analytics.visualizations USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX analytics.visualizations_metadata_gin IS 'Charts by tag: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('analytics.visualizations');

-- analysis_results -----------------------------------------------------------
CREATE TABLE analytics.analysis_results (
	id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	dataset_id    uuid        NOT NULL REFERENCES analytics.datasets (id) ON DELETE CASCADE,
	analysis_type text        NOT NULL CHECK (analysis_type IN ('summary', 'correlation', 'regression', 'clustering', 'anomaly', 'forecast', 'segmentation')),
	status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
	parameters    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
	result        jsonb       CHECK (jsonb_typeof(result) IN ('object', 'array')),
	error_message text,
	started_at    timestamptz,
	completed_at  timestamptz,
	duration_ms   integer     CHECK (duration_ms >= 0),
	metadata      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT analysis_results_completed_after_start CHECK (completed_at >= started_at),
	CONSTRAINT analysis_results_outcome_check CHECK (
		(status <> 'completed' OR result IS NOT NULL) AND ((status = 'failed') = (error_message IS NOT NULL)))
);
COMMENT ON TABLE analytics.analysis_results IS 'One analysis job over a dataset: parameters in, result document out.';
COMMENT ON COLUMN analytics.analysis_results.result IS 'Result document; required once status is completed.';
COMMENT ON COLUMN analytics.analysis_results.error_message IS 'Set exactly when status is failed.';
CREATE INDEX analysis_results_latest_idx ON analytics.analysis_results (dataset_id, analysis_type, created_at DESC);
COMMENT ON INDEX analytics.analysis_results_latest_idx IS
	'Latest result of a kind for a dataset, and foreign key support: WHERE dataset_id = $1 AND analysis_type = $2 ORDER BY created_at DESC LIMIT 1.';
CREATE INDEX analysis_results_queue_idx ON analytics.analysis_results (created_at) WHERE status IN ('pending', 'running');
COMMENT ON INDEX analytics.analysis_results_queue_idx IS
	'Job queue: WHERE status = ''pending'' ORDER BY created_at FOR UPDATE SKIP LOCKED, and stuck-job detection on running.';
CREATE INDEX analysis_results_metadata_gin ON analytics.analysis_results USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX analytics.analysis_results_metadata_gin IS 'Results by requester or trace: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('analytics.analysis_results');

-- predictions ----------------------------------------------------------------
CREATE TABLE analytics.predictions (
	id                 uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
	dataset_id         uuid             NOT NULL REFERENCES analytics.datasets (id) ON DELETE CASCADE,
	analysis_result_id uuid             REFERENCES analytics.analysis_results (id) ON DELETE SET NULL,
	model_name         text             NOT NULL CHECK (length(model_name) BETWEEN 1 AND 200),
	target             text             NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
	predicted_for      timestamptz      NOT NULL,
	predicted_value    double precision NOT NULL,
	lower_bound        double precision,
	upper_bound        double precision,
	confidence         real             NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
	actual_value       double precision,
	features           jsonb            NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features) = 'object'),
	metadata           jsonb            NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at         timestamptz      NOT NULL DEFAULT now(),
	updated_at         timestamptz      NOT NULL DEFAULT now(),
	CONSTRAINT predictions_interval_check CHECK (
		(lower_bound IS NULL OR lower_bound <= predicted_value) AND (upper_bound IS NULL OR predicted_value <= upper_bound))
);
COMMENT ON TABLE analytics.predictions IS
	'A predicted value of a target metric at a point in time, with its interval and confidence; actual_value is filled in later to score the model.';
COMMENT ON COLUMN analytics.predictions.analysis_result_id IS
	'The forecast job that produced it; SET NULL when that job record is purged (the prediction is kept for accuracy tracking).';
COMMENT ON COLUMN analytics.predictions.target IS 'Name of the predicted metric, e.g. daily_active_users.';
COMMENT ON COLUMN analytics.predictions.confidence IS 'Confidence level of the interval, 0..1.';
COMMENT ON COLUMN analytics.predictions.actual_value IS 'Observed value once known (NULL until then).';
CREATE INDEX predictions_target_time_idx ON analytics.predictions (dataset_id, target, predicted_for);
COMMENT ON INDEX analytics.predictions_target_time_idx IS
	'Forecast chart and foreign key support: WHERE dataset_id = $1 AND target = $2 AND predicted_for BETWEEN $3 AND $4.';
CREATE INDEX predictions_result_idx ON analytics.predictions (analysis_result_id) WHERE analysis_result_id IS NOT NULL;
COMMENT ON INDEX analytics.predictions_result_idx IS 'Predictions of one forecast job and foreign key support: WHERE analysis_result_id = $1.';
CREATE INDEX predictions_unscored_idx ON analytics.predictions (predicted_for) WHERE actual_value IS NULL;
COMMENT ON INDEX analytics.predictions_unscored_idx IS
	'Back-filling actuals: WHERE actual_value IS NULL AND predicted_for < now().';
CREATE INDEX predictions_metadata_gin ON analytics.predictions USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX analytics.predictions_metadata_gin IS 'Predictions by model run attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('analytics.predictions');

-- patterns -------------------------------------------------------------------
CREATE TABLE analytics.patterns (
	id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	dataset_id   uuid        NOT NULL REFERENCES analytics.datasets (id) ON DELETE CASCADE,
	pattern_type text        NOT NULL CHECK (pattern_type IN ('trend', 'seasonality', 'anomaly', 'correlation', 'cluster', 'outlier', 'change_point')),
	description  text        NOT NULL,
	strength     real        NOT NULL CHECK (strength >= 0 AND strength <= 1),
	period_start timestamptz,
	period_end   timestamptz,
	status       text        NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'dismissed')),
	details      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
	detected_at  timestamptz NOT NULL DEFAULT now(),
	metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT patterns_period_check CHECK (period_end >= period_start)
);
COMMENT ON TABLE analytics.patterns IS 'A pattern detected in a dataset (trend, anomaly, seasonality...) for a period.';
COMMENT ON COLUMN analytics.patterns.strength IS 'Strength or significance of the pattern, 0..1.';
COMMENT ON COLUMN analytics.patterns.details IS 'Detector output: affected columns, statistics, example rows.';
CREATE INDEX patterns_dataset_type_idx ON analytics.patterns (dataset_id, pattern_type, detected_at DESC);
COMMENT ON INDEX analytics.patterns_dataset_type_idx IS
	'Patterns of a dataset by kind, newest first, and foreign key support: WHERE dataset_id = $1 [AND pattern_type = $2] ORDER BY detected_at DESC.';
CREATE INDEX patterns_inbox_idx ON analytics.patterns (detected_at DESC) WHERE status = 'new';
COMMENT ON INDEX analytics.patterns_inbox_idx IS 'Alert inbox: WHERE status = ''new'' ORDER BY detected_at DESC.';
CREATE INDEX patterns_metadata_gin ON analytics.patterns USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX analytics.patterns_metadata_gin IS 'Patterns by detector attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('analytics.patterns');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('analytics_rw');
SELECT platform.ensure_role('analytics_ro');
GRANT USAGE ON SCHEMA analytics TO analytics_rw, analytics_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA analytics TO analytics_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO analytics_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO analytics_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO analytics_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT USAGE, SELECT ON SEQUENCES TO analytics_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON SEQUENCES TO analytics_ro;
GRANT USAGE ON SCHEMA platform TO analytics_rw, analytics_ro;
