package io.github.llmquota.attempt;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.llmquota.aop.LlmRateLimited;
import io.github.llmquota.attempt.http.GovernorClientHttpRequestInterceptor;
import io.github.llmquota.attempt.http.GovernorExchangeFilterFunction;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaGovernorAutoConfiguration;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderStub.Answer;
import io.github.llmquota.test.TestRedis;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@link LlmRateLimited @LlmRateLimited} method whose provider calls go through the
 * governor, over a real Redis: the method's lease is handed over to its first attempt, so
 * every attempt the provider sees is admitted exactly once, on the plain, the
 * {@code CompletionStage} and the reactive path.
 */
class GovernorHandOverTests {

	private static final String MESSAGE = "{\"model\":\"model\",\"max_tokens\":100,"
			+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";

	private final ProviderStub stub = ProviderStub.start();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaGovernorAutoConfiguration.class))
		.withBean(Caller.class)
		.withBean(AdmissionCounter.class)
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=h" + UUID.randomUUID().toString().substring(0, 8),
				"llm.quota.models.model.provider=anthropic", "llm.quota.models.model.requests-per-minute=1000",
				"llm.quota.governor.base-urls=" + this.stub.baseUrl());

	@AfterEach
	void stop() {
		this.stub.close();
	}

	@Test
	void plainMethodCallIsAdmittedOnceForItsOneAttempt() {
		this.runner.run((context) -> {
			assertThat(caller(context).ask()).contains("output_tokens");
			assertAdmittedExactlyOncePerAttempt(context, 1);
		});
	}

	@Test
	void plainMethodCallWhoseAttemptIsRateLimitedIsAdmittedOncePerAttempt() {
		this.stub.answer(Answer.rateLimited(200), Answer.ok(10, 20));
		this.runner.run((context) -> {
			assertThat(caller(context).ask()).contains("output_tokens");
			assertAdmittedExactlyOncePerAttempt(context, 2);
		});
	}

	@Test
	void futureMethodCallIsAdmittedOncePerAttempt() {
		this.stub.answer(Answer.rateLimited(200), Answer.ok(10, 20));
		this.runner.run((context) -> {
			assertThat(caller(context).askLater().get(30, TimeUnit.SECONDS)).contains("output_tokens");
			assertAdmittedExactlyOncePerAttempt(context, 2);
		});
	}

	@Test
	void reactiveMethodCallIsAdmittedOncePerAttempt() {
		this.stub.answer(Answer.rateLimited(200), Answer.ok(10, 20));
		this.runner.run((context) -> {
			assertThat(caller(context).askReactively().block(Duration.ofSeconds(30))).contains("output_tokens");
			assertAdmittedExactlyOncePerAttempt(context, 2);
		});
	}

	@Test
	void exactlyOnceCheckFailsWhenTheLeaseIsNotHandedOver() {
		this.runner.run((context) -> {
			caller(context).askWithoutHandOver();
			assertThat(context.getBean(AdmissionCounter.class).admissions.get()).isEqualTo(2);
			assertThat(this.stub.attemptCount()).isEqualTo(1);
		});
	}

	private void assertAdmittedExactlyOncePerAttempt(ApplicationContext context, int attempts) {
		assertThat(this.stub.attemptCount()).isEqualTo(attempts);
		assertThat(context.getBean(AdmissionCounter.class).admissions.get())
			.as("admissions, one per attempt the provider saw")
			.isEqualTo(attempts);
	}

	private static Caller caller(ApplicationContext context) {
		return context.getBean(Caller.class);
	}

	static class AdmissionCounter implements QuotaEngineListener {

		final AtomicInteger admissions = new AtomicInteger();

		@Override
		public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
			this.admissions.incrementAndGet();
		}

	}

	static class Caller {

		private final RestClient restClient;

		private final WebClient webClient;

		Caller(GovernorClientHttpRequestInterceptor interceptor, GovernorExchangeFilterFunction filter,
				Environment environment) {
			String baseUrl = environment.getProperty("llm.quota.governor.base-urls");
			this.restClient = RestClient.builder()
				.baseUrl(baseUrl)
				.requestFactory(new JdkClientHttpRequestFactory())
				.requestInterceptor(interceptor)
				.build();
			this.webClient = WebClient.builder()
				.baseUrl(baseUrl)
				.clientConnector(new JdkClientHttpConnector())
				.filter(filter)
				.build();
		}

		@LlmRateLimited("model")
		public String ask() {
			return post();
		}

		@LlmRateLimited("model")
		public CompletableFuture<String> askLater() {
			return CompletableFuture.completedFuture(post());
		}

		@LlmRateLimited("model")
		public Mono<String> askReactively() {
			return this.webClient.post()
				.uri("/v1/messages")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(MESSAGE)
				.retrieve()
				.bodyToMono(String.class);
		}

		// A context of its own replaces the method's, and with it the lease it hands
		// over.
		@LlmRateLimited("model")
		public String askWithoutHandOver() {
			return LlmCallContext.builder().call(this::post);
		}

		private String post() {
			return this.restClient.post()
				.uri("/v1/messages")
				.contentType(MediaType.APPLICATION_JSON)
				.body(MESSAGE)
				.retrieve()
				.body(String.class);
		}

	}

}
