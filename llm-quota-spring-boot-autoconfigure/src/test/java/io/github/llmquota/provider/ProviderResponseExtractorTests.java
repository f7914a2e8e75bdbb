package io.github.llmquota.provider;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.anthropic.core.JsonValue;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClientResponseException;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionReading;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the {@link ProviderResponseExtractor} implementations that adapt SDK and
 * Spring responses, and for {@link ProviderFeedbackResolver}, which picks the first that
 * applies.
 */
class ProviderResponseExtractorTests {

	private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

	private static final String QUOTA_BODY = "{\"error\":{\"message\":\"You exceeded your current quota\","
			+ "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";

	@Test
	void anthropicSdkFailureIsReadWithItsStatusHeadersAndBody() {
		com.anthropic.errors.RateLimitException failure = com.anthropic.errors.RateLimitException.builder()
			.headers(com.anthropic.core.http.Headers.builder()
				.put("retry-after", "7")
				.put("anthropic-ratelimit-requests-remaining", "0")
				.build())
			.body(JsonValue
				.from(Map.of("type", "error", "error", Map.of("type", "rate_limit_error", "message", "slow down"))))
			.build();
		ProviderResponse response = new AnthropicResponseExtractor().extract(failure).orElseThrow();
		assertThat(response.status()).isEqualTo(429);
		assertThat(response.headers()).containsEntry("retry-after", List.of("7"))
			.containsEntry("anthropic-ratelimit-requests-remaining", List.of("0"));
		assertThat(response.body()).contains("rate_limit_error").contains("slow down");
	}

	@Test
	void openAiSdkFailureIsReadWithItsStatusHeadersAndBody() {
		com.openai.errors.RateLimitException failure = com.openai.errors.RateLimitException.builder()
			.headers(com.openai.core.http.Headers.builder().put("x-ratelimit-remaining-requests", "0").build())
			.error(com.openai.models.ErrorObject.builder()
				.message("You exceeded your current quota")
				.type("insufficient_quota")
				.code("insufficient_quota")
				.param((String) null)
				.build())
			.build();
		ProviderResponse response = new OpenAiResponseExtractor().extract(failure).orElseThrow();
		assertThat(response.status()).isEqualTo(429);
		assertThat(response.headers()).containsEntry("x-ratelimit-remaining-requests", List.of("0"));
		assertThat(response.body()).contains("insufficient_quota").contains("You exceeded your current quota");
	}

	@Test
	void sdkExtractorsLeaveOtherResultsToTheNextExtractor() {
		Object unrelated = new IllegalStateException("not a provider answer");
		assertThat(new AnthropicResponseExtractor().extract(unrelated)).isEmpty();
		assertThat(new OpenAiResponseExtractor().extract(unrelated)).isEmpty();
		assertThat(new SpringWebResponseExtractor().extract(unrelated)).isEmpty();
		assertThat(new SpringWebResponseExtractor().extract("a plain result")).isEmpty();
	}

	@Test
	void springResponseEntityIsReadWithItsStatusAndHeadersButNoBody() {
		HttpHeaders headers = new HttpHeaders();
		headers.add("x-ratelimit-remaining-tokens", "120");
		ResponseEntity<String> entity = new ResponseEntity<>("the model's answer", headers, HttpStatus.ACCEPTED);
		ProviderResponse response = new SpringWebResponseExtractor().extract(entity).orElseThrow();
		assertThat(response.status()).isEqualTo(202);
		assertThat(response.headers()).containsEntry("x-ratelimit-remaining-tokens", List.of("120"));
		assertThat(response.body()).isNull();
	}

	@Test
	void springClientErrorIsReadWithItsStatusHeadersAndBody() {
		HttpHeaders headers = new HttpHeaders();
		headers.add("retry-after", "3");
		HttpClientErrorException failure = HttpClientErrorException.create(HttpStatus.TOO_MANY_REQUESTS,
				"Too Many Requests", headers, QUOTA_BODY.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
		ProviderResponse response = new SpringWebResponseExtractor().extract(failure).orElseThrow();
		assertThat(response.status()).isEqualTo(429);
		assertThat(response.headers()).containsEntry("retry-after", List.of("3"));
		assertThat(response.body()).isEqualTo(QUOTA_BODY);
	}

	@Test
	void springClientErrorWithoutHeadersIsReadWithNoHeaders() {
		RestClientResponseException failure = new RestClientResponseException("Too Many Requests", 429,
				"Too Many Requests", null, null, null);
		ProviderResponse response = new SpringWebResponseExtractor().extract(failure).orElseThrow();
		assertThat(response.status()).isEqualTo(429);
		assertThat(response.headers()).isNotNull().isEmpty();
	}

	@Test
	void resolverParsesTheFirstExtractedResponseAtTheClocksTime() {
		ProviderFeedbackResolver resolver = resolver(new SpringWebResponseExtractor());
		HttpHeaders headers = new HttpHeaders();
		headers.add("x-ratelimit-limit-tokens", "1000");
		headers.add("x-ratelimit-remaining-tokens", "100");
		headers.add("x-ratelimit-reset-tokens", "6s");
		ProviderFeedback feedback = resolver.resolve("gpt", Provider.OPENAI,
				new ResponseEntity<>("answer", headers, HttpStatus.OK));
		assertThat(feedback.getStatus()).isEqualTo(200);
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(1000L, 100L, NOW.plus(Duration.ofSeconds(6))));
	}

	@Test
	void resolverSkipsAnExtractorThatFailsAndUsesTheNextOne() {
		ProviderResponseExtractor broken = (resultOrFailure) -> {
			throw new IllegalStateException("broken extractor");
		};
		ProviderResponseExtractor fixed = (resultOrFailure) -> Optional
			.of(new ProviderResponse(429, Map.of(), QUOTA_BODY));
		ProviderFeedback feedback = resolver(broken, fixed).resolve("gpt", Provider.OPENAI, "any result");
		assertThat(feedback.getStatus()).isEqualTo(429);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void resolverUsesTheFirstExtractorThatRecognisesTheResult() {
		ProviderResponseExtractor first = (resultOrFailure) -> Optional.of(new ProviderResponse(503, Map.of(), null));
		ProviderResponseExtractor second = (resultOrFailure) -> Optional.of(new ProviderResponse(429, Map.of(), null));
		assertThat(resolver(first, second).resolve("gpt", Provider.OPENAI, "any result").getStatus()).isEqualTo(503);
	}

	@Test
	void resultNoExtractorRecognisesSaysNothing() {
		ProviderFeedbackResolver resolver = resolver(new SpringWebResponseExtractor());
		assertThat(resolver.resolve("gpt", Provider.OPENAI, "a plain result")).isSameAs(ProviderFeedback.none());
	}

	@Test
	void callWithoutAResultOrFailureSaysNothingEvenToAnExtractorThatAcceptsAnything() {
		ProviderResponseExtractor acceptsAnything = (resultOrFailure) -> Optional
			.of(new ProviderResponse(429, Map.of(), null));
		assertThat(resolver(acceptsAnything).resolve("gpt", Provider.OPENAI, null)).isSameAs(ProviderFeedback.none());
	}

	private static ProviderFeedbackResolver resolver(ProviderResponseExtractor... extractors) {
		return new ProviderFeedbackResolver(List.of(extractors), new ProviderFeedbackParser(),
				Clock.fixed(NOW, ZoneOffset.UTC));
	}

}
