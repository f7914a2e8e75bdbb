package io.github.llmquota.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.llmquota.provider.ProviderFeedbackParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link NonRetryableQuotaException}, from real provider answers.
 */
class NonRetryableQuotaExceptionTests {

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser();

	@Test
	void openAiInsufficientQuotaBecomesAnExhaustedQuotaWithTheProvidersMessage() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, "{\"error\": {\"message\": \"You exceeded your "
				+ "current quota, please check your plan and billing details.\", \"type\": \"insufficient_quota\", "
				+ "\"param\": null, \"code\": \"insufficient_quota\"}}");

		NonRetryableQuotaException exception = NonRetryableQuotaException.from("gpt-4o", "gpt-4o", feedback)
			.orElseThrow();

		assertThat(exception).isNotInstanceOf(QuotaRejectedException.class);
		assertThat(exception.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(exception.getPool()).isEqualTo("gpt-4o");
		assertThat(exception.getModel()).isEqualTo("gpt-4o");
		assertThat(exception.getProviderMessage()).startsWith("You exceeded your current quota");
		assertThat(exception.getMessage()).contains("exhausted", "You exceeded your current quota");
	}

	@Test
	void requestLargerThanTheWholeLimitBecomesRequestTooLarge() {
		ProviderFeedback feedback = parse(Provider.GROQ, 413, "{\"error\": {\"message\": \"Request too large for "
				+ "model `openai/gpt-oss-120b` on tokens per minute (TPM): Limit 8000, Requested 9000, please reduce "
				+ "your message size and try again.\", \"type\": \"tokens\", \"code\": \"rate_limit_exceeded\"}}");

		NonRetryableQuotaException exception = NonRetryableQuotaException.from("groq", "gpt-oss", feedback)
			.orElseThrow();

		assertThat(exception.getErrorClass()).isEqualTo(ErrorClass.REQUEST_TOO_LARGE);
		assertThat(exception.getMessage()).contains("can never succeed unchanged", "Limit 8000, Requested 9000");
	}

	@Test
	void rateLimitsAndOverloadsAreNotTurnedIntoIt() {
		ProviderFeedback rateLimited = this.parser.parse("p", Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of("11")), null, Instant.now());
		ProviderFeedback overloaded = parse(Provider.ANTHROPIC, 529,
				"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");

		assertThat(NonRetryableQuotaException.from("p", "m", rateLimited)).isEmpty();
		assertThat(NonRetryableQuotaException.from("p", "m", overloaded)).isEmpty();
		assertThat(NonRetryableQuotaException.from("p", "m", ProviderFeedback.none())).isEmpty();
	}

	@Test
	void aRetryableErrorClassCannotBeDressedUpAsNonRetryable() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NonRetryableQuotaException("p", "m", ErrorClass.RATE_LIMITED, null));
	}

	@Test
	void hostileProviderMessagesAreCutAndFreeOfControlCharacters() {
		String message = "line1\nline2\u0007" + "x".repeat(5000);
		ProviderFeedback feedback = parse(Provider.DEEPSEEK, 402,
				"{\"error\": {\"message\": \"" + message.replace("\n", "\\n").replace("\u0007", "\\u0007") + "\"}}");

		String providerMessage = NonRetryableQuotaException.from("p", "m", feedback).orElseThrow().getProviderMessage();

		assertThat(providerMessage).startsWith("line1 line2 ").hasSizeLessThanOrEqualTo(503).doesNotContain("\n");
	}

	private ProviderFeedback parse(Provider provider, int status, String body) {
		return this.parser.parse("p", provider, status, Map.of("content-type", List.of("application/json")), body,
				Instant.now());
	}

}
