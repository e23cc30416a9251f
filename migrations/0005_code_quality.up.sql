-- 0005 code_quality: projects, analysis reports per commit and tool,
-- vulnerabilities, metric time series and refactoring suggestions.

CREATE SCHEMA code_quality;
COMMENT ON SCHEMA code_quality IS
	'Code quality service: projects, analysis reports, vulnerabilities, metrics, refactoring suggestions.';
REVOKE ALL ON SCHEMA code_quality FROM PUBLIC;

-- projects -------------------------------------------------------------------
CREATE TABLE code_quality.projects (
	id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	name             text        NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$'),
	repository_url   text        NOT NULL CHECK (repository_url ~ '^(https://|ssh://|git@)'),
	default_branch   text        NOT NULL DEFAULT 'main' CHECK (length(default_branch) BETWEEN 1 AND 255),
	primary_language text        CHECK (primary_language IN ('c', 'cpp', 'go', 'java', 'javascript', 'typescript', 'python', 'rust', 'ruby', 'php', 'csharp', 'kotlin', 'swift', 'shell', 'sql', 'other')),
	is_active        boolean     NOT NULL DEFAULT true,
	metadata         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE code_quality.projects IS
	'A source repository under analysis; deleting it deletes all its reports, findings, metrics and suggestions.';
COMMENT ON COLUMN code_quality.projects.name IS 'Project name as shown to users (often owner/repo), unique.';
COMMENT ON COLUMN code_quality.projects.repository_url IS 'Clone URL (https://, ssh:// or git@host:path); never contains credentials.';
COMMENT ON COLUMN code_quality.projects.is_active IS 'Inactive projects are kept for history but no longer analysed.';
COMMENT ON INDEX code_quality.projects_name_key IS 'Project lookup by name from webhooks and the API: WHERE name = $1.';
CREATE INDEX projects_metadata_gin ON code_quality.projects USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX code_quality.projects_metadata_gin IS 'Projects by team or tag: WHERE metadata @> ''{"team": "payments"}''.';
SELECT platform.attach_updated_at('code_quality.projects');

-- analysis_reports -----------------------------------------------------------
CREATE TABLE code_quality.analysis_reports (
	id            uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id    uuid         NOT NULL REFERENCES code_quality.projects (id) ON DELETE CASCADE,
	commit_sha    text         NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
	branch        text         NOT NULL CHECK (length(branch) BETWEEN 1 AND 255),
	tool          text         NOT NULL CHECK (tool IN ('eslint', 'semgrep', 'sonarqube', 'bandit', 'pylint', 'clang-tidy', 'cppcheck', 'trivy', 'codeql', 'gosec', 'custom')),
	tool_version  text,
	status        text         NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
	summary       jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(summary) = 'object'),
	quality_score numeric(5,2) CHECK (quality_score >= 0 AND quality_score <= 100),
	issues_count  integer      NOT NULL DEFAULT 0 CHECK (issues_count >= 0),
	started_at    timestamptz  NOT NULL DEFAULT now(),
	finished_at   timestamptz,
	metadata      jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at    timestamptz  NOT NULL DEFAULT now(),
	updated_at    timestamptz  NOT NULL DEFAULT now(),
	CONSTRAINT analysis_reports_commit_tool_key UNIQUE (project_id, commit_sha, tool),
	CONSTRAINT analysis_reports_id_project_key UNIQUE (id, project_id),
	CONSTRAINT analysis_reports_finished_check CHECK ((status = 'running') = (finished_at IS NULL) AND finished_at >= started_at)
);
COMMENT ON TABLE code_quality.analysis_reports IS 'One run of one analysis tool on one commit of a project.';
COMMENT ON COLUMN code_quality.analysis_reports.commit_sha IS 'Full 40-hex git commit that was analysed.';
COMMENT ON COLUMN code_quality.analysis_reports.summary IS
	'Tool summary, e.g. {"by_severity": {"critical": 0, "high": 2, ...}, "files_scanned": 412}.';
COMMENT ON COLUMN code_quality.analysis_reports.quality_score IS 'Overall score 0..100 when the tool gives one.';
COMMENT ON INDEX code_quality.analysis_reports_commit_tool_key IS
	'Idempotent ingestion (one report per project, commit and tool) and "reports for this commit": WHERE project_id = $1 AND commit_sha = $2.';
COMMENT ON INDEX code_quality.analysis_reports_id_project_key IS
	'Target of the composite foreign keys that keep a finding''s project_id equal to its report''s project_id.';
CREATE INDEX analysis_reports_project_time_idx ON code_quality.analysis_reports (project_id, branch, created_at DESC);
COMMENT ON INDEX code_quality.analysis_reports_project_time_idx IS
	'Latest reports of a project branch (dashboard, trend): WHERE project_id = $1 AND branch = $2 ORDER BY created_at DESC.';
CREATE INDEX analysis_reports_metadata_gin ON code_quality.analysis_reports USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX code_quality.analysis_reports_metadata_gin IS 'Reports by CI attributes: WHERE metadata @> ''{"pipeline_id": ...}''.';
SELECT platform.attach_updated_at('code_quality.analysis_reports');

-- vulnerabilities ------------------------------------------------------------
CREATE TABLE code_quality.vulnerabilities (
	id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	report_id   uuid        NOT NULL,
	project_id  uuid        NOT NULL REFERENCES code_quality.projects (id) ON DELETE CASCADE,
	cve_id      text        CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
	cwe_id      text        CHECK (cwe_id ~ '^CWE-[0-9]{1,5}$'),
	rule_id     text        NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 300),
	title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
	description text,
	severity    text        NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
	file_path   text        NOT NULL CHECK (file_path !~ '^/' AND length(file_path) BETWEEN 1 AND 4096),
	line        integer     CHECK (line > 0),
	end_line    integer,
	status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'triaged', 'fixed', 'ignored', 'false_positive')),
	fingerprint text        NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
	fixed_at    timestamptz,
	metadata    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT vulnerabilities_report_fkey FOREIGN KEY (report_id, project_id)
		REFERENCES code_quality.analysis_reports (id, project_id) ON DELETE CASCADE,
	CONSTRAINT vulnerabilities_lines_check CHECK (end_line >= line),
	CONSTRAINT vulnerabilities_fixed_check CHECK ((status = 'fixed') = (fixed_at IS NOT NULL)),
	CONSTRAINT vulnerabilities_report_fingerprint_key UNIQUE (report_id, fingerprint)
);
COMMENT ON TABLE code_quality.vulnerabilities IS
	'A security finding reported by an analysis; it goes with its report (CASCADE) and its project.';
COMMENT ON COLUMN code_quality.vulnerabilities.report_id IS
	'Report that found it; (report_id, project_id) references analysis_reports so the project always matches.';
COMMENT ON COLUMN code_quality.vulnerabilities.cve_id IS 'CVE identifier (CVE-YYYY-NNNN...) when the finding maps to one.';
COMMENT ON COLUMN code_quality.vulnerabilities.severity IS 'low, medium, high or critical.';
COMMENT ON COLUMN code_quality.vulnerabilities.file_path IS 'Path relative to the repository root.';
COMMENT ON COLUMN code_quality.vulnerabilities.line IS 'First line (1-based) of the finding, when it has one.';
COMMENT ON COLUMN code_quality.vulnerabilities.fingerprint IS
	'SHA-256 (hex) of rule, file and normalised code: the same finding across commits has the same fingerprint.';
COMMENT ON INDEX code_quality.vulnerabilities_report_fingerprint_key IS
	'Findings of a report, foreign key support, and idempotent ingestion: WHERE report_id = $1 [AND fingerprint = $2].';
CREATE INDEX vulnerabilities_open_idx ON code_quality.vulnerabilities (project_id, severity, created_at DESC)
	WHERE status IN ('open', 'triaged');
COMMENT ON INDEX code_quality.vulnerabilities_open_idx IS
	'Security dashboard, open findings of a project by severity: WHERE project_id = $1 AND status IN (''open'', ''triaged'') [AND severity = $2].';
CREATE INDEX vulnerabilities_project_fingerprint_idx ON code_quality.vulnerabilities (project_id, fingerprint);
COMMENT ON INDEX code_quality.vulnerabilities_project_fingerprint_idx IS
	'History of one finding across reports (first seen, fixed) and foreign key support: WHERE project_id = $1 AND fingerprint = $2.';
CREATE INDEX vulnerabilities_cve_idx ON code_quality.vulnerabilities (cve_id) WHERE cve_id IS NOT NULL;
COMMENT ON INDEX code_quality.vulnerabilities_cve_idx IS 'Advisory response, which projects are affected: WHERE cve_id = $1.';
CREATE INDEX vulnerabilities_metadata_gin ON code_quality.vulnerabilities USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX code_quality.vulnerabilities_metadata_gin IS 'Findings by scanner attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('code_quality.vulnerabilities');

-- metrics --------------------------------------------------------------------
CREATE TABLE code_quality.metrics (
	id          uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id  uuid             NOT NULL REFERENCES code_quality.projects (id) ON DELETE CASCADE,
	report_id   uuid             REFERENCES code_quality.analysis_reports (id) ON DELETE SET NULL,
	commit_sha  text             CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
	metric_name text             NOT NULL CHECK (metric_name IN ('coverage', 'complexity', 'duplication', 'maintainability', 'lines_of_code', 'technical_debt_minutes', 'test_count', 'lint_warnings')),
	value       double precision NOT NULL CHECK (value >= 0),
	unit        text             NOT NULL CHECK (unit IN ('percent', 'count', 'minutes', 'lines', 'score')),
	measured_at timestamptz      NOT NULL DEFAULT now(),
	metadata    jsonb            NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at  timestamptz      NOT NULL DEFAULT now(),
	updated_at  timestamptz      NOT NULL DEFAULT now(),
	CONSTRAINT metrics_percent_check CHECK (unit <> 'percent' OR value <= 100)
);
COMMENT ON TABLE code_quality.metrics IS
	'Time series of code metrics per project; a metric outlives the purge of the report that measured it (SET NULL).';
COMMENT ON COLUMN code_quality.metrics.value IS 'Measured value in unit (percent values are 0..100).';
CREATE INDEX metrics_series_idx ON code_quality.metrics (project_id, metric_name, measured_at DESC);
COMMENT ON INDEX code_quality.metrics_series_idx IS
	'Metric chart and latest value, and foreign key support: WHERE project_id = $1 AND metric_name = $2 ORDER BY measured_at DESC.';
CREATE INDEX metrics_report_idx ON code_quality.metrics (report_id) WHERE report_id IS NOT NULL;
COMMENT ON INDEX code_quality.metrics_report_idx IS 'Metrics of a report and foreign key support (SET NULL): WHERE report_id = $1.';
CREATE INDEX metrics_metadata_gin ON code_quality.metrics USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX code_quality.metrics_metadata_gin IS 'Metrics by measurement attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('code_quality.metrics');

-- refactoring_suggestions ----------------------------------------------------
CREATE TABLE code_quality.refactoring_suggestions (
	id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id      uuid        NOT NULL REFERENCES code_quality.projects (id) ON DELETE CASCADE,
	report_id       uuid        REFERENCES code_quality.analysis_reports (id) ON DELETE SET NULL,
	file_path       text        NOT NULL CHECK (file_path !~ '^/' AND length(file_path) BETWEEN 1 AND 4096),
	line_start      integer     NOT NULL CHECK (line_start > 0),
	line_end        integer     NOT NULL,
	category        text        NOT NULL CHECK (category IN ('extract_function', 'rename', 'remove_duplication', 'simplify_conditional', 'reduce_complexity', 'dead_code', 'performance', 'other')),
	title           text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	description     text        NOT NULL,
	suggested_patch text,
	priority        text        NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
	effort_minutes  integer     CHECK (effort_minutes >= 0),
	confidence      real        NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
	status          text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected', 'applied')),
	metadata        jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT refactoring_suggestions_lines_check CHECK (line_end >= line_start)
);
COMMENT ON TABLE code_quality.refactoring_suggestions IS 'A proposed refactoring of a code region, with an optional unified-diff patch.';
COMMENT ON COLUMN code_quality.refactoring_suggestions.suggested_patch IS 'Unified diff that implements the suggestion, if generated.';
COMMENT ON COLUMN code_quality.refactoring_suggestions.confidence IS 'Generator confidence, 0..1.';
CREATE INDEX refactoring_suggestions_backlog_idx ON code_quality.refactoring_suggestions (project_id, status, priority);
COMMENT ON INDEX code_quality.refactoring_suggestions_backlog_idx IS
	'Refactoring backlog of a project and foreign key support: WHERE project_id = $1 AND status = ''proposed'' ORDER BY priority.';
CREATE INDEX refactoring_suggestions_report_idx ON code_quality.refactoring_suggestions (report_id) WHERE report_id IS NOT NULL;
COMMENT ON INDEX code_quality.refactoring_suggestions_report_idx IS 'Suggestions of a report and foreign key support (SET NULL): WHERE report_id = $1.';
CREATE INDEX refactoring_suggestions_metadata_gin ON code_quality.refactoring_suggestions USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX code_quality.refactoring_suggestions_metadata_gin IS 'Suggestions by generator attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('code_quality.refactoring_suggestions');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('code_quality_rw');
SELECT platform.ensure_role('code_quality_ro');
GRANT USAGE ON SCHEMA code_quality TO code_quality_rw, code_quality_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA code_quality TO code_quality_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA code_quality TO code_quality_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO code_quality_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality GRANT SELECT ON TABLES TO code_quality_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality GRANT USAGE, SELECT ON SEQUENCES TO code_quality_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA code_quality GRANT SELECT ON SEQUENCES TO code_quality_ro;
GRANT USAGE ON SCHEMA platform TO code_quality_rw, code_quality_ro;
