package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short load run whose deferrable background work arrives open loop, at a fixed rate
 * whatever happens to earlier calls: three arrivals a second against a pool of 60
 * requests/min, so the queue forms at once and background work keeps arriving under
 * pressure, where the batch valve sends it to the simulator's Message Batches. Arrivals
 * are not slowed by the pressure, as closed-loop workers are: every arrival is counted,
 * and the provider still sees exactly what the engines admitted, with no 429.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.load.enabled=true", "sample.load.duration=6s", "sample.load.interactive-rps=1",
				"sample.load.background-concurrency=0", "sample.load.background-rps=3",
				"sample.load.background-deferrable=true", "sample.load.prompt-tokens=200", "sample.load.max-tokens=100",
				"sample.simulator.latency=500ms", "sample.simulator.latency-jitter=0ms",
				"sample.simulator.batch-completion-delay=300ms",
				"sample.simulator.models.claude-sonnet-4-5.requests-per-minute=60",
				"sample.simulator.models.claude-sonnet-4-5.input-tokens-per-minute=1000000",
				"sample.simulator.models.claude-sonnet-4-5.output-tokens-per-minute=1000000",
				"llm.quota.scopes.sample-org.requests-per-minute=1000000",
				"llm.quota.scopes.sample-org.input-tokens-per-minute=100000000",
				"llm.quota.scopes.sample-org.output-tokens-per-minute=100000000",
				"llm.quota.scopes.project-chat.input-tokens-per-minute=100000000",
				"llm.quota.pools.anthropic-sonnet.requests-per-minute=60",
				"llm.quota.pools.anthropic-sonnet.input-tokens-per-minute=1000000",
				"llm.quota.pools.anthropic-sonnet.output-tokens-per-minute=1000000",
				"llm.quota.pools.anthropic-sonnet.burst-horizon=2s", "llm.quota.pressure.max-queue-drain=0s",
				"llm.quota.batch.enabled=true", "llm.quota.batch.max-batch-age=0s", "llm.quota.batch.first-poll=100ms",
				"llm.quota.batch.max-poll=200ms", "llm.quota.batch.interval=100ms" })
class OpenLoopDeferrableLoadModeTests {

	@Autowired
	private LoadRunner runner;

	@Test
	void openLoopBackgroundWorkKeepsArrivingUnderPressureAndGoesToMessageBatches() {
		LoadSummary summary = this.runner.summary();

		// Three a second for six seconds, the first at once: a rate, not a pace set by
		// answers (a generous floor for a loaded machine's ticker).
		assertThat(summary.calls().get("BACKGROUND")).isGreaterThanOrEqualTo(10);
		assertThat(summary.deferred()).isPositive();
		assertThat(summary.provider429s()).isZero();
		assertThat(summary.admittedAttempts()).isEqualTo(summary.simulatorRequests());
	}

}
