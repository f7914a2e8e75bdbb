package io.github.llmquota.autoconfigure;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.attempt.http.ProviderBaseUrls;
import io.github.llmquota.attempt.springai.LlmCallContextAdvisor;
import io.github.llmquota.attempt.springai.LlmQuotaChatClientCustomizer;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaSpringAiAutoConfiguration}.
 */
class LlmQuotaSpringAiAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaGovernorAutoConfiguration.class, LlmQuotaSpringAiAutoConfiguration.class,
				ChatClientAutoConfiguration.class))
		.withBean(ChatModel.class, PriorityReportingChatModel::new)
		.withPropertyValues("llm.quota.models.claude-sonnet-4-5.provider=anthropic",
				"llm.quota.models.claude-sonnet-4-5.requests-per-minute=50");

	@Test
	void everyAutoConfiguredChatClientTakesThePriorityFromAdvisorParameters() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmCallContextAdvisor.class)
				.hasSingleBean(LlmQuotaChatClientCustomizer.class);
			assertThat(askAsCritical(context)).isEqualTo("CRITICAL");
		});
	}

	@Test
	void chatClientsCanBeLeftUnadvised() {
		this.runner.withPropertyValues("llm.quota.spring-ai.advise-chat-clients=false").run((context) -> {
			assertThat(context).hasSingleBean(LlmCallContextAdvisor.class)
				.doesNotHaveBean(LlmQuotaChatClientCustomizer.class);
			assertThat(askAsCritical(context)).isEqualTo("null");
		});
	}

	@Test
	void anAdvisorOfTheApplicationReplacesTheDefaultOne() {
		LlmCallContextAdvisor advisor = new LlmCallContextAdvisor(0);
		this.runner.withBean(LlmCallContextAdvisor.class, () -> advisor).run((context) -> {
			assertThat(context).getBean(LlmCallContextAdvisor.class).isSameAs(advisor);
			assertThat(askAsCritical(context)).isEqualTo("CRITICAL");
		});
	}

	@Test
	void theBaseUrlsSpringAiIsPointedAtAreGoverned() {
		this.runner
			.withPropertyValues("spring.ai.anthropic.base-url=http://gateway.internal:8080/anthropic",
					"spring.ai.openai.base-url=https://api.groq.com/openai",
					"spring.ai.openai.chat.base-url=http://localhost:9000")
			.run((context) -> {
				ProviderBaseUrls baseUrls = context.getBean(ProviderBaseUrls.class);
				assertThat(baseUrls.matches(URI.create("http://gateway.internal:8080/anthropic/v1/messages"))).isTrue();
				assertThat(baseUrls.matches(URI.create("https://api.groq.com/openai/v1/chat/completions"))).isTrue();
				assertThat(baseUrls.matches(URI.create("http://localhost:9000/v1/chat/completions"))).isTrue();
				assertThat(baseUrls.matches(URI.create("https://api.anthropic.com/v1/messages")))
					.as("llm.quota.governor.base-urls still apply")
					.isTrue();
				assertThat(baseUrls.matches(URI.create("http://gateway.internal:8080/other"))).isFalse();
			});
	}

	@Test
	void aSpringAiBaseUrlThatIsNoUrlStopsStartupNamingItsProperty() {
		this.runner.withPropertyValues("spring.ai.anthropic.base-url=gateway.internal").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("spring.ai.anthropic.base-url");
		});
	}

	@Test
	void withoutChatClientTheBaseUrlsStillApply() {
		this.runner.withClassLoader(new FilteredClassLoader(ChatClient.class))
			.withPropertyValues("spring.ai.anthropic.base-url=http://gateway.internal:8080")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(LlmCallContextAdvisor.class);
				assertThat(context.getBean(ProviderBaseUrls.class)
					.matches(URI.create("http://gateway.internal:8080/v1/messages"))).isTrue();
			});
	}

	@Test
	void nothingChangesWithoutSpringAi() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
							LlmQuotaGovernorAutoConfiguration.class, LlmQuotaSpringAiAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.ai"))
			.withPropertyValues("llm.quota.models.claude-sonnet-4-5.provider=anthropic",
					"llm.quota.models.claude-sonnet-4-5.requests-per-minute=50",
					"spring.ai.anthropic.base-url=http://gateway.internal:8080")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean("llmCallContextAdvisor");
				assertThat(context.getBean(ProviderBaseUrls.class)
					.matches(URI.create("http://gateway.internal:8080/v1/messages"))).isFalse();
			});
	}

	@Test
	void turningTheGovernorOffTurnsTheSpringAiIntegrationOff() {
		this.runner.withPropertyValues("llm.quota.governor.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(LlmCallContextAdvisor.class).doesNotHaveBean(ProviderBaseUrls.class);
			assertThat(askAsCritical(context)).isEqualTo("null");
		});
	}

	private static String askAsCritical(ApplicationContext context) {
		return context.getBean(ChatClient.Builder.class)
			.build()
			.prompt("question")
			.advisors((advisor) -> advisor.param(LlmCallContextAdvisor.PRIORITY, "CRITICAL"))
			.call()
			.content();
	}

	/**
	 * Answers with the priority class of the call context it runs in.
	 */
	static class PriorityReportingChatModel implements ChatModel {

		@Override
		public ChatResponse call(Prompt prompt) {
			String priority = String.valueOf(LlmCallContext.current().getPriority());
			return new ChatResponse(List.of(new Generation(new AssistantMessage(priority))));
		}

	}

}
