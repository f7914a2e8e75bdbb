package io.github.llmquota.autoconfigure;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.sdk.AnthropicAttemptInterceptor;
import io.github.llmquota.attempt.sdk.AnthropicClientGovernor;
import io.github.llmquota.attempt.sdk.OpenAiAttemptInterceptor;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaSdkAutoConfiguration}.
 */
class LlmQuotaSdkAutoConfigurationTests {

	private static final String OK = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
			+ "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
			+ "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}";

	private static final String RATE_LIMITED = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
			+ "\"message\":\"slow down\"}}";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, AopAutoConfiguration.class,
				LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaGovernorAutoConfiguration.class, LlmQuotaSdkAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(), "llm.quota.key-prefix=sdkac" + System.nanoTime(),
				"llm.quota.models.claude-sonnet-4-5.provider=anthropic",
				"llm.quota.models.claude-sonnet-4-5.requests-per-minute=6000");

	@Test
	void interceptorsForBothSdksAreAvailableToInject() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(AnthropicAttemptInterceptor.class)
				.hasSingleBean(AnthropicClientGovernor.class)
				.hasSingleBean(OpenAiAttemptInterceptor.class);
		});
	}

	@Test
	void anthropicClientBeanIsGovernedWithoutAnyCodeOfTheUser() {
		try (ProviderStub stub = ProviderStub.start(ProviderStub.Answer.of(200, OK))
			.then(ProviderStub.Answer.of(429, RATE_LIMITED))) {
			this.runner
				.withBean(AnthropicClient.class,
						() -> AnthropicOkHttpClient.builder().baseUrl(stub.baseUrl()).apiKey("test").build())
				.run((context) -> {
					context.getBean(AnthropicClient.class)
						.messages()
						.create(MessageCreateParams.builder()
							.model("claude-sonnet-4-5")
							.maxTokens(16)
							.addUserMessage("Hello")
							.build());
					// The 429 was a wait, not the SDK's retry: both attempts are first
					// tries.
					assertThat(stub.attempts()).extracting(ProviderStub.Attempt::retryCount).containsExactly("0", "0");
				});
		}
	}

	@Test
	void userInterceptorBeansWin() {
		this.runner.withUserConfiguration(UserInterceptors.class).run((context) -> {
			assertThat(context).getBean(AnthropicAttemptInterceptor.class)
				.isSameAs(context.getBean(UserInterceptors.class).anthropic);
			assertThat(context).getBean(OpenAiAttemptInterceptor.class)
				.isSameAs(context.getBean(UserInterceptors.class).openAi);
		});
	}

	@Test
	void nothingIsConfiguredWithoutTheSdks() {
		this.runner.withClassLoader(new FilteredClassLoader(AnthropicClient.class, OpenAIOkHttpClient.class))
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(AttemptGovernor.class)
					.doesNotHaveBean(AnthropicAttemptInterceptor.class)
					.doesNotHaveBean(AnthropicClientGovernor.class)
					.doesNotHaveBean(OpenAiAttemptInterceptor.class);
			});
	}

	@Test
	void nothingIsConfiguredWhenTheGovernorIsTurnedOff() {
		this.runner.withPropertyValues("llm.quota.governor.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(AnthropicAttemptInterceptor.class)
				.doesNotHaveBean(AnthropicClientGovernor.class)
				.doesNotHaveBean(OpenAiAttemptInterceptor.class);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserInterceptors {

		final AnthropicAttemptInterceptor anthropic;

		final OpenAiAttemptInterceptor openAi;

		UserInterceptors(AttemptGovernor governor) {
			this.anthropic = new AnthropicAttemptInterceptor(governor);
			this.openAi = new OpenAiAttemptInterceptor(governor);
		}

		@Bean
		AnthropicAttemptInterceptor userAnthropicInterceptor() {
			return this.anthropic;
		}

		@Bean
		OpenAiAttemptInterceptor userOpenAiInterceptor() {
			return this.openAi;
		}

	}

}
