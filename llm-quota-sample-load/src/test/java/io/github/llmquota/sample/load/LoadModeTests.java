package io.github.llmquota.sample.load;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * A short load run against the simulator, with limits low enough that it saturates at
 * once: 3 summarisation workers against an answer time of 1 s offer 3 requests/s, 150 %
 * of the 120 requests/min that both the simulator and llm-quota are given, and chat adds
 * 1 call/s (50 %) on top. The burst horizon of 2 s lets the pool's buckets empty within
 * the first second. Rates are low so that the run measures queueing, not how busy the
 * machine is: background calls queue for seconds, chat calls only pay the round trips to
 * Redis. Critical calls (0.5/s), made in a call context without the annotation, are
 * admitted by the attempt governor alone. Assertions compare the classes with each other,
 * never with a fixed time.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.load.enabled=true", "sample.load.duration=10s", "sample.load.interactive-rps=1",
				"sample.load.critical-rps=0.5", "sample.load.background-concurrency=3", "sample.load.prompt-tokens=200",
				"sample.load.max-tokens=100", "sample.load.cache-hit-ratio=0.5", "sample.simulator.latency=1s",
				"sample.simulator.latency-jitter=0ms",
				"sample.simulator.models.claude-sonnet-4-5.requests-per-minute=120",
				"sample.simulator.models.claude-sonnet-4-5.input-tokens-per-minute=1000000",
				"sample.simulator.models.claude-sonnet-4-5.output-tokens-per-minute=1000000",
				"llm.quota.scopes.sample-org.requests-per-minute=1000000",
				"llm.quota.scopes.sample-org.input-tokens-per-minute=100000000",
				"llm.quota.scopes.sample-org.output-tokens-per-minute=100000000",
				"llm.quota.scopes.project-chat.input-tokens-per-minute=100000000",
				"llm.quota.pools.anthropic-sonnet.requests-per-minute=120",
				"llm.quota.pools.anthropic-sonnet.input-tokens-per-minute=1000000",
				"llm.quota.pools.anthropic-sonnet.output-tokens-per-minute=1000000",
				"llm.quota.pools.anthropic-sonnet.burst-horizon=2s" })
class LoadModeTests {

	@Autowired
	private LoadRunner runner;

	@Test
	void aSaturatingRunGetsNo429sAndKeepsInteractiveWaitsFarBelowBackgroundWaits() {
		LoadSummary summary = this.runner.summary();

		assertThat(summary.provider429s()).isZero();
		assertThat(summary.succeeded()).isPositive();
		assertThat(summary.requestsSent()).isEqualTo(summary.succeeded());
		// Every request the provider saw was admitted by the engine, and no more were
		// admitted.
		assertThat(summary.simulatorRequests()).isEqualTo(summary.requestsSent());
		assertThat(summary.admittedAttempts()).isEqualTo(summary.simulatorRequests());
		assertThat(summary.providerErrors()).isZero();
		assertThat(summary.rejected()).isEmpty();
		assertThat(summary.cancelledAtEnd()).isZero();
		assertThat(summary.calls().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(summary.succeeded());
		LoadSummary.Waits interactive = summary.acquireWaitMillis().get("INTERACTIVE");
		LoadSummary.Waits background = summary.acquireWaitMillis().get("BACKGROUND");
		LoadSummary.Waits critical = summary.acquireWaitMillis().get("CRITICAL");
		assertThat(interactive.count()).isPositive();
		assertThat(background.count()).isPositive();
		assertThat(critical.count()).isEqualTo(summary.calls().get("CRITICAL"));
		assertThat(critical.p99()).isLessThan(background.p99() / 4);
		// Saturated, background calls queue; chat calls go ahead of them and barely wait.
		assertThat(background.p50()).isGreaterThan(10 * interactive.p50());
		assertThat(interactive.p99()).isLessThan(background.p99() / 4);
	}

	@Test
	void theRunReportsWhatTheProviderCountedAndTheGoodput() {
		LoadSummary summary = this.runner.summary();

		assertThat(summary.calls()).containsOnlyKeys("BACKGROUND", "CRITICAL", "INTERACTIVE");
		assertThat(summary.servedByModel()).containsOnlyKeys("claude-sonnet-4-5");
		assertThat(summary.fallbacks()).isZero();
		// Half the calls reuse the cached system prompt: after the first write, they read
		// it.
		assertThat(summary.tokens().cacheReadInput()).isPositive();
		assertThat(summary.tokens().cacheCreationInput()).isPositive();
		assertThat(summary.tokens().output()).isPositive();
		assertThat(summary.goodputPools()).containsExactly("anthropic-sonnet");
		assertThat(summary.goodputPercent()).containsKeys("requests-per-minute", "input-tokens-per-minute",
				"output-tokens-per-minute");
		double expectedRequests = 100.0 * summary.succeeded() / (120 * summary.durationSeconds() / 60);
		assertThat(summary.goodputPercent().get("requests-per-minute")).isCloseTo(expectedRequests, offset(1.0));
	}

	@Test
	void printsExactlyOneSummaryLineOfJson(CapturedOutput output) throws Exception {
		List<String> lines = output.getOut()
			.lines()
			.filter((line) -> line.startsWith(LoadRunner.SUMMARY_PREFIX))
			.toList();

		assertThat(lines).hasSize(1);
		JsonNode json = new ObjectMapper().readTree(lines.get(0).substring(LoadRunner.SUMMARY_PREFIX.length()));
		assertThat(json.get("provider429s").asLong()).isEqualTo(this.runner.summary().provider429s());
		assertThat(json.get("succeeded").asLong()).isEqualTo(this.runner.summary().succeeded());
		assertThat(json.get("admittedAttempts").asLong()).isEqualTo(this.runner.summary().admittedAttempts());
		assertThat(json.get("simulatorRequests").asLong()).isEqualTo(this.runner.summary().simulatorRequests());
	}

}
