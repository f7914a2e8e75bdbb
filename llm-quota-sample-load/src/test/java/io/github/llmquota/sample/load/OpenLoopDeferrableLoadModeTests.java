package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deferrable load run with background work that arrives open loop, at a fixed rate
 * whatever happens to earlier calls: three arrivals a second against a pool of 60
 * requests/min, so background work keeps arriving under pressure, where the batch valve
 * sends it to the simulator's Message Batches. Arrivals are not slowed by the pressure,
 * as closed-loop workers are: every arrival is counted, and the provider still sees
 * exactly what the engines admitted, with no 429.
 */
@TestPropertySource(properties = { "sample.load.background-concurrency=0", "sample.load.background-rps=3" })
class OpenLoopDeferrableLoadModeTests extends AbstractDeferrableLoadModeTests {

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
