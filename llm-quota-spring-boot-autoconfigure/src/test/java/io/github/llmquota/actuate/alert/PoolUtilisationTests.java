package io.github.llmquota.actuate.alert;

import java.util.ArrayList;
import java.util.List;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.RateLimit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PoolUtilisation}.
 */
class PoolUtilisationTests {

	private static final Offset<Double> EXACT = Offset.offset(1e-9);

	// 100 requests per minute and 14,400 per day (10 a minute), a 10 % safety margin, 4 in flight.
	private final PoolSpec pool = new PoolSpec("pool", Provider.OPENAI,
			List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 100, 0.10, 60_000),
					RateLimit.of(Dimension.REQUESTS_PER_DAY, 14_400, 0.10, 60_000)),
			4, List.of("model"), null);

	@Test
	void effectiveLimitIsTheProviderLimitLessTheSafetyMarginTimesTheMultiplier() {
		PoolUtilisation utilisation = PoolUtilisation.of(this.pool, snapshot(0.5));

		DimensionUtilisation rpm = utilisation.dimension(Dimension.REQUESTS_PER_MINUTE);
		assertThat(rpm.limit()).isEqualTo(100);
		assertThat(rpm.effectiveLimit()).isCloseTo(45.0, EXACT);
		DimensionUtilisation rpd = utilisation.dimension(Dimension.REQUESTS_PER_DAY);
		assertThat(rpd.limit()).isEqualTo(14_400);
		assertThat(rpd.effectiveLimit()).isCloseTo(6_480.0, EXACT);
	}

	@Test
	void utilisationIsTheTrailingMinuteOverTheProvidersPerMinuteLimitAndADayCountsAs1440Minutes() {
		PoolUtilisation utilisation = PoolUtilisation.of(this.pool, snapshot(1.0));

		DimensionUtilisation rpm = utilisation.dimension(Dimension.REQUESTS_PER_MINUTE);
		assertThat(rpm.usedLastMinute()).isEqualTo(45.0);
		assertThat(rpm.utilisation()).isCloseTo(0.45, EXACT);
		DimensionUtilisation rpd = utilisation.dimension(Dimension.REQUESTS_PER_DAY);
		assertThat(rpd.usedLastMinute()).isEqualTo(5.0);
		assertThat(rpd.utilisation()).isCloseTo(0.5, EXACT);
	}

	@Test
	void availableIsTheBucketsCapacityAtTheCurrentMultiplierLessItsLevel() {
		PoolUtilisation utilisation = PoolUtilisation.of(this.pool, snapshot(0.5));

		// 90 planned per minute, halved, less the 40 in the bucket.
		assertThat(utilisation.dimension(Dimension.REQUESTS_PER_MINUTE).available()).isCloseTo(5.0, EXACT);
		// The day bucket holds one minute's worth (9), halved, less the 1 in it.
		assertThat(utilisation.dimension(Dimension.REQUESTS_PER_DAY).available()).isCloseTo(3.5, EXACT);
	}

	@Test
	void overdrawnBucketHasNothingAvailableRatherThanANegativeAmount() {
		PoolUtilisation utilisation = PoolUtilisation.of(this.pool, snapshot(0.1));

		assertThat(utilisation.dimension(Dimension.REQUESTS_PER_MINUTE).available()).isZero();
	}

	@Test
	void concurrencyIsARowOfCallsInFlightAgainstTheMaximum() {
		PoolUtilisation utilisation = PoolUtilisation.of(this.pool, snapshot(1.0));

		DimensionUtilisation concurrency = utilisation.dimension(Dimension.CONCURRENCY);
		assertThat(concurrency.name()).isEqualTo("concurrency");
		assertThat(concurrency.limit()).isEqualTo(4);
		assertThat(concurrency.usedLastMinute()).isEqualTo(3);
		assertThat(concurrency.utilisation()).isEqualTo(0.75);
		assertThat(concurrency.available()).isEqualTo(1);
		assertThat(utilisation.dimensions()).extracting(DimensionUtilisation::name)
			.containsExactly("requests-per-minute", "requests-per-day", "concurrency");
	}

	@Test
	void trendIsEachMinutesUtilisationOldestFirst() {
		PoolUtilisation utilisation = PoolUtilisation.of(this.pool, snapshot(1.0));

		List<Double> trend = utilisation.dimension(Dimension.REQUESTS_PER_MINUTE).trend();
		assertThat(trend).hasSize(60);
		assertThat(trend.get(0)).isCloseTo(0.10, EXACT);
		assertThat(trend.get(59)).isCloseTo(0.30, EXACT);
		assertThat(utilisation.dimension(Dimension.REQUESTS_PER_DAY).trend().get(59)).isCloseTo(0.2, EXACT);
		assertThat(utilisation.dimension(Dimension.CONCURRENCY).trend()).isEmpty();
	}

	@Test
	void poolWithoutAConcurrencyLimitHasNoConcurrencyRow() {
		PoolSpec unbounded = new PoolSpec("pool", Provider.OPENAI, this.pool.rates(), 0, List.of("model"), null);

		assertThat(PoolUtilisation.of(unbounded, snapshot(1.0)).dimension(Dimension.CONCURRENCY)).isNull();
	}

	private static PoolSnapshot snapshot(double multiplier) {
		List<double[]> lastHour = new ArrayList<>();
		lastHour.add(new double[] { 10, 0 });
		for (int i = 1; i < 59; i++) {
			lastHour.add(new double[] { 0, 0 });
		}
		lastHour.add(new double[] { 30, 2 });
		return new PoolSnapshot("pool", 1_000_000, new double[] { 40, 1 }, new double[] { 45, 5 }, lastHour,
				new long[] { 0, 0, 0, 0 }, 3, multiplier, 0, -2, new long[] { 0 }, 1);
	}

}
