package io.github.llmquota.engine;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The trailing-minute and last-hour counters behind utilisation, alerts and the live
 * page.
 */
class UsageRingsTests {

	// The start of a 10-second slot and of a minute.
	private static final long T = 1_700_000_040_000L;

	@Test
	void oldestSlotCountsOnlyForThePartStillInsideTheMinute() {
		UsageRings rings = new UsageRings(1);
		rings.add(T, new double[] { 100 });
		rings.add(T + 30_000, new double[] { 10 });

		// 2.5 s into the slot six slots on, a quarter of the oldest slot has left the
		// minute.
		assertThat(rings.trailingMinute(T + 62_500)[0]).isCloseTo(85, within(1e-9));
	}

	@Test
	void slotReusedAfterTheRingWentRoundStartsFromZero() {
		UsageRings rings = new UsageRings(1);
		rings.add(T, new double[] { 100 });

		rings.add(T + 70_000, new double[] { 5 });

		assertThat(rings.trailingMinute(T + 70_000)[0]).isCloseTo(5, within(1e-9));
		assertThat(rings.lastHour(T + 70_000).get(59)[0]).isCloseTo(5, within(1e-9));
	}

	@Test
	void lastHourListsSixtyMinutesOldestFirstEndingWithTheCurrentOne() {
		UsageRings rings = new UsageRings(1);
		rings.add(T, new double[] { 7 });
		rings.add(T + 59 * 60_000, new double[] { 3 });

		List<double[]> hour = rings.lastHour(T + 59 * 60_000);

		assertThat(hour).hasSize(60);
		assertThat(hour.get(0)[0]).isEqualTo(7);
		assertThat(hour.get(59)[0]).isEqualTo(3);
	}

	@Test
	void ringsReadFromTheRedisHashKeepEveryDimension() {
		long slot = T / 10_000;
		UsageRings rings = UsageRings.parse(2, List.of("s" + Math.floorMod(slot, 7), slot + ",4,9"));

		assertThat(rings.trailingMinute(T)).containsExactly(4, 9);
	}

	@Test
	void refundsLargerThanTheUsageTheyFollowNeverShowAsNegativeUse() {
		UsageRings rings = new UsageRings(1);
		rings.add(T, new double[] { 5 });
		// A refund counted in a later slot and minute than the charge it returns.
		rings.add(T + 60_000, new double[] { -8 });

		assertThat(rings.trailingMinute(T + 60_000)[0]).isZero();
		assertThat(rings.lastHour(T + 60_000).get(59)[0]).isZero();
	}

}
