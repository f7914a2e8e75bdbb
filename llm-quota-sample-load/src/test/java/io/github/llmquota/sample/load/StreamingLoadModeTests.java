package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short load run of streamed calls only, each streamed over one second by the
 * simulator: llm-quota admits every stream the simulator sees, none is refused, and the
 * fleet's view of the output in flight is sampled against the simulator's.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.load.enabled=true", "sample.load.duration=4s", "sample.load.interactive-rps=0",
				"sample.load.background-concurrency=0", "sample.load.stream-rps=4",
				"sample.load.stream-sample-interval=100ms", "sample.load.prompt-tokens=200",
				"sample.load.max-tokens=300", "sample.simulator.latency=1s", "sample.simulator.latency-jitter=0ms",
				"llm.quota.streaming.charge-every-tokens=20", "llm.quota.streaming.charge-interval=100ms" })
class StreamingLoadModeTests {

	@Autowired
	private LoadRunner runner;

	@Autowired
	private StreamingLoad streams;

	@Test
	void streamsAreAdmittedSentAndTheirOutputIsSeenWhileTheyRun() {
		LoadSummary summary = this.runner.summary();

		assertThat(summary.requestsSent()).isPositive();
		assertThat(summary.provider429s()).isZero();
		assertThat(summary.admittedAttempts()).isEqualTo(summary.simulatorRequests());
		StreamAccuracy accuracy = this.streams.accuracy();
		assertThat(accuracy.samples()).isPositive();
		assertThat(accuracy.meanInFlightPercent()).isPositive();
	}

}
