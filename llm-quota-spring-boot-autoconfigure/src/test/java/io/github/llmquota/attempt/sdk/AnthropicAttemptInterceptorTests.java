package io.github.llmquota.attempt.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.AnthropicClientAsync;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClientAsync;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.PaymentRequiredException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import org.junit.jupiter.api.Test;

import org.springframework.context.ApplicationContext;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.sdk.SdkAttempts.Admissions;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderStub.Answer;
import io.github.llmquota.test.ProviderVectors;

import static io.github.llmquota.attempt.sdk.SdkAttempts.ANTHROPIC_OK;
import static io.github.llmquota.attempt.sdk.SdkAttempts.ANTHROPIC_OVERLOADED;
import static io.github.llmquota.attempt.sdk.SdkAttempts.ANTHROPIC_RATE_LIMITED;
import static io.github.llmquota.attempt.sdk.SdkAttempts.CLAUDE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official Anthropic SDK, with its default retries, against a local provider stub
 * that counts attempts: with {@link AnthropicAttemptInterceptor} every attempt it makes
 * is admitted, 429 and 529 answers become waits for the fleet's cooldown, and answers no
 * retry can fix are thrown by the SDK at once.
 */
class AnthropicAttemptInterceptorTests {

	private static final String BILLING_ERROR = "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\","
			+ "\"message\":\"Your credit balance is too low to access the Anthropic API.\"}}";

	private static final String REQUEST_TOO_LARGE = "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\","
			+ "\"message\":\"Request exceeds the maximum allowed number of bytes.\"}}";

	private static final String STREAM = "event: message_start\n"
			+ "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
			+ "\"role\":\"assistant\"," + "\"model\":\"" + CLAUDE
			+ "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
			+ "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n" + "event: message_delta\n"
			+ "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
			+ "\"usage\":{\"output_tokens\":2}}\n\n" + "event: message_stop\n"
			+ "data: {\"type\":\"message_stop\"}\n\n";

	@Test
	void rateLimitedAttemptIsSentAgainAfterTheFleetCooldownAndEveryAttemptIsAdmitted() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(ANTHROPIC_OK).then(ANTHROPIC_RATE_LIMITED)) {
				Message message = governedClient(context, stub).messages().create(params());

				assertThat(message.content()).isNotEmpty();
				assertThat(stub.attempts()).hasSize(2);
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
				assertThat(SdkAttempts.gapBetweenFirstTwoAttempts(stub)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
				// The governor sent it again: the 429 never reached the SDK's retry loop.
				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "0");
			}
		});
	}

	@Test
	void overloadedAttemptIsSentAgainAfterTheOverloadCooldownAndEveryAttemptIsAdmitted() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(ANTHROPIC_OK).then(ANTHROPIC_OVERLOADED)) {
				Message message = governedClient(context, stub).messages().create(params());

				assertThat(message.content()).isNotEmpty();
				assertThat(stub.attempts()).hasSize(2);
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
				assertThat(SdkAttempts.gapBetweenFirstTwoAttempts(stub)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "0");
			}
		});
	}

	@Test
	void asynchronousClientIsGovernedTheSameWay() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(ANTHROPIC_OK).then(ANTHROPIC_RATE_LIMITED)) {
				AnthropicClientAsync client = AnthropicOkHttpClientAsync.builder()
					.baseUrl(stub.baseUrl())
					.apiKey("test")
					.addInterceptor(new AnthropicAttemptInterceptor(SdkAttempts.governor(context)))
					.build();
				Message message = client.messages().create(params()).get();

				assertThat(message.content()).isNotEmpty();
				assertThat(stub.attempts()).hasSize(2);
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
				assertThat(SdkAttempts.gapBetweenFirstTwoAttempts(stub)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
			}
		});
	}

	@Test
	void streamedAnswerIsHandedBackUnreadAndEndsItsLeaseWhenClosed() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub
				.start(new Answer(200, Map.of("content-type", "text/event-stream"), STREAM))) {
				Admissions admissions = context.getBean(Admissions.class);
				List<String> events = new ArrayList<>();
				try (StreamResponse<RawMessageStreamEvent> stream = governedClient(context, stub).messages()
					.createStreaming(params())) {
					assertThat(admissions.ended()).isZero();
					stream.stream().forEach((event) -> events.add(event.isMessageStop() ? "stop" : "event"));
				}
				assertThat(events).endsWith("stop");
				assertThat(admissions.count()).isOne();
				assertThat(admissions.ended()).isOne();
			}
		});
	}

	@Test
	void spendCapIsThrownByTheSdkAfterOneAttempt() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub
				.start(ProviderVectors.answer("anthropic-429-docs-spend-cap-non-retryable"))) {
				assertThatExceptionOfType(RateLimitException.class)
					.isThrownBy(() -> governedClient(context, stub).messages().create(params()))
					.satisfies((ex) -> assertThat(ex.headers().values("x-should-retry")).containsExactly("false"));
				assertThat(stub.attempts()).hasSize(1);
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
			}
		});
	}

	@Test
	void billingErrorIsThrownByTheSdkAfterOneAttempt() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(Answer.of(402, BILLING_ERROR))) {
				assertThatExceptionOfType(PaymentRequiredException.class)
					.isThrownBy(() -> governedClient(context, stub).messages().create(params()));
				assertThat(stub.attempts()).hasSize(1);
			}
		});
	}

	@Test
	void requestTooLargeIsThrownByTheSdkAfterOneAttempt() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(Answer.of(413, REQUEST_TOO_LARGE))) {
				assertThatExceptionOfType(ContentTooLargeException.class)
					.isThrownBy(() -> governedClient(context, stub).messages().create(params()));
				assertThat(stub.attempts()).hasSize(1);
			}
		});
	}

	@Test
	void concurrentCallsNeverExceedTheModelsMaxConcurrencyAtTheProvider() {
		SdkAttempts.application()
			.withPropertyValues("llm.quota.models." + CLAUDE + ".max-concurrency=2")
			.run((context) -> {
				try (ProviderStub stub = ProviderStub.start(ANTHROPIC_OK).latency(Duration.ofMillis(150))) {
					AnthropicClient client = governedClient(context, stub);
					ExecutorService callers = Executors.newFixedThreadPool(6);
					try {
						List<Future<Message>> calls = new ArrayList<>();
						for (int i = 0; i < 6; i++) {
							calls.add(callers.submit(() -> client.messages().create(params())));
						}
						for (Future<Message> call : calls) {
							assertThat(call.get().content()).isNotEmpty();
						}
					}
					finally {
						callers.shutdownNow();
					}
					assertThat(stub.attempts()).hasSize(6);
					assertThat(stub.maxInFlight()).isLessThanOrEqualTo(2);
					assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
				}
			});
	}

	@Test
	void withoutTheInterceptorTheSdksOwnRetryIsAnUnadmittedAttempt() {
		// Shows that the unadmitted-attempt check above can fail: the same 429-then-200
		// with the interceptor left off reaches the provider twice, admitted never.
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(ANTHROPIC_OK).then(ANTHROPIC_RATE_LIMITED)) {
				AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(stub.baseUrl()).apiKey("test").build();
				client.messages().create(params());

				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "1");
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isEqualTo(2);
			}
		});
	}

	@Test
	void interceptorAddedTwiceAdmitsEachAttemptOnce() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(ANTHROPIC_OK)) {
				AttemptGovernor governor = SdkAttempts.governor(context);
				AnthropicClient client = AnthropicAttemptInterceptor.govern(governedClient(context, stub), governor);
				client.messages().create(params());

				assertThat(stub.attempts()).hasSize(1);
				assertThat(context.getBean(Admissions.class).count()).isOne();
			}
		});
	}

	private static AnthropicClient governedClient(ApplicationContext context, ProviderStub stub) {
		return AnthropicOkHttpClient.builder()
			.baseUrl(stub.baseUrl())
			.apiKey("test")
			.addInterceptor(new AnthropicAttemptInterceptor(SdkAttempts.governor(context)))
			.build();
	}

	static MessageCreateParams params() {
		return MessageCreateParams.builder().model(CLAUDE).maxTokens(64).addUserMessage("Hello").build();
	}

}
