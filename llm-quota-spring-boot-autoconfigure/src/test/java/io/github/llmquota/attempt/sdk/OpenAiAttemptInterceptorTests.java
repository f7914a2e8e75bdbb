package io.github.llmquota.attempt.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientAsync;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.client.okhttp.OpenAIOkHttpClientAsync;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.Test;

import org.springframework.context.ApplicationContext;

import io.github.llmquota.attempt.sdk.SdkAttempts.Admissions;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderVectors;

import static io.github.llmquota.attempt.sdk.SdkAttempts.GPT;
import static io.github.llmquota.attempt.sdk.SdkAttempts.OPENAI_OK;
import static io.github.llmquota.attempt.sdk.SdkAttempts.OPENAI_OVERLOADED;
import static io.github.llmquota.attempt.sdk.SdkAttempts.OPENAI_RATE_LIMITED;
import static io.github.llmquota.attempt.sdk.SdkAttempts.OPENAI_SERVER_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official OpenAI SDK, with its default retries, against a local provider stub that
 * counts attempts: with {@link OpenAiAttemptInterceptor} every attempt it makes is
 * admitted, its own retries included, 429 and 503 answers become waits for the fleet's
 * cooldown, and answers no retry can fix are thrown by the SDK at once.
 */
class OpenAiAttemptInterceptorTests {

	@Test
	void rateLimitedAttemptIsSentAgainAfterTheFleetCooldownAndEveryAttemptIsAdmitted() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(OPENAI_OK).then(OPENAI_RATE_LIMITED)) {
				ChatCompletion completion = governedClient(context, stub).chat().completions().create(params());

				assertThat(completion.choices()).isNotEmpty();
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
			try (ProviderStub stub = ProviderStub.start(OPENAI_OK).then(OPENAI_OVERLOADED)) {
				ChatCompletion completion = governedClient(context, stub).chat().completions().create(params());

				assertThat(completion.choices()).isNotEmpty();
				assertThat(stub.attempts()).hasSize(2);
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
				assertThat(SdkAttempts.gapBetweenFirstTwoAttempts(stub)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
			}
		});
	}

	@Test
	void asynchronousClientIsGovernedTheSameWay() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(OPENAI_OK).then(OPENAI_RATE_LIMITED)) {
				OpenAIClientAsync client = OpenAIOkHttpClientAsync.builder()
					.baseUrl(stub.baseUrl())
					.apiKey("test")
					.addInterceptor(new OpenAiAttemptInterceptor(SdkAttempts.governor(context)))
					.build();
				ChatCompletion completion = client.chat().completions().create(params()).get();

				assertThat(completion.choices()).isNotEmpty();
				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "0");
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
			}
		});
	}

	@Test
	void asynchronousClientOnTheGovernedTransportWaitsOutA429AndAdmitsTheSdksRetryOfA500() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(OPENAI_OK).then(OPENAI_RATE_LIMITED, OPENAI_SERVER_ERROR)) {
				ChatCompletion completion = SdkAttempts.governedOpenAiAsync(context, stub)
					.chat()
					.completions()
					.create(params())
					.get();

				assertThat(completion.choices()).isNotEmpty();
				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "0", "1");
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
			}
		});
	}

	@Test
	void serverErrorIsRetriedByTheSdkAndItsRetryIsAdmittedToo() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(OPENAI_OK).then(OPENAI_SERVER_ERROR)) {
				ChatCompletion completion = governedClient(context, stub).chat().completions().create(params());

				assertThat(completion.choices()).isNotEmpty();
				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "1");
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
			}
		});
	}

	@Test
	void insufficientQuotaIsThrownByTheSdkAfterOneAttempt() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub
				.start(ProviderVectors.answer("openai-429-insufficient-quota-non-retryable"))) {
				assertThatExceptionOfType(RateLimitException.class)
					.isThrownBy(() -> governedClient(context, stub).chat().completions().create(params()))
					.satisfies((ex) -> assertThat(ex.code()).hasValue("insufficient_quota"));
				assertThat(stub.attempts()).hasSize(1);
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isZero();
			}
		});
	}

	@Test
	void requestLargerThanTheBucketIsThrownByTheSdkAfterOneAttempt() {
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub
				.start(ProviderVectors.answer("openai-429-request-larger-than-bucket-non-retryable"))) {
				assertThatExceptionOfType(RateLimitException.class)
					.isThrownBy(() -> governedClient(context, stub).chat().completions().create(params()));
				assertThat(stub.attempts()).hasSize(1);
			}
		});
	}

	@Test
	void concurrentCallsNeverExceedTheModelsMaxConcurrencyAtTheProvider() {
		SdkAttempts.application()
			.withPropertyValues("llm.quota.models." + GPT + ".max-concurrency=2")
			.run((context) -> {
				try (ProviderStub stub = ProviderStub.start(OPENAI_OK).latency(Duration.ofMillis(150))) {
					OpenAIClient client = governedClient(context, stub);
					ExecutorService callers = Executors.newFixedThreadPool(6);
					try {
						List<Future<ChatCompletion>> calls = new ArrayList<>();
						for (int i = 0; i < 6; i++) {
							calls.add(callers.submit(() -> client.chat().completions().create(params())));
						}
						for (Future<ChatCompletion> call : calls) {
							assertThat(call.get().choices()).isNotEmpty();
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
		// Shows that the unadmitted-attempt check above can fail.
		SdkAttempts.application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(OPENAI_OK).then(OPENAI_RATE_LIMITED)) {
				OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(stub.baseUrl()).apiKey("test").build();
				client.chat().completions().create(params());

				assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "1");
				assertThat(SdkAttempts.unadmittedAttempts(stub, context.getBean(Admissions.class))).isEqualTo(2);
			}
		});
	}

	private static OpenAIClient governedClient(ApplicationContext context, ProviderStub stub) {
		return OpenAIOkHttpClient.builder()
			.baseUrl(stub.baseUrl())
			.apiKey("test")
			.addInterceptor(new OpenAiAttemptInterceptor(SdkAttempts.governor(context)))
			.build();
	}

	static ChatCompletionCreateParams params() {
		return ChatCompletionCreateParams.builder().model(GPT).maxCompletionTokens(64).addUserMessage("Hello").build();
	}

}
