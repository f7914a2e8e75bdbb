package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.QuotaRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link AcquireWaits}: the {@code acquireWaitMillis} of the
 * {@code LOAD-SUMMARY} line come from Micrometer timers, one per priority class.
 */
class AcquireWaitsTests {

	@Test
	void theSummarysPercentilesAreTheTimersPercentiles() {
		AcquireWaits waits = new AcquireWaits();
		waits.start();
		for (int millis = 1; millis <= 1000; millis++) {
			waits.admitted(null, request("BACKGROUND"), Duration.ofMillis(millis));
		}
		waits.admitted(null, request("INTERACTIVE"), Duration.ofMillis(3));
		waits.stop();

		LoadSummary.Waits background = waits.summary().get("BACKGROUND");
		Timer timer = waits.timer("BACKGROUND");
		assertThat(background.count()).isEqualTo(timer.count()).isEqualTo(1000);
		assertThat(background.p99()).isEqualTo(round(percentile(timer, 0.99)));
		assertThat(background.p50()).isEqualTo(round(percentile(timer, 0.50)));
		// The timer's histogram is precise to about 1 %.
		assertThat(background.p99()).isCloseTo(990, within(15.0));
		assertThat(background.p50()).isCloseTo(500, within(10.0));
		assertThat(background.max()).isEqualTo(1000);
		assertThat(waits.admissions()).isEqualTo(1001);
	}

	@Test
	void aNewRunForgetsTheWaitsOfTheLastAndNothingIsRecordedAfterTheEnd() {
		AcquireWaits waits = new AcquireWaits();
		waits.start();
		waits.admitted(null, request("BACKGROUND"), Duration.ofSeconds(5));
		waits.stop();
		waits.start();
		waits.admitted(null, request("INTERACTIVE"), Duration.ofMillis(2));
		waits.stop();
		waits.admitted(null, request("INTERACTIVE"), Duration.ofSeconds(9));

		assertThat(waits.summary()).containsOnlyKeys("INTERACTIVE");
		assertThat(waits.summary().get("INTERACTIVE").count()).isEqualTo(1);
		assertThat(waits.summary().get("INTERACTIVE").max()).isEqualTo(2);
	}

	private static QuotaRequest request(String priority) {
		return QuotaRequest.builder("claude-sonnet-4-5").priority(priority).build();
	}

	private static double percentile(Timer timer, double percentile) {
		for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
			if (value.percentile() == percentile) {
				return value.value(TimeUnit.MILLISECONDS);
			}
		}
		throw new AssertionError("no percentile " + percentile);
	}

	private static double round(double millis) {
		return Math.round(millis * 100.0) / 100.0;
	}

}
