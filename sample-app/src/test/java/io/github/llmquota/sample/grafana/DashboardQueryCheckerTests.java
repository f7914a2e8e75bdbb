package io.github.llmquota.sample.grafana;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checker behind {@link GrafanaDashboardTests}, on a small scrape: it passes what the
 * scrape has and reports a misspelt series, a missing suffix and unknown labels, so that
 * the dashboard test would fail on any of them.
 */
class DashboardQueryCheckerTests {

	private static final String SCRAPE = """
			# HELP llm_quota_utilisation Units consumed
			# TYPE llm_quota_utilisation gauge
			llm_quota_utilisation{dimension="requests-per-minute",pool="anthropic-sonnet"} 0.04
			llm_quota_acquire_wait_seconds_bucket{outcome="admitted",pool="anthropic-sonnet",priority="INTERACTIVE",le="0.001"} 3.0
			llm_quota_acquire_wait_seconds_count{outcome="admitted",pool="anthropic-sonnet",priority="INTERACTIVE"} 3.0
			llm_quota_rejections_total{model="claude-sonnet-4-5",pool="anthropic-sonnet",priority="INTERACTIVE",reason="deadline"} 1.0
			llm_quota_degraded{fail_mode="local"} 0.0
			odd_labels{message="a, b} \\"c\\"",pool="x"} 1
			""";

	private final DashboardQueryChecker checker = new DashboardQueryChecker(SCRAPE);

	@Test
	void queriesThatNameOnlyWhatTheScrapeHasPass() {
		assertThat(this.checker.problems(List.of("max by (pool, dimension) (llm_quota_utilisation{pool=~\"$pool\"})",
				"histogram_quantile(0.99, sum by (le, pool, priority) (rate(llm_quota_acquire_wait_seconds_bucket{pool=~\"$pool\", outcome=\"admitted\"}[$__rate_interval])))",
				"sum(rate(llm_quota_rejections_total[5m])) by (reason) / ignoring (reason) group_left sum(rate(llm_quota_acquire_wait_seconds_count[1h] offset 1d))",
				"sum by (fail_mode) (llm_quota_degraded) > bool 0.5", "label_values(llm_quota_utilisation, pool)",
				"odd_labels{message!~\"x\"}")))
			.isEmpty();
	}

	@Test
	void aMisspeltSeriesIsReported() {
		assertThat(this.checker.problems("max by (pool) (llm_quota_utilization{pool=~\"$pool\"})"))
			.containsExactly("`max by (pool) (llm_quota_utilization{pool=~\"$pool\"})` names series "
					+ "`llm_quota_utilization`, which the scrape does not have");
	}

	@Test
	void aSuffixTheScrapeDoesNotHaveIsReported() {
		assertThat(this.checker.problems("rate(llm_quota_acquire_wait_seconds_sum[5m])")).singleElement()
			.asString()
			.contains("`llm_quota_acquire_wait_seconds_sum`");
		assertThat(this.checker.problems("rate(llm_quota_rejections[5m])")).singleElement()
			.asString()
			.contains("`llm_quota_rejections`");
	}

	@Test
	void anUnknownMatcherLabelIsReported() {
		assertThat(this.checker.problems("llm_quota_utilisation{pools=\"a\", dimension=\"b\"}")).singleElement()
			.asString()
			.contains("matches label `pools`");
	}

	@Test
	void anUnknownGroupingLabelIsReported() {
		assertThat(this.checker.problems("sum by (pool, fail_mode) (llm_quota_utilisation)")).singleElement()
			.asString()
			.contains("groups by label `fail_mode`");
		assertThat(this.checker.problems("label_values(llm_quota_utilisation, model)")).singleElement()
			.asString()
			.contains("groups by label `model`");
	}

	@Test
	void aLegendLabelTheQueryDropsIsReported() throws Exception {
		JsonNode dashboard = new ObjectMapper().readTree(
				"""
						{"panels": [{"type": "row", "panels": [{"targets": [
						  {"expr": "sum by (pool) (llm_quota_utilisation)", "legendFormat": "{{pool}} {{dimension}}"},
						  {"expr": "llm_quota_utilisation", "legendFormat": "{{ pool }} {{dimension}}"}]}]}],
						 "templating": {"list": [{"type": "query", "query": {"query": "label_values(llm_quota_degraded, fail_mode)"}}]}}
						""");

		assertThat(DashboardQueryChecker.queries(dashboard)).containsExactly("sum by (pool) (llm_quota_utilisation)",
				"llm_quota_utilisation", "label_values(llm_quota_degraded, fail_mode)");
		assertThat(this.checker.legendProblems(dashboard)).singleElement()
			.asString()
			.contains("shows label `dimension`");
	}

}
