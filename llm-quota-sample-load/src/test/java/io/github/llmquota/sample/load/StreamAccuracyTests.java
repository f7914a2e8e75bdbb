package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Comparing the fleet's view of the output in flight with the provider's.
 */
class StreamAccuracyTests {

	private static final Duration INTERVAL = Duration.ofMillis(250);

	@Test
	void aViewThatFollowsOneSampleLateHasItsLagFoundAndNoErrorOnceShifted() {
		List<Long> provider = List.of(0L, 100L, 200L, 300L, 400L, 500L, 600L, 700L, 0L, 0L);
		List<Long> fleet = List.of(0L, 0L, 100L, 200L, 300L, 400L, 500L, 600L, 700L, 0L);

		StreamAccuracy accuracy = StreamAccuracy.of(fleet, provider, 10_000, INTERVAL);

		assertThat(accuracy.samples()).isEqualTo(8);
		assertThat(accuracy.medianErrorPercent()).isEqualTo(1.0);
		assertThat(accuracy.maxErrorPercent()).isEqualTo(7.0);
		assertThat(accuracy.lagMillis()).isEqualTo(250);
		assertThat(accuracy.laggedMedianErrorPercent()).isZero();
		assertThat(accuracy.meanInFlightPercent()).isEqualTo(2.8);
	}

	@Test
	void samplesWithoutAStreamInFlightAreLeftOut() {
		StreamAccuracy accuracy = StreamAccuracy.of(List.of(0L, 0L), List.of(0L, 0L), 10_000, INTERVAL);

		assertThat(accuracy.samples()).isZero();
		assertThat(accuracy.p95ErrorPercent()).isZero();
	}

}
