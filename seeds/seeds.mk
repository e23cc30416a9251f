# seeds.mk - seed sets (installed to $(pkgdatadir)/seeds/<set>/ and shipped in
# the tarball). seeds/gen-demo.py regenerates seeds/demo deterministically; it
# is a development tool, shipped but not installed.
nobase_dist_pkgdata_DATA += \
	seeds/demo/analytics.analysis_results.ndjson \
	seeds/demo/analytics.datasets.csv \
	seeds/demo/analytics.patterns.ndjson \
	seeds/demo/analytics.predictions.ndjson \
	seeds/demo/analytics.visualizations.ndjson \
	seeds/demo/code_quality.analysis_reports.ndjson \
	seeds/demo/code_quality.metrics.ndjson \
	seeds/demo/code_quality.projects.ndjson \
	seeds/demo/code_quality.refactoring_suggestions.ndjson \
	seeds/demo/code_quality.vulnerabilities.ndjson \
	seeds/demo/documentation.api_specs.ndjson \
	seeds/demo/documentation.diagrams.ndjson \
	seeds/demo/documentation.documents.ndjson \
	seeds/demo/documentation.generated_content.ndjson \
	seeds/demo/documentation.projects.ndjson \
	seeds/demo/inference_enhancement.embeddings.ndjson \
	seeds/demo/inference_enhancement.entities.ndjson \
	seeds/demo/inference_enhancement.inference_requests.ndjson \
	seeds/demo/inference_enhancement.relations.ndjson \
	seeds/demo/memory_management.contexts.ndjson \
	seeds/demo/memory_management.memories.ndjson \
	seeds/demo/seed.json \
	seeds/demo/ui_testing.accessibility_reports.ndjson \
	seeds/demo/ui_testing.screenshots.ndjson \
	seeds/demo/ui_testing.test_runs.ndjson \
	seeds/demo/ui_testing.visual_comparisons.ndjson \
	seeds/demo/web_access.api_usage.csv \
	seeds/demo/web_access.http_cache.ndjson \
	seeds/demo/web_access.page_screenshots.ndjson \
	seeds/demo/web_access.search_history.ndjson
EXTRA_DIST += seeds/gen-demo.py seeds/README.md
