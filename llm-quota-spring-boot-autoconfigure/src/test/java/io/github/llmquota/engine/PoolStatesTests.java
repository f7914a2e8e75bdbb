package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link PoolStates}: what a pool's state means, computed from a store's
 * snapshot.
 */
class PoolStatesTests {

	private static final Offset<Double> EXACT = Offset.offset(1e-9);

	private static final List<PriorityClass> CLASSES = List.of(
			new PriorityClass(Priority.CRITICAL, 0, 0, 100, Duration.ofSeconds(5)),
			new PriorityClass(Priority.NORMAL, 1, 0.15, 100, Duration.ofSeconds(5)),
			new PriorityClass(Priority.BACKGROUND, 2, 0.30, 100, Duration.ofSeconds(5)));

	// 100 requests per minute and 14,400 per day (10 a minute), a 10 % safety margin, 4
	// in flight.
	private final PoolSpec pool = new PoolSpec("pool", Provider.OPENAI,
			List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 100, 0.10, 60_000),
					RateLimit.of(Dimension.REQUESTS_PER_DAY, 14_400, 0.10, 60_000)),
			4, List.of("model", "sibling"), null);

	@Test
	void effectiveLimitIsTheProviderLimitLessTheSafetyMarginTimesTheMultiplier() {
		PoolState state = state(0.5);

		DimensionState rpm = state.dimension(Dimension.REQUESTS_PER_MINUTE);
		assertThat(rpm.limit()).isEqualTo(100);
		assertThat(rpm.effectiveLimit()).isCloseTo(45.0, EXACT);
		DimensionState rpd = state.dimension(Dimension.REQUESTS_PER_DAY);
		assertThat(rpd.limit()).isEqualTo(14_400);
		assertThat(rpd.effectiveLimit()).isCloseTo(6_480.0, EXACT);
	}

	@Test
	void utilisationIsTheTrailingMinuteOverTheProvidersPerMinuteLimitAndADayCountsAs1440Minutes() {
		PoolState state = state(1.0);

		DimensionState rpm = state.dimension(Dimension.REQUESTS_PER_MINUTE);
		assertThat(rpm.used()).isEqualTo(45.0);
		assertThat(rpm.utilisation()).isCloseTo(0.45, EXACT);
		DimensionState rpd = state.dimension(Dimension.REQUESTS_PER_DAY);
		assertThat(rpd.used()).isEqualTo(5.0);
		assertThat(rpd.utilisation()).isCloseTo(0.5, EXACT);
	}

	@Test
	void poolUtilisationIsItsBusiestDimensionConcurrencyIncluded() {
		// 3 of 4 in flight (0.75) is busier than any rate (0.45, 0.5).
		assertThat(state(1.0).utilisation()).isEqualTo(0.75);
		PoolSpec unbounded = new PoolSpec("pool", Provider.OPENAI, this.pool.rates(), 0, this.pool.models(), null);
		assertThat(PoolStates.of(unbounded, snapshot(1.0), CLASSES).utilisation()).isCloseTo(0.5, EXACT);
	}

	@Test
	void availableIsTheBucketsCapacityAtTheCurrentMultiplierLessItsLevel() {
		PoolState state = state(0.5);

		// 90 planned per minute, halved, less the 40 in the bucket.
		assertThat(state.dimension(Dimension.REQUESTS_PER_MINUTE).available()).isCloseTo(5.0, EXACT);
		// The day bucket holds one minute's worth (9), halved, less the 1 in it.
		assertThat(state.dimension(Dimension.REQUESTS_PER_DAY).available()).isCloseTo(3.5, EXACT);
	}

	@Test
	void overdrawnBucketHasNothingAvailableRatherThanANegativeAmount() {
		PoolState state = state(0.1);

		assertThat(state.dimension(Dimension.REQUESTS_PER_MINUTE).available()).isZero();
		assertThat(state.headroom()).isZero();
	}

	@Test
	void headroomIsTheFreeShareOfTheTightestDimension() {
		// Minute bucket: 50 of 90 free (0.56); day bucket: 8 of 9 (0.89); concurrency: 1
		// of 4 (0.25).
		assertThat(state(1.0).headroom()).isCloseTo(0.25, EXACT);
		PoolSpec unbounded = new PoolSpec("pool", Provider.OPENAI, this.pool.rates(), 0, this.pool.models(), null);
		assertThat(PoolStates.of(unbounded, snapshot(1.0), CLASSES).headroom()).isCloseTo(50.0 / 90, EXACT);
	}

	@Test
	void concurrencyIsADimensionOfCallsInFlightAgainstTheMaximum() {
		PoolState state = state(1.0);

		DimensionState concurrency = state.dimension(Dimension.CONCURRENCY);
		assertThat(concurrency.name()).isEqualTo("concurrency");
		assertThat(concurrency.limit()).isEqualTo(4);
		assertThat(concurrency.used()).isEqualTo(3);
		assertThat(concurrency.utilisation()).isEqualTo(0.75);
		assertThat(concurrency.available()).isEqualTo(1);
		assertThat(state.dimensions()).extracting(DimensionState::name)
			.containsExactly("requests-per-minute", "requests-per-day", "concurrency");
		assertThat(state.inFlight()).isEqualTo(3);
		assertThat(state.maxConcurrency()).isEqualTo(4);
	}

	@Test
	void trendIsEachMinutesUtilisationOldestFirst() {
		PoolState state = state(1.0);

		List<Double> trend = state.dimension(Dimension.REQUESTS_PER_MINUTE).trend();
		assertThat(trend).hasSize(60);
		assertThat(trend.get(0)).isCloseTo(0.10, EXACT);
		assertThat(trend.get(59)).isCloseTo(0.30, EXACT);
		assertThat(state.dimension(Dimension.REQUESTS_PER_DAY).trend().get(59)).isCloseTo(0.2, EXACT);
		assertThat(state.dimension(Dimension.CONCURRENCY).trend()).isEmpty();
	}

	@Test
	void poolWithoutAConcurrencyLimitHasNoConcurrencyDimension() {
		PoolSpec unbounded = new PoolSpec("pool", Provider.OPENAI, this.pool.rates(), 0, this.pool.models(), null);

		assertThat(PoolStates.of(unbounded, snapshot(1.0), CLASSES).dimension(Dimension.CONCURRENCY)).isNull();
	}

	@Test
	void queuedIsPerPriorityClassByNameHighestFirst() {
		PoolState state = state(1.0);

		assertThat(state.queued()).containsExactly(Map.entry(Priority.CRITICAL, 0L), Map.entry(Priority.NORMAL, 2L),
				Map.entry(Priority.BACKGROUND, 5L));
		assertThat(state.totalQueued()).isEqualTo(7);
		assertThat(state.headEta()).isEqualTo(Duration.ofMillis(1500));
	}

	@Test
	void aModelWaitsForTheLongerOfThePoolsAndItsOwnCooldown() {
		PoolState state = PoolStates.of(this.pool,
				new PoolSnapshot("pool", 1_000_000, new double[] { 0, 0 }, new double[] { 0, 0 }, lastHour(),
						new long[] { 0, 0, 0 }, 0, 1.0, 2_000, -2, new long[] { 5_000, 0 }, 1),
				CLASSES);

		assertThat(state.isCoolingDown()).isTrue();
		assertThat(state.cooldownOf("model")).isEqualTo(Duration.ofSeconds(5));
		assertThat(state.cooldownOf("sibling")).isEqualTo(Duration.ofSeconds(2));
		assertThat(state.headEta()).isNull();
		assertThatIllegalArgumentException().isThrownBy(() -> state.cooldownOf("stranger"))
			.withMessageContaining("'model' stranger");
	}

	@Test
	void exhaustedPoolSaysForHowLongAndWhyAndAnUnexhaustedOneGivesNoReason() {
		PoolState exhausted = PoolStates.of(this.pool,
				new PoolSnapshot("pool", 1_000_000, new double[] { 0, 0 }, new double[] { 0, 0 }, lastHour(),
						new long[] { 0, 0, 0 }, 0, 1.0, 0, -2, new long[] { 0, 0 }, 1, 60_000, "spend cap reached"),
				CLASSES);
		PoolState recovered = PoolStates.of(this.pool,
				new PoolSnapshot("pool", 1_000_000, new double[] { 0, 0 }, new double[] { 0, 0 }, lastHour(),
						new long[] { 0, 0, 0 }, 0, 1.0, 0, -2, new long[] { 0, 0 }, 1, 0, "spend cap reached"),
				CLASSES);

		assertThat(exhausted.isExhausted()).isTrue();
		assertThat(exhausted.exhausted()).isEqualTo(Duration.ofMinutes(1));
		assertThat(exhausted.exhaustedReason()).isEqualTo("spend cap reached");
		assertThat(recovered.isExhausted()).isFalse();
		assertThat(recovered.exhaustedReason()).isNull();
	}

	private PoolState state(double multiplier) {
		return PoolStates.of(this.pool, snapshot(multiplier), CLASSES);
	}

	private static PoolSnapshot snapshot(double multiplier) {
		return new PoolSnapshot("pool", 1_000_000, new double[] { 40, 1 }, new double[] { 45, 5 }, lastHour(),
				new long[] { 0, 2, 5 }, 3, multiplier, 0, 1500, new long[] { 0, 0 }, 1);
	}

	private static List<double[]> lastHour() {
		List<double[]> lastHour = new ArrayList<>();
		lastHour.add(new double[] { 10, 0 });
		for (int i = 1; i < 59; i++) {
			lastHour.add(new double[] { 0, 0 });
		}
		lastHour.add(new double[] { 30, 2 });
		return lastHour;
	}

}
