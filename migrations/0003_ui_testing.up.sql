-- 0003 ui_testing: test runs, their screenshots, visual comparisons between a
-- baseline and a candidate screenshot, and accessibility reports.

CREATE SCHEMA ui_testing;
COMMENT ON SCHEMA ui_testing IS
	'UI testing service: test runs, screenshots, visual regression comparisons, accessibility reports.';
REVOKE ALL ON SCHEMA ui_testing FROM PUBLIC;

-- test_runs ------------------------------------------------------------------
CREATE TABLE ui_testing.test_runs (
	id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	suite           text        NOT NULL CHECK (length(suite) BETWEEN 1 AND 200),
	branch          text        NOT NULL DEFAULT 'main' CHECK (length(branch) BETWEEN 1 AND 255),
	commit_sha      text        CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
	environment     text        NOT NULL DEFAULT 'ci' CHECK (environment IN ('local', 'ci', 'staging', 'production')),
	browser         text        NOT NULL CHECK (browser IN ('chromium', 'firefox', 'webkit')),
	viewport_width  integer     NOT NULL CHECK (viewport_width BETWEEN 200 AND 8192),
	viewport_height integer     NOT NULL CHECK (viewport_height BETWEEN 200 AND 8192),
	status          text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'passed', 'failed', 'errored', 'cancelled')),
	total_tests     integer     NOT NULL DEFAULT 0 CHECK (total_tests >= 0),
	failed_tests    integer     NOT NULL DEFAULT 0 CHECK (failed_tests >= 0),
	started_at      timestamptz,
	finished_at     timestamptz,
	metadata        jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT test_runs_failed_le_total CHECK (failed_tests <= total_tests),
	CONSTRAINT test_runs_finished_after_start CHECK (finished_at >= started_at),
	CONSTRAINT test_runs_finished_when_done CHECK (
		(status IN ('queued', 'running')) = (finished_at IS NULL))
);
COMMENT ON TABLE ui_testing.test_runs IS
	'One execution of a UI test suite on one browser and viewport; deleting a run deletes its screenshots and reports.';
COMMENT ON COLUMN ui_testing.test_runs.suite IS 'Test suite name, e.g. checkout-flow.';
COMMENT ON COLUMN ui_testing.test_runs.commit_sha IS 'Full 40-hex git commit under test, when known.';
COMMENT ON COLUMN ui_testing.test_runs.status IS 'queued/running until finished_at is set; then passed, failed, errored or cancelled.';
CREATE INDEX test_runs_suite_time_idx ON ui_testing.test_runs (suite, branch, created_at DESC);
COMMENT ON INDEX ui_testing.test_runs_suite_time_idx IS
	'Latest runs of a suite on a branch (history page, "last green run"): WHERE suite = $1 AND branch = $2 ORDER BY created_at DESC.';
CREATE INDEX test_runs_active_idx ON ui_testing.test_runs (created_at) WHERE status IN ('queued', 'running');
COMMENT ON INDEX ui_testing.test_runs_active_idx IS
	'Scheduler and stuck-run detection: WHERE status IN (''queued'', ''running'') ORDER BY created_at.';
CREATE INDEX test_runs_metadata_gin ON ui_testing.test_runs USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX ui_testing.test_runs_metadata_gin IS 'Runs by CI attributes: WHERE metadata @> ''{"pipeline_id": ...}''.';
SELECT platform.attach_updated_at('ui_testing.test_runs');

-- screenshots ----------------------------------------------------------------
CREATE TABLE ui_testing.screenshots (
	id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	test_run_id uuid        NOT NULL REFERENCES ui_testing.test_runs (id) ON DELETE CASCADE,
	name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
	page_url    text        CHECK (page_url ~ '^https?://'),
	storage_key text        NOT NULL UNIQUE CHECK (length(storage_key) BETWEEN 1 AND 1024),
	sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size_bytes  bigint      NOT NULL CHECK (size_bytes > 0),
	mime_type   text        NOT NULL DEFAULT 'image/png' CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/webp')),
	width       integer     NOT NULL CHECK (width > 0),
	height      integer     NOT NULL CHECK (height > 0),
	captured_at timestamptz NOT NULL DEFAULT now(),
	metadata    jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT screenshots_run_name_key UNIQUE (test_run_id, name)
);
COMMENT ON TABLE ui_testing.screenshots IS
	'Screenshot taken during a test run; the image itself is in object storage under storage_key.';
COMMENT ON COLUMN ui_testing.screenshots.name IS 'Step/checkpoint name, unique within the run (e.g. cart/after-add).';
COMMENT ON COLUMN ui_testing.screenshots.storage_key IS 'Object storage key of the image, unique.';
COMMENT ON COLUMN ui_testing.screenshots.sha256 IS 'SHA-256 (lowercase hex) of the image bytes.';
COMMENT ON COLUMN ui_testing.screenshots.size_bytes IS 'Size of the image in bytes.';
COMMENT ON INDEX ui_testing.screenshots_run_name_key IS
	'Screenshots of a run, and the checkpoint lookup when comparing runs: WHERE test_run_id = $1 [AND name = $2]; foreign key support.';
COMMENT ON INDEX ui_testing.screenshots_storage_key_key IS
	'Object-store reconciliation: WHERE storage_key = $1 (orphan detection, one row per stored object).';
CREATE INDEX screenshots_sha256_idx ON ui_testing.screenshots (sha256);
COMMENT ON INDEX ui_testing.screenshots_sha256_idx IS
	'Pixel-identical shortcut before diffing: WHERE sha256 = $1 (same hash means no visual change).';
CREATE INDEX screenshots_metadata_gin ON ui_testing.screenshots USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX ui_testing.screenshots_metadata_gin IS 'Screenshots by capture attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('ui_testing.screenshots');

-- visual_comparisons ---------------------------------------------------------
CREATE TABLE ui_testing.visual_comparisons (
	id                      uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
	baseline_screenshot_id  uuid        NOT NULL REFERENCES ui_testing.screenshots (id) ON DELETE RESTRICT,
	candidate_screenshot_id uuid        NOT NULL REFERENCES ui_testing.screenshots (id) ON DELETE CASCADE,
	diff_ratio              real        NOT NULL CHECK (diff_ratio >= 0 AND diff_ratio <= 1),
	diff_pixels             bigint      NOT NULL DEFAULT 0 CHECK (diff_pixels >= 0),
	threshold               real        NOT NULL DEFAULT 0.001 CHECK (threshold >= 0 AND threshold <= 1),
	verdict                 text        NOT NULL CHECK (verdict IN ('pass', 'fail', 'needs_review', 'approved', 'rejected')),
	diff_storage_key        text        CHECK (length(diff_storage_key) BETWEEN 1 AND 1024),
	reviewed_by             text,
	reviewed_at             timestamptz,
	metadata                jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at              timestamptz NOT NULL DEFAULT now(),
	updated_at              timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT visual_comparisons_distinct CHECK (baseline_screenshot_id <> candidate_screenshot_id),
	CONSTRAINT visual_comparisons_pair_key UNIQUE (candidate_screenshot_id, baseline_screenshot_id),
	CONSTRAINT visual_comparisons_review_check CHECK (
		(verdict IN ('approved', 'rejected')) = (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL))
);
COMMENT ON TABLE ui_testing.visual_comparisons IS
	'Visual regression result of a candidate screenshot against a baseline. A baseline still referenced here cannot be deleted (RESTRICT): promote a new baseline first; deleting the candidate deletes the comparison.';
COMMENT ON COLUMN ui_testing.visual_comparisons.diff_ratio IS 'Fraction of differing pixels, 0..1.';
COMMENT ON COLUMN ui_testing.visual_comparisons.threshold IS 'Largest diff_ratio that still passes, 0..1.';
COMMENT ON COLUMN ui_testing.visual_comparisons.verdict IS
	'pass/fail from the threshold, needs_review when flaky; approved/rejected after a human review (reviewed_by/at set).';
COMMENT ON INDEX ui_testing.visual_comparisons_pair_key IS
	'Comparisons of a candidate (run report) and foreign key support: WHERE candidate_screenshot_id = $1; one comparison per pair.';
CREATE INDEX visual_comparisons_baseline_idx ON ui_testing.visual_comparisons (baseline_screenshot_id);
COMMENT ON INDEX ui_testing.visual_comparisons_baseline_idx IS
	'Foreign key support (RESTRICT check when a screenshot is deleted) and "where is this baseline used".';
CREATE INDEX visual_comparisons_review_queue_idx ON ui_testing.visual_comparisons (created_at)
	WHERE verdict IN ('fail', 'needs_review');
COMMENT ON INDEX ui_testing.visual_comparisons_review_queue_idx IS
	'Review queue: WHERE verdict IN (''fail'', ''needs_review'') ORDER BY created_at.';
CREATE INDEX visual_comparisons_metadata_gin ON ui_testing.visual_comparisons USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX ui_testing.visual_comparisons_metadata_gin IS 'Comparisons by diff-engine attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('ui_testing.visual_comparisons');

-- accessibility_reports ------------------------------------------------------
CREATE TABLE ui_testing.accessibility_reports (
	id              uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
	test_run_id     uuid         NOT NULL REFERENCES ui_testing.test_runs (id) ON DELETE CASCADE,
	page_url        text         NOT NULL CHECK (page_url ~ '^https?://'),
	standard        text         NOT NULL CHECK (standard IN ('WCAG2.0-A', 'WCAG2.0-AA', 'WCAG2.1-A', 'WCAG2.1-AA', 'WCAG2.1-AAA', 'WCAG2.2-AA', 'Section508')),
	tool            text         NOT NULL CHECK (tool IN ('axe-core', 'pa11y', 'lighthouse')),
	tool_version    text,
	violations      jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(violations) = 'array'),
	violation_count integer      NOT NULL DEFAULT 0 CHECK (violation_count >= 0),
	score           numeric(5,2) NOT NULL CHECK (score >= 0 AND score <= 100),
	metadata        jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
	created_at      timestamptz  NOT NULL DEFAULT now(),
	updated_at      timestamptz  NOT NULL DEFAULT now(),
	CONSTRAINT accessibility_reports_count_check CHECK (violation_count = jsonb_array_length(violations))
);
COMMENT ON TABLE ui_testing.accessibility_reports IS 'Accessibility audit of one page during a test run against one standard.';
COMMENT ON COLUMN ui_testing.accessibility_reports.violations IS
	'Array of violations as reported by the tool: [{"id": rule, "impact": minor|moderate|serious|critical, "nodes": n, "help": text}].';
COMMENT ON COLUMN ui_testing.accessibility_reports.violation_count IS 'Number of elements in violations (kept equal by a CHECK).';
COMMENT ON COLUMN ui_testing.accessibility_reports.score IS 'Tool score, 0..100 (100 = no violations).';
CREATE INDEX accessibility_reports_run_idx ON ui_testing.accessibility_reports (test_run_id);
COMMENT ON INDEX ui_testing.accessibility_reports_run_idx IS 'Reports of a run and foreign key support: WHERE test_run_id = $1.';
CREATE INDEX accessibility_reports_page_time_idx ON ui_testing.accessibility_reports (page_url, standard, created_at DESC);
COMMENT ON INDEX ui_testing.accessibility_reports_page_time_idx IS
	'Score trend of a page: WHERE page_url = $1 AND standard = $2 ORDER BY created_at DESC.';
CREATE INDEX accessibility_reports_violations_gin ON ui_testing.accessibility_reports USING gin (violations jsonb_path_ops);
COMMENT ON INDEX ui_testing.accessibility_reports_violations_gin IS
	'Pages failing a given rule: WHERE violations @> ''[{"id": "color-contrast"}]''.';
CREATE INDEX accessibility_reports_metadata_gin ON ui_testing.accessibility_reports USING gin (metadata jsonb_path_ops);
COMMENT ON INDEX ui_testing.accessibility_reports_metadata_gin IS 'Reports by audit attributes: WHERE metadata @> $1.';
SELECT platform.attach_updated_at('ui_testing.accessibility_reports');

-- privileges -----------------------------------------------------------------
SELECT platform.ensure_role('ui_testing_rw');
SELECT platform.ensure_role('ui_testing_ro');
GRANT USAGE ON SCHEMA ui_testing TO ui_testing_rw, ui_testing_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ui_testing TO ui_testing_rw;
GRANT SELECT ON ALL TABLES IN SCHEMA ui_testing TO ui_testing_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ui_testing_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing GRANT SELECT ON TABLES TO ui_testing_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing GRANT USAGE, SELECT ON SEQUENCES TO ui_testing_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA ui_testing GRANT SELECT ON SEQUENCES TO ui_testing_ro;
GRANT USAGE ON SCHEMA platform TO ui_testing_rw, ui_testing_ro;
