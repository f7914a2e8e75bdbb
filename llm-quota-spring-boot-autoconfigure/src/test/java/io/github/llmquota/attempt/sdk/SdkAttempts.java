package io.github.llmquota.attempt.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.openai.client.OpenAIClientAsync;
import com.openai.client.OpenAIClientAsyncImpl;
import com.openai.client.okhttp.OkHttpClient;
import com.openai.core.ClientOptions;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaGovernorAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaSdkAutoConfiguration;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.test.ProviderStub.Answer;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.TestRedis;

/**
 * What the SDK governance tests share: an application on the project's test Redis with
 * one Anthropic and one OpenAI model, the provider answers they script, and the count of
 * attempts the engine admitted, to hold against the attempts the provider stub saw.
 */
final class SdkAttempts {

	static final String CLAUDE = "claude-sonnet-4-5";

	static final String GPT = "gpt-4o-mini";

	static final Answer ANTHROPIC_OK = Answer.of(200,
			"{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\"," + "\"model\":\"" + CLAUDE
					+ "\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
					+ "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
					+ "\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}");

	static final Answer ANTHROPIC_RATE_LIMITED = new Answer(429, Map.of("retry-after", "1"),
			"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of requests has "
					+ "exceeded your per-minute rate limit\"}}");

	static final Answer ANTHROPIC_OVERLOADED = Answer.of(529,
			"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");

	static final Answer OPENAI_OK = Answer.of(200,
			"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"," + "\"created\":1,\"model\":\"" + GPT
					+ "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
					+ "\"content\":\"Hi\",\"refusal\":null},\"finish_reason\":\"stop\",\"logprobs\":null}],"
					+ "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}");

	static final Answer OPENAI_RATE_LIMITED = new Answer(429, Map.of("retry-after", "1"),
			"{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, "
					+ "Used 3, Requested 1.\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");

	static final Answer OPENAI_OVERLOADED = Answer.of(503, "{\"error\":{\"message\":\"The engine is currently "
			+ "overloaded, please try again later\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");

	static final Answer OPENAI_SERVER_ERROR = Answer.of(500, "{\"error\":{\"message\":\"The server had an error "
			+ "while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");

	private SdkAttempts() {
	}

	/**
	 * Return an application with llm-quota's auto-configuration, both models on the test
	 * Redis, a fresh key prefix, a one-second overload cooldown, and an
	 * {@link Admissions} bean that counts admissions.
	 */
	static ApplicationContextRunner application() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
					LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
					LlmQuotaGovernorAutoConfiguration.class, LlmQuotaSdkAutoConfiguration.class))
			.withBean(Admissions.class)
			.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port(),
					"llm.quota.key-prefix=sdk" + UUID.randomUUID().toString().substring(0, 8),
					"llm.quota.feedback.overload-cooldown=1s", "llm.quota.models." + CLAUDE + ".provider=anthropic",
					"llm.quota.models." + CLAUDE + ".requests-per-minute=6000",
					"llm.quota.models." + CLAUDE + ".input-tokens-per-minute=1000000",
					"llm.quota.models." + CLAUDE + ".output-tokens-per-minute=1000000",
					"llm.quota.models." + GPT + ".provider=openai",
					"llm.quota.models." + GPT + ".requests-per-minute=6000",
					"llm.quota.models." + GPT + ".tokens-per-minute=1000000");
	}

	/**
	 * Return the governor of an application.
	 */
	static AttemptGovernor governor(ApplicationContext context) {
		return context.getBean(AttemptGovernor.class);
	}

	/**
	 * Return an asynchronous OpenAI client on the governed SDK transport, pointed at a
	 * stub.
	 */
	static OpenAIClientAsync governedOpenAiAsync(ApplicationContext context, ProviderStub stub) {
		return new OpenAIClientAsyncImpl(ClientOptions.builder()
			.baseUrl(stub.baseUrl())
			.apiKey("test")
			.httpClient(OpenAiAttemptInterceptor.govern(OkHttpClient.builder().build(), governor(context)))
			.build());
	}

	/**
	 * Return how many attempts reached the provider without being admitted.
	 * @param stub the provider
	 * @param admissions the admissions of the application that called it
	 * @return the attempts the stub saw less the attempts the engine admitted
	 */
	static int unadmittedAttempts(ProviderStub stub, Admissions admissions) {
		return stub.attempts().size() - admissions.count();
	}

	/**
	 * Return the time between the first two attempts the stub saw.
	 */
	static Duration gapBetweenFirstTwoAttempts(ProviderStub stub) {
		List<ProviderStub.Attempt> attempts = stub.attempts();
		return Duration.ofNanos(attempts.get(1).receivedNanos() - attempts.get(0).receivedNanos());
	}

	/**
	 * Counts the requests the engine admitted in this JVM, and the leases that ended.
	 */
	static final class Admissions implements QuotaEngineListener {

		private final List<String> admitted = new ArrayList<>();

		private final List<String> priorities = new ArrayList<>();

		private final List<String> ended = new ArrayList<>();

		@Override
		public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
			synchronized (this.admitted) {
				this.admitted.add(model.name());
				this.priorities.add(request.priority());
			}
		}

		@Override
		public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
			synchronized (this.ended) {
				this.ended.add(model.name());
			}
		}

		/**
		 * Return how many leases have ended.
		 */
		int ended() {
			synchronized (this.ended) {
				return this.ended.size();
			}
		}

		/**
		 * Return the priority of each admitted request, in the order of admission.
		 */
		List<String> priorities() {
			synchronized (this.admitted) {
				return new ArrayList<>(this.priorities);
			}
		}

		/**
		 * Return how many requests were admitted.
		 */
		int count() {
			synchronized (this.admitted) {
				return this.admitted.size();
			}
		}

	}

}
