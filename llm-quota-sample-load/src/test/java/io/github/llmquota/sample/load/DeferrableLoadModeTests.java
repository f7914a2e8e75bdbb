package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import io.github.llmquota.batch.BatchValve;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deferrable load run with three closed-loop workers, which offer three times the 60
 * requests/min of the pool. Batch traffic never reaches the Messages buckets: the
 * provider still sees exactly what the engines admitted, and no 429.
 */
@TestPropertySource(properties = "sample.load.background-concurrency=3")
class DeferrableLoadModeTests extends AbstractDeferrableLoadModeTests {

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
