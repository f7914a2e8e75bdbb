package io.github.llmquota.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

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
		ProviderFeedback feedback = ProviderFeedback.builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, 100L, 50L, null)
			.build();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(
				() -> feedback.getReadings().put(Dimension.REQUESTS_PER_MINUTE, new DimensionReading(1L, 1L, null)));
	}

	@Test
	void readingWithNothingReportedIsLeftOut() {
		ProviderFeedback feedback = ProviderFeedback.builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, null, null, null)
			.build();
		assertThat(feedback.getReadings()).isEmpty();
	}

	@Test
	void dimensionReportedTwiceKeepsTheTighterReading() {
		Instant reset = Instant.parse("2026-01-01T00:00:03Z");
		ProviderFeedback feedback = ProviderFeedback.builder(200)
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

	@Test
	void dimensionReportedTwiceKeepsTheFirstReadingWhenItIsTighter() {
		ProviderFeedback feedback = ProviderFeedback.builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, 60_000L, 1_000L, null)
			.reading(Dimension.TOKENS_PER_MINUTE, 150_000L, 149_984L, null)
			.build();
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(60_000L, 1_000L, null));
	}

	@Test
	void dimensionReportedTwiceWithTheSameRemainingKeepsTheFirstReading() {
		ProviderFeedback feedback = ProviderFeedback.builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, 60_000L, 1_000L, null)
			.reading(Dimension.TOKENS_PER_MINUTE, 150_000L, 1_000L, null)
			.build();
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(60_000L, 1_000L, null));
	}

	@Test
	void readingWithARemainingReplacesAnEarlierOneWithout() {
		ProviderFeedback feedback = ProviderFeedback.builder(200)
			.reading(Dimension.TOKENS_PER_MINUTE, 60_000L, null, null)
			.reading(Dimension.TOKENS_PER_MINUTE, 150_000L, 149_984L, null)
			.build();
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(150_000L, 149_984L, null));
	}

	@Test
	void errorMessageIsStrippedAndCannotForgeLogLines() {
		assertThat(errorMessage("  Rate limit reached\r\nERROR forged line  "))
			.hasValue("Rate limit reached  ERROR forged line");
	}

	@Test
	void blankOrMissingErrorMessageIsEmpty() {
		assertThat(errorMessage(" \t ")).isEmpty();
		assertThat(errorMessage("")).isEmpty();
		assertThat(errorMessage(null)).isEmpty();
	}

	@Test
	void errorMessageOfExactly500CharactersIsKeptWhole() {
		String message = "x".repeat(500);
		assertThat(errorMessage(message)).hasValue(message);
	}

	@Test
	void errorMessageLongerThan500CharactersIsCutAndMarked() {
		assertThat(errorMessage("x".repeat(500) + "y")).hasValue("x".repeat(500) + "...");
	}

	@Test
	void feedbackOfTheSameResponseIsEqualAndAnyDifferenceMakesItUnequal() {
		ProviderFeedback feedback = feedback((builder) -> {
		});
		ProviderFeedback same = feedback((builder) -> {
		});
		assertThat(feedback).isEqualTo(feedback).isEqualTo(same).hasSameHashCodeAs(same);
		assertThat(feedback).isNotEqualTo(null).isNotEqualTo("ProviderFeedback");
		List<ProviderFeedback> variants = List.of(feedback(503, (builder) -> {
		}), feedback((builder) -> builder.classify(ErrorClass.RATE_LIMITED, false)),
				feedback((builder) -> builder.classify(ErrorClass.OVERLOADED, true)),
				feedback((builder) -> builder.reading(Dimension.REQUESTS_PER_MINUTE, 10L, 0L, null)),
				feedback((builder) -> builder.retryAfter(Duration.ofSeconds(2), RetryAfterSource.RETRY_AFTER_MS)),
				feedback((builder) -> builder.retryAfter(Duration.ofSeconds(1), RetryAfterSource.RETRY_AFTER_SECONDS)),
				feedback((builder) -> builder.utilization(60.0)),
				feedback((builder) -> builder.errorMessage("another message")),
				feedback((builder) -> builder.limitedDimension(Dimension.REQUESTS_PER_MINUTE)));
		for (ProviderFeedback variant : variants) {
			assertThat(variant).as(variant.toString()).isNotEqualTo(feedback);
			assertThat(feedback).as(variant.toString()).isNotEqualTo(variant);
		}
		assertThat(statusOnly(429).hashCode()).isNotEqualTo(statusOnly(503).hashCode());
	}

	@Test
	void feedbackDescribesItselfForLogs() {
		assertThat(feedback((builder) -> {
		})).hasToString("ProviderFeedback[status=429, errorClass=RATE_LIMITED, retryable=true, retryAfter=PT1S, "
				+ "retryAfterSource=RETRY_AFTER_MS, readings={TOKENS_PER_MINUTE=DimensionReading[limit=100, "
				+ "remaining=50, resetAt=2026-01-01T00:00:03Z]}, utilization=50.0, limitedDimension=TOKENS_PER_MINUTE]");
	}

	@Test
	void readingsWithTheSamePartsAreEqualAndAnyDifferenceMakesThemUnequal() {
		Instant reset = Instant.parse("2026-01-01T00:00:03Z");
		DimensionReading reading = new DimensionReading(100L, 50L, reset);
		assertThat(reading).isEqualTo(reading)
			.isEqualTo(new DimensionReading(100L, 50L, reset))
			.hasSameHashCodeAs(new DimensionReading(100L, 50L, reset))
			.isNotEqualTo(null)
			.isNotEqualTo("DimensionReading")
			.isNotEqualTo(new DimensionReading(101L, 50L, reset))
			.isNotEqualTo(new DimensionReading(100L, 51L, reset))
			.isNotEqualTo(new DimensionReading(100L, 50L, reset.plusSeconds(1)));
		assertThat(reading.hashCode()).isNotEqualTo(new DimensionReading(101L, 50L, reset).hashCode());
		assertThat(reading).hasToString("DimensionReading[limit=100, remaining=50, resetAt=2026-01-01T00:00:03Z]");
	}

	private static ProviderFeedback feedback(Consumer<ProviderFeedback.Builder> change) {
		return feedback(429, change);
	}

	private static ProviderFeedback feedback(int status, Consumer<ProviderFeedback.Builder> change) {
		ProviderFeedback.Builder builder = ProviderFeedback.builder(status)
			.classify(ErrorClass.RATE_LIMITED, true)
			.reading(Dimension.TOKENS_PER_MINUTE, 100L, 50L, Instant.parse("2026-01-01T00:00:03Z"))
			.retryAfter(Duration.ofSeconds(1), RetryAfterSource.RETRY_AFTER_MS)
			.utilization(50.0)
			.errorMessage("slow down")
			.limitedDimension(Dimension.TOKENS_PER_MINUTE);
		change.accept(builder);
		return builder.build();
	}

	private static ProviderFeedback statusOnly(int status) {
		return ProviderFeedback.builder(status).build();
	}

	private static Optional<String> errorMessage(String message) {
		return ProviderFeedback.builder(429).errorMessage(message).build().getErrorMessage();
	}

	private static Duration retryAfter(Duration delay) {
		return ProviderFeedback.builder(429)
			.retryAfter(delay, RetryAfterSource.RETRY_AFTER_MS)
			.build()
			.getRetryAfter()
			.orElseThrow();
	}

}
