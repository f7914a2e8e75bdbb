package io.github.llmquota.provider;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.test.ProviderStub.Answer;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderVectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The error bodies the official SDKs throw reach the parser as JSON, so that a spend cap,
 * an exhausted quota, a billing error and a request too large for any limit are told
 * apart from a rate limit. Each failure is a real SDK exception: the real client, with
 * its default retries, calls a local stub that answers with a recorded provider body.
 */
class SdkErrorBodyTests {

	static final String ANTHROPIC_BILLING_ERROR = "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\","
			+ "\"message\":\"Your credit balance is too low to access the Anthropic API.\"}}";

	static final String ANTHROPIC_REQUEST_TOO_LARGE = "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\","
			+ "\"message\":\"Request exceeds the maximum allowed number of bytes.\"}}";

	private final ProviderFeedbackResolver resolver = new ProviderFeedbackResolver(
			List.of(new AnthropicResponseExtractor(), new OpenAiResponseExtractor()), new ProviderFeedbackParser(),
			Clock.systemUTC());

	@Test
	void anthropicSpendCapIsQuotaExhaustedAndNotRetryable() {
		ProviderFeedback feedback = anthropic(ProviderVectors.answer("anthropic-429-docs-spend-cap-non-retryable"));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void anthropicBillingErrorIsQuotaExhaustedAndNotRetryable() {
		ProviderFeedback feedback = anthropic(Answer.of(402, ANTHROPIC_BILLING_ERROR));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void anthropicRequestTooLargeIsNotRetryable() {
		ProviderFeedback feedback = anthropic(Answer.of(413, ANTHROPIC_REQUEST_TOO_LARGE));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.REQUEST_TOO_LARGE);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void anthropicPlainRateLimitStaysRetryable() {
		ProviderFeedback feedback = anthropic(
				ProviderVectors.answer("anthropic-429-real-no-retry-after-x-should-retry-true"));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
	}

	@Test
	void openAiInsufficientQuotaIsQuotaExhaustedAndNotRetryable() {
		ProviderFeedback feedback = openAi(ProviderVectors.answer("openai-429-insufficient-quota-non-retryable"));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void openAiRequestLargerThanTheBucketIsNotRetryable() {
		ProviderFeedback feedback = openAi(
				ProviderVectors.answer("openai-429-request-larger-than-bucket-non-retryable"));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.REQUEST_TOO_LARGE);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void openAiPlainRateLimitStaysRetryableWithTheDelayItsMessageAsksFor() {
		ProviderFeedback feedback = openAi(ProviderVectors.answer("openai-429-real-tpm-body-hint-only"));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
		assertThat(feedback.getRetryAfter())
			.hasValueSatisfying((delay) -> assertThat(delay.toMillis()).isEqualTo(1146));
	}

	@Test
	void theSdkMapRenderingOfASpendCapWouldPassForAPlainRateLimit() {
		// What the extractors passed before: JsonValue#toString(). The spend-cap test
		// above fails on that rendering, so it guards the JSON serialisation.
		AnthropicServiceException failure = anthropicFailure(
				ProviderVectors.answer("anthropic-429-docs-spend-cap-non-retryable"));
		assertThat(String.valueOf(failure.body())).startsWith("{type=error");
		ProviderFeedback misread = new ProviderFeedbackParser().parse("claude", Provider.ANTHROPIC, 429, Map.of(),
				String.valueOf(failure.body()), Clock.systemUTC().instant());
		assertThat(misread.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(misread.isRetryable()).isTrue();
	}

	private ProviderFeedback anthropic(Answer answer) {
		return this.resolver.resolve("claude", Provider.ANTHROPIC, anthropicFailure(answer));
	}

	private ProviderFeedback openAi(Answer answer) {
		return this.resolver.resolve("gpt", Provider.OPENAI, openAiFailure(answer));
	}

	static AnthropicServiceException anthropicFailure(Answer answer) {
		try (ProviderStub stub = ProviderStub.start(answer)) {
			AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(stub.baseUrl()).apiKey("test").build();
			try {
				return catchThrowableOfType(AnthropicServiceException.class,
						() -> client.messages().create(anthropicParams()));
			}
			finally {
				client.close();
			}
		}
	}

	static OpenAIServiceException openAiFailure(Answer answer) {
		try (ProviderStub stub = ProviderStub.start(answer)) {
			OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(stub.baseUrl()).apiKey("test").build();
			try {
				return catchThrowableOfType(OpenAIServiceException.class,
						() -> client.chat().completions().create(openAiParams()));
			}
			finally {
				client.close();
			}
		}
	}

	static MessageCreateParams anthropicParams() {
		return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(64).addUserMessage("Hello").build();
	}

	static ChatCompletionCreateParams openAiParams() {
		return ChatCompletionCreateParams.builder()
			.model("gpt-4o-mini")
			.maxCompletionTokens(64)
			.addUserMessage("Hello")
			.build();
	}

}
