package io.github.llmquota.actuate.alert;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.actuate.alert.ThresholdTracker.Crossing;
import io.github.llmquota.core.Dimension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ThresholdTracker}, fed utilisation values directly.
 */
class ThresholdTrackerTests {

	private final ThresholdTracker tracker = new ThresholdTracker(QuotaThresholds.DEFAULTS);

	@Test
	void utilisationHoveringAtTheWarnThresholdCrossesOnce() {
		List<Crossing> crossings = feed(Dimension.REQUESTS_PER_MINUTE, 0.79, 0.80, 0.79, 0.81, 0.78, 0.80, 0.76, 0.82,
				0.79);

		assertThat(crossings).singleElement().satisfies((crossing) -> {
			assertThat(crossing.previous()).isEqualTo(QuotaStatus.OK);
			assertThat(crossing.status()).isEqualTo(QuotaStatus.WARN);
			assertThat(crossing.utilisation()).isEqualTo(0.80);
		});
		assertThat(this.tracker.status("pool", Dimension.REQUESTS_PER_MINUTE)).isEqualTo(QuotaStatus.WARN);
	}

	@Test
	void utilisationHoveringAtTheCriticalThresholdCrossesOnce() {
		List<Crossing> crossings = feed(Dimension.TOKENS_PER_MINUTE, 0.85, 0.90, 0.89, 0.91, 0.86, 0.90, 0.88);

		assertThat(crossings).extracting(Crossing::status).containsExactly(QuotaStatus.WARN, QuotaStatus.CRITICAL);
	}

	@Test
	void eachCrossingUpAndBackIsReportedWithItsPreviousStatus() {
		List<Crossing> crossings = feed(Dimension.REQUESTS_PER_MINUTE, 0.5, 0.85, 0.95, 0.80, 0.60, 0.99, 0.10);

		assertThat(crossings).extracting((c) -> c.previous() + "->" + c.status())
			.containsExactly("OK->WARN", "WARN->CRITICAL", "CRITICAL->WARN", "WARN->OK", "OK->CRITICAL",
					"CRITICAL->OK");
		assertThat(crossings).extracting(Crossing::isEscalation).containsExactly(true, true, false, false, true, false);
	}

	@Test
	void dimensionsAndPoolsAreTrackedApartAndThePoolTakesTheWorst() {
		this.tracker.update("a", Dimension.REQUESTS_PER_MINUTE, 0.95);
		this.tracker.update("a", Dimension.INPUT_TOKENS_PER_MINUTE, 0.85);
		this.tracker.update("b", Dimension.REQUESTS_PER_MINUTE, 0.10);

		assertThat(this.tracker.poolStatus("a")).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(this.tracker.statuses("a")).containsEntry(Dimension.REQUESTS_PER_MINUTE, QuotaStatus.CRITICAL)
			.containsEntry(Dimension.INPUT_TOKENS_PER_MINUTE, QuotaStatus.WARN);
		assertThat(this.tracker.poolStatus("b")).isEqualTo(QuotaStatus.OK);
		assertThat(this.tracker.statuses("b")).isEmpty();
		assertThat(this.tracker.poolStatus("never-seen")).isEqualTo(QuotaStatus.OK);
	}

	private List<Crossing> feed(Dimension dimension, double... utilisations) {
		List<Crossing> crossings = new ArrayList<>();
		for (double utilisation : utilisations) {
			Crossing crossing = this.tracker.update("pool", dimension, utilisation);
			if (crossing != null) {
				crossings.add(crossing);
			}
		}
		return crossings;
	}

}
