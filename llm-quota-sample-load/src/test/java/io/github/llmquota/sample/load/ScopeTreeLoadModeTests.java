package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short load run with the sample's organisation and projects in force (none of their
 * limits lifted): chat calls on Sonnet (project-chat) and assist calls on Haiku
 * (project-assist), so that both projects of the organisation carry load and the summary
 * gives the per-project split.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.load.enabled=true", "sample.load.duration=6s", "sample.load.interactive-rps=1",
				"sample.load.assist-rps=1", "sample.load.critical-rps=0", "sample.load.background-concurrency=0",
				"sample.load.prompt-tokens=200", "sample.load.max-tokens=100", "sample.simulator.latency=200ms",
				"sample.simulator.latency-jitter=0ms" })
class ScopeTreeLoadModeTests {

	@Autowired
	private LoadRunner runner;

	@Test
	void bothProjectsCarryLoadAndTheSummarySplitsTheOrganisationsTokensBetweenThem() {
		LoadSummary summary = this.runner.summary();

		assertThat(summary.provider429s()).isZero();
		assertThat(summary.servedByModel()).containsOnlyKeys("claude-sonnet-4-5", "claude-haiku-4-5");
		assertThat(summary.scopeTokens()).containsOnlyKeys("sample-org", "project-chat", "project-assist");
		assertThat(summary.scopeTokens().get("project-chat")).isPositive();
		assertThat(summary.scopeTokens().get("project-assist")).isPositive();
		assertThat(summary.scopeTokens().get("sample-org"))
			.isEqualTo(summary.scopeTokens().get("project-chat") + summary.scopeTokens().get("project-assist"));
	}

}
