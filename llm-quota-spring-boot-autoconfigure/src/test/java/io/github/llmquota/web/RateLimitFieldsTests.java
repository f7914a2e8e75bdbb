package io.github.llmquota.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.Provider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} field values a caller gets for a
 * pool's binding dimension.
 */
class RateLimitFieldsTests {

	@Test
	void theDimensionWithTheLeastHeadroomBindsAndTokensSayTheirUnit() {
		// Input tokens: 27,000 planned per minute, 900 of 27,000 left (3 %); requests: 40
		// of
		// 45 left.
		PoolState state = pool(1.0, rate(Dimension.REQUESTS_PER_MINUTE, 50, 45, 45, 40),
				rate(Dimension.INPUT_TOKENS_PER_MINUTE, 30_000, 27_000, 27_000, 900));

		RateLimitFields fields = RateLimitFields.forBindingDimension(state).orElseThrow();

		assertThat(fields.policy()).isEqualTo("\"sonnet/input-tokens-per-minute\";q=27000;qu=\"tokens\";w=60");
		// 26,100 tokens missing at 450 a second: 58 seconds to full.
		assertThat(fields.rateLimit()).isEqualTo("\"sonnet/input-tokens-per-minute\";r=900;t=58");
	}

	@Test
	void requestsAreTheDefaultUnitAndTheResetRoundsUp() {
		PoolState state = pool(1.0, rate(Dimension.REQUESTS_PER_MINUTE, 1, 1, 1, 0.4));

		RateLimitFields fields = RateLimitFields.forBindingDimension(state).orElseThrow();

		assertThat(fields.policy()).isEqualTo("\"sonnet/requests-per-minute\";q=1;w=60");
		// 0.6 of a request at 1/60 a second: 36 seconds; 0.4 available rounds down to 0.
		assertThat(fields.rateLimit()).isEqualTo("\"sonnet/requests-per-minute\";r=0;t=36");
	}

	@Test
	void theMultiplierShrinksTheQuotaAndTheBucket() {
		// Multiplier 0.5: 500 of the 1,000 per day planned, a bucket of 500 holding 100.
		PoolState state = pool(0.5, rate(Dimension.REQUESTS_PER_DAY, 1000, 1000, 500, 100));

		RateLimitFields fields = RateLimitFields.forBindingDimension(state).orElseThrow();

		assertThat(fields.policy()).isEqualTo("\"sonnet/requests-per-day\";q=500;w=86400");
		// 400 missing at 500 a day: 69,120 seconds.
		assertThat(fields.rateLimit()).isEqualTo("\"sonnet/requests-per-day\";r=100;t=69120");
	}

	@Test
	void aPoolCoolingDownHasNothingLeftUntilTheCooldownEnds() {
		PoolState state = new PoolState("sonnet", Provider.ANTHROPIC,
				List.of(rate(Dimension.REQUESTS_PER_MINUTE, 50, 50, 50, 49)), Map.of(), 0, 0, 1.0,
				Duration.ofMillis(7200), Map.of(), Duration.ZERO, null, null);

		RateLimitFields fields = RateLimitFields.forBindingDimension(state).orElseThrow();

		assertThat(fields.policy()).isEqualTo("\"sonnet/requests-per-minute\";q=50;w=60");
		assertThat(fields.rateLimit()).isEqualTo("\"sonnet/requests-per-minute\";r=0;t=8");
	}

	@Test
	void concurrencyHasNoWindowAndNoReset() {
		PoolState state = pool(1.0, rate(Dimension.REQUESTS_PER_MINUTE, 50, 50, 50, 50),
				new DimensionState(Dimension.CONCURRENCY, 10, 10, 10, 10, 1.0, 0, List.of()));

		RateLimitFields fields = RateLimitFields.forBindingDimension(state).orElseThrow();

		assertThat(fields.policy()).isEqualTo("\"sonnet/concurrency\";q=10;qu=\"concurrent-requests\"");
		assertThat(fields.rateLimit()).isEqualTo("\"sonnet/concurrency\";r=0");
	}

	@Test
	void aPoolNameIsQuotedAsAStructuredFieldString() {
		PoolState state = new PoolState("a\"b\\c\u00e9", Provider.OTHER,
				List.of(rate(Dimension.REQUESTS_PER_MINUTE, 1, 1, 1, 1)), Map.of(), 0, 0, 1.0, Duration.ZERO, Map.of(),
				Duration.ZERO, null, null);

		RateLimitFields fields = RateLimitFields.forBindingDimension(state).orElseThrow();

		assertThat(fields.policy()).startsWith("\"a\\\"b\\\\c?/requests-per-minute\";");
	}

	@Test
	void aPoolWithoutLimitsHasNoFields() {
		assertThat(RateLimitFields.forBindingDimension(pool(1.0))).isEmpty();
	}

	private static DimensionState rate(Dimension dimension, long limit, double capacity, double effectiveLimit,
			double available) {
		return new DimensionState(dimension, limit, capacity, effectiveLimit, 0, 0, available, List.of());
	}

	private static PoolState pool(double multiplier, DimensionState... dimensions) {
		return new PoolState("sonnet", Provider.ANTHROPIC, List.of(dimensions), Map.of(), 0, 0, multiplier,
				Duration.ZERO, Map.of(), Duration.ZERO, null, null);
	}

}
