package io.github.llmquota.aop;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpServerErrorException;

import io.github.llmquota.actuate.endpoint.ModelStateContributor;
import io.github.llmquota.autoconfigure.LlmQuotaAspectAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaFallbackAutoConfiguration;
import io.github.llmquota.core.Priority;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.usage.LlmUsage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @LlmRateLimited(fallback = ...)}: the chain picks the model, and the method runs
 * with it in its {@code @LlmModel} parameter.
 */
class LlmRateLimitedFallbackTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaFallbackAutoConfiguration.class))
		.withBean(Chat.class)
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=fc" + UUID.randomUUID().toString().substring(0, 6),
				"llm.quota.models.sonnet.provider=anthropic", "llm.quota.models.sonnet.requests-per-minute=100",
				"llm.quota.models.haiku.provider=anthropic", "llm.quota.models.haiku.requests-per-minute=100",
				"llm.quota.fallback-chains.chat=sonnet,haiku");

	@Test
	void overloadedPrimaryFallsBackToTheNextModelOfTheChain() {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);
			chat.overload("sonnet");

			assertThat(chat.ask("hello", null).model()).isEqualTo("haiku");
			assertThat(chat.calls()).containsExactly("sonnet", "haiku");
		});
	}

	@Test
	void healthyPrimaryServesTheCallAndItsBreakerShowsInTheEndpointState() {
		this.runner.run((context) -> {
			Chat chat = context.getBean(Chat.class);

			assertThat(chat.ask("hello", null).model()).isEqualTo("sonnet");
			assertThat(context.getBean(ModelStateContributor.class).contribute("sonnet"))
				.containsEntry("circuitBreaker", "CLOSED");
		});
	}

	record Answer(String model, long inputTokens, long outputTokens) implements LlmUsage {
	}

	public static class Chat {

		private final List<String> calls = new CopyOnWriteArrayList<>();

		private final List<String> overloaded = new CopyOnWriteArrayList<>();

		// Methods, not fields: callers hold the class-based proxy, whose own fields are
		// unset.
		public void overload(String model) {
			this.overloaded.add(model);
		}

		public List<String> calls() {
			return this.calls;
		}

		@LlmRateLimited(model = "sonnet", priority = Priority.INTERACTIVE, inputTokens = "10", maxOutputTokens = "10",
				fallback = "chat")
		public Answer ask(String prompt, @LlmModel String model) {
			this.calls.add(model);
			if (this.overloaded.contains(model)) {
				throw HttpServerErrorException.create(HttpStatus.valueOf(503), "Service Unavailable", null,
						"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"
							.getBytes(),
						null);
			}
			return new Answer(model, 10, 5);
		}

	}

}
