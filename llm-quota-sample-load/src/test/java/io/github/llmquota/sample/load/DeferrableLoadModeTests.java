package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import io.github.llmquota.batch.BatchValve;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short load run whose background summaries are deferrable, with the batch valve on:
 * three workers offer three times the 60 requests/min of the pool, the queue forms at
 * once, and with a pressure bound of zero every background call made under pressure goes
 * to the simulator's Message Batches instead of waiting. Batch traffic never reaches the
 * Messages buckets: the provider still sees exactly what the engines admitted, and no
 * 429.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.load.enabled=true", "sample.load.duration=6s", "sample.load.interactive-rps=1",
				"sample.load.background-concurrency=3", "sample.load.background-deferrable=true",
				"sample.load.prompt-tokens=200", "sample.load.max-tokens=100", "sample.simulator.latency=500ms",
				"sample.simulator.latency-jitter=0ms", "sample.simulator.batch-completion-delay=300ms",
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
class DeferrableLoadModeTests {

	@Autowired
	private LoadRunner runner;

	@Autowired
	private BatchValve valve;

	@Test
	void backgroundWorkUnderPressureGoesToMessageBatchesAndTheMessagesBucketsStayExact() {
		LoadSummary summary = this.runner.summary();

		assertThat(summary.deferred()).isPositive();
		assertThat(this.valve.ledger().pending("claude-sonnet-4-5") + this.valve.ledger().pending("anthropic-sonnet"))
			.isZero();
		assertThat(summary.provider429s()).isZero();
		assertThat(summary.simulatorRequests()).isEqualTo(summary.requestsSent());
		assertThat(summary.admittedAttempts()).isEqualTo(summary.simulatorRequests());
	}

}
