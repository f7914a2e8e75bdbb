package io.github.llmquota.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link PoolPressure}: what counts as pressure, read from one pool state.
 */
class PoolPressureTests {

	private static final Duration BOUND = Duration.ofSeconds(5);

	@Test
	void poolUsingItsWholePlannedLimitWithNobodyWaitingIsNotUnderPressure() {
		PoolPressure pressure = PoolPressure.of(state(0, null, 1.0, Duration.ZERO, 0, 0), BOUND);

		assertThat(pressure.isUnderPressure()).isFalse();
		assertThat(pressure.queueDrain()).isZero();
	}

	@Test
	void queueDrainsAtThePlannedRequestRate() {
		// 600 requests/min planned: one every 100 ms behind a head due in 1 s.
		PoolPressure pressure = PoolPressure.of(state(41, Duration.ofSeconds(1), 1.0, Duration.ZERO, 0, 0), BOUND);

		assertThat(pressure.queueDrain()).isEqualTo(Duration.ofSeconds(5));
		assertThat(pressure.isUnderPressure()).as("exactly at the bound").isFalse();
		assertThat(PoolPressure.of(state(42, Duration.ofSeconds(1), 1.0, Duration.ZERO, 0, 0), BOUND).causes())
			.containsExactly(PoolPressure.Cause.QUEUE);
	}

	@Test
	void queueWaitingForCallsToEndCountsOnceMoreWaitThanCanRunAtOnce() {
		assertThat(PoolPressure.of(state(4, null, 1.0, Duration.ZERO, 0, 4), BOUND).isUnderPressure()).isFalse();
		PoolPressure pressure = PoolPressure.of(state(5, null, 1.0, Duration.ZERO, 0, 4), BOUND);

		assertThat(pressure.queueDrain()).isNull();
		assertThat(pressure.causes()).containsExactly(PoolPressure.Cause.QUEUE);
	}

	@Test
	void recentProviderRateLimitIsPressureWhileTheMultiplierRecovers() {
		assertThat(PoolPressure.of(state(0, null, 1.0, Duration.ofSeconds(3), 0, 0), BOUND).causes())
			.containsExactly(PoolPressure.Cause.RATE_LIMITED);
		assertThat(PoolPressure.of(state(0, null, 0.7, Duration.ZERO, 0, 0), BOUND).causes())
			.containsExactly(PoolPressure.Cause.RATE_LIMITED);
	}

	@Test
	void exhaustedQuotaIsPressure() {
		assertThat(PoolPressure.of(state(0, null, 1.0, Duration.ZERO, 60, 0), BOUND).causes())
			.containsExactly(PoolPressure.Cause.EXHAUSTED);
	}

	@Test
	void negativeBoundIsRejectedNamingIt() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> PoolPressure.of(state(0, null, 1.0, Duration.ZERO, 0, 0), Duration.ofSeconds(-1)))
			.withMessageContaining("maxQueueDrain");
	}

	private static PoolState state(long queued, Duration headEta, double multiplier, Duration cooldown,
			long exhaustedSeconds, int maxConcurrency) {
		// 600 requests/min planned at full multiplier, fully used.
		DimensionState requests = new DimensionState(Dimension.REQUESTS_PER_MINUTE, 600, 600, 600 * multiplier, 600,
				1.0, 0, List.of());
		Map<String, Long> classes = new LinkedHashMap<>();
		classes.put(Priority.INTERACTIVE, 0L);
		classes.put(Priority.BACKGROUND, queued);
		return new PoolState("pool", Provider.ANTHROPIC, List.of(requests), classes, 0, maxConcurrency, multiplier,
				cooldown, Map.of("model", Duration.ZERO), Duration.ofSeconds(exhaustedSeconds),
				(exhaustedSeconds > 0) ? "spend cap" : null, headEta);
	}

}
