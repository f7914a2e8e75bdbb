package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.RetryAfterSource;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.sample.simulator.SimulatedModel.Limit;
import io.github.llmquota.sample.simulator.SimulatedModel.Refusal;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator writes OpenAI's reset durations and 429 messages as OpenAI does, held to
 * the OpenAI rows of the project's header vectors ({@code openai-header-vectors.json},
 * copied from the shared reference) and to the values providers.md §3.2 lists as seen in
 * the wild.
 */
class OpenAiFormatsTests {

	private final ObjectMapper objectMapper = new ObjectMapper();

	@Test
	void resetHeadersOfTheVectorsAreWrittenAsTheProviderWroteThem() throws IOException {
		List<String> checked = new ArrayList<>();
		for (JsonNode vector : vectors()) {
			vector.path("headers").fields().forEachRemaining((header) -> {
				if (!header.getKey().startsWith("x-ratelimit-reset-")) {
					return;
				}
				String field = "reset_" + header.getKey().substring("x-ratelimit-reset-".length()).replace('-', '_')
						+ "_in_ms";
				long millis = vector.path("expected").path(field).asLong();
				assertThat(GoDuration.format(TimeUnit.MILLISECONDS.toNanos(millis)))
					.as("%s %s", vector.path("id").asText(), header.getKey())
					.isEqualTo(header.getValue().asText());
				checked.add(header.getKey());
			});
		}
		assertThat(checked).hasSizeGreaterThanOrEqualTo(8);
	}

	@ParameterizedTest
	@CsvSource({ "12000000, 12ms", "425250000, 425ms", "30000, 0s", "0, 0s", "6000000, 6ms", "977764000000, 16m17.764s",
			"3600000000000, 1h0m0s", "60500000000, 1m0.5s" })
	void durationsSeenInTheWildAreWrittenTruncatedToMilliseconds(long nanos, String written) {
		assertThat(GoDuration.format(nanos)).isEqualTo(written);
	}

	@Test
	void rateLimitMessageHasTheFormOfARealOneAndLlmQuotaReadsItsRetryHint() throws IOException {
		JsonNode vector = vector("openai-429-real-tpm-body-hint-only");
		String real = this.objectMapper.readTree(vector.path("body").asText()).path("error").path("message").asText();
		Refusal refusal = new Refusal(Limit.INPUT_TOKENS, 50_000, Duration.ofMillis(1146).toNanos(), 3006, 47_949);

		String simulated = ChatCompletionsEndpoint.rateLimitMessage("gpt-4o-mini", refusal);

		assertThat(simulated).isEqualTo(
				real.replaceFirst(" in project \\S+ organization \\S+ on ", " in organization org-simulator on "));
		String body = this.objectMapper
			.writeValueAsString(ChatCompletionsEndpoint.error(429, "tokens", "rate_limit_exceeded", simulated).body());
		ProviderFeedback feedback = new ProviderFeedbackParser().parse("pool", Provider.OPENAI, 429, Map.of(), body,
				Instant.now());
		assertThat(feedback.getRetryAfter())
			.hasValue(Duration.ofMillis(vector.path("expected").path("retry_after_ms").asLong()));
		assertThat(feedback.getRetryAfterSource()).hasValue(RetryAfterSource.BODY_MESSAGE);
	}

	@Test
	void requestTooLargeMessageSaysItCanNeverRun() {
		String message = ChatCompletionsEndpoint.rateLimitMessage("gpt-4o",
				Refusal.tooLarge(Limit.INPUT_TOKENS, 30_000, 45_000));

		assertThat(message).startsWith("Request too large for gpt-4o in organization org-simulator on tokens per min "
				+ "(TPM): Limit 30000, Requested 45000. The input or output tokens must be reduced");
		String body = "{\"error\":{\"message\":\"" + message + "\",\"type\":\"tokens\",\"param\":null,"
				+ "\"code\":\"rate_limit_exceeded\"}}";
		assertThat(new ProviderFeedbackParser().parse("pool", Provider.OPENAI, 429, Map.of(), body, Instant.now())
			.isRetryable()).isFalse();
	}

	private JsonNode vector(String id) throws IOException {
		for (JsonNode vector : vectors()) {
			if (id.equals(vector.path("id").asText())) {
				return vector;
			}
		}
		throw new IllegalStateException("No vector " + id);
	}

	private JsonNode vectors() throws IOException {
		try (InputStream in = getClass().getResourceAsStream("/openai-header-vectors.json")) {
			return this.objectMapper.readTree(in);
		}
	}

}
