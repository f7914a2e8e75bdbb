package io.github.llmquota.provider;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether OpenAI's requests headers describe a per-minute or a per-day limit, at the
 * edges of what the headers allow, and what a rate-limit code means on an error status.
 */
class OpenAiRequestsWindowTests {

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser();

	@Test
	void fullBucketIsReadAsPerMinute() {
		assertThat(requestsDimension("100", "100", "1s")).isEqualTo(Dimension.REQUESTS_PER_MINUTE);
	}

	@Test
	void emptyBucketThatRefillsInAMinuteIsReadAsPerMinute() {
		assertThat(requestsDimension("100", "0", "60s")).isEqualTo(Dimension.REQUESTS_PER_MINUTE);
	}

	@Test
	void rateLimitCodeOnAnErrorStatusIsClassifiedByTheStatus() {
		ProviderFeedback feedback = this.parser.parse("gpt", Provider.OPENAI, 400, Map.of(),
				"{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"bad\"}}", Instant.now());

		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.OTHER);
	}

	private Dimension requestsDimension(String limit, String remaining, String reset) {
		ProviderFeedback feedback = this.parser.parse("gpt", Provider.OPENAI, 200,
				Map.of("x-ratelimit-limit-requests", List.of(limit), "x-ratelimit-remaining-requests",
						List.of(remaining), "x-ratelimit-reset-requests", List.of(reset)),
				null, Instant.now());
		return feedback.getReadings()
			.keySet()
			.stream()
			.filter((d) -> d.name().startsWith("REQUESTS"))
			.findFirst()
			.orElseThrow();
	}

}
