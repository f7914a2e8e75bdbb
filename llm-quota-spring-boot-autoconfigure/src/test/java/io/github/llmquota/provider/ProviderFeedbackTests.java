package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ProviderFeedback} and {@link DimensionReading}.
 */
class ProviderFeedbackTests {

	@Test
	void noneSaysNothing() {
		ProviderFeedback none = ProviderFeedback.none();
		assertThat(none.getStatus()).isZero();
		assertThat(none.getReadings()).isEmpty();
		assertThat(none.getRetryAfter()).isEmpty();
		assertThat(none.getRetryAfterSource()).isEmpty();
		assertThat(none.getErrorClass()).isEqualTo(ErrorClass.NONE);
		assertThat(none.isRetryable()).isFalse();
		assertThat(none.getUtilization()).isEmpty();
	}

	@Test
	void readingsCannotBeChangedThroughTheFeedback() {
		ProviderFeedback feedback = new ProviderFeedback.Builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, 100L, 50L, null)
			.build();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> feedback.getReadings()
			.put(Dimension.REQUESTS_PER_MINUTE, new DimensionReading(1L, 1L, null)));
	}

	@Test
	void readingWithNothingReportedIsLeftOut() {
		ProviderFeedback feedback = new ProviderFeedback.Builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, null, null, null)
			.build();
		assertThat(feedback.getReadings()).isEmpty();
	}

	@Test
	void dimensionReportedTwiceKeepsTheTighterReading() {
		Instant reset = Instant.parse("2026-01-01T00:00:03Z");
		ProviderFeedback feedback = new ProviderFeedback.Builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, 150_000L, 149_984L, null)
			.reading(Dimension.TOKENS_PER_MINUTE, 60_000L, 57_000L, reset)
			.reading(Dimension.TOKENS_PER_MINUTE, 10L, null, null)
			.build();
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(60_000L, 57_000L, reset));
	}

	@Test
	void retryDelayIsRoundedUpToWholeMilliseconds() {
		assertThat(retryAfter(Duration.ofNanos(789_600_000))).isEqualTo(Duration.ofMillis(790));
		assertThat(retryAfter(Duration.ofNanos(1))).isEqualTo(Duration.ofMillis(1));
		assertThat(retryAfter(Duration.ofMillis(1146))).isEqualTo(Duration.ofMillis(1146));
		assertThat(retryAfter(Duration.ZERO)).isEqualTo(Duration.ZERO);
	}

	@Test
	void negativeCountsAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new DimensionReading(-1L, null, null))
			.withMessageContaining("limit");
		assertThatIllegalArgumentException().isThrownBy(() -> new DimensionReading(null, -1L, null))
			.withMessageContaining("remaining");
	}

	@Test
	void absentPartsOfAReadingAreEmpty() {
		DimensionReading reading = new DimensionReading(null, 5L, null);
		assertThat(reading.getLimit()).isEmpty();
		assertThat(reading.getRemaining()).hasValue(5);
		assertThat(reading.getResetAt()).isEmpty();
	}

	private static Duration retryAfter(Duration delay) {
		return new ProviderFeedback.Builder(429).retryAfter(delay, RetryAfterSource.RETRY_AFTER_MS)
			.build()
			.getRetryAfter()
			.orElseThrow();
	}

}
