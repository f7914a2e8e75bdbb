package io.github.llmquota.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Flux;

import io.github.llmquota.attempt.http.ProviderBaseUrls;
import io.github.llmquota.attempt.springai.LlmCallContextAdvisor;
import io.github.llmquota.attempt.springai.LlmQuotaChatClientCustomizer;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of the attempt governor for Spring AI. Spring AI's Anthropic and
 * OpenAI chat models send through the {@code RestClient.Builder} and
 * {@code WebClient.Builder} that Spring Boot provides, so the governor's customizers
 * govern every attempt they make, Spring AI's {@code RetryTemplate} retries included;
 * this adds:
 * <ul>
 * <li>the base URLs that Spring AI is pointed at ({@code spring.ai.anthropic.base-url},
 * {@code spring.ai.openai.base-url}, {@code spring.ai.openai.chat.base-url}) to those of
 * {@code llm.quota.governor.base-urls}, so that a model sent to a proxy or gateway is
 * governed too;</li>
 * <li>the {@link LlmCallContextAdvisor}, which takes a chat call's priority class, user
 * and wait budget from its advisor parameters, and a {@code ChatClientCustomizer} that
 * adds it to every auto-configured {@code ChatClient.Builder} unless
 * {@code llm.quota.spring-ai.advise-chat-clients=false}.</li>
 * </ul>
 * Runs before the governor's auto-configuration, whose base URLs it replaces, and only
 * where the governor runs.
 */
@AutoConfiguration(after = { LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class },
		before = LlmQuotaGovernorAutoConfiguration.class)
@ConditionalOnClass(ChatModel.class)
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class })
@ConditionalOnProperty(prefix = "llm.quota.governor", name = "enabled", matchIfMissing = true)
public class LlmQuotaSpringAiAutoConfiguration {

	private static final List<String> SPRING_AI_BASE_URLS = List.of("spring.ai.anthropic.base-url",
			"spring.ai.openai.base-url", "spring.ai.openai.chat.base-url");

	/**
	 * The governed base URLs: {@code llm.quota.governor.base-urls} and the base URLs that
	 * Spring AI's chat models are configured with.
	 */
	@Bean
	@ConditionalOnMissingBean
	ProviderBaseUrls llmQuotaProviderBaseUrls(LlmQuotaProperties properties, Environment environment) {
		List<String> baseUrls = new ArrayList<>(properties.getGovernor().getBaseUrls());
		validate("llm.quota.governor.base-urls", baseUrls);
		Binder binder = Binder.get(environment);
		for (String property : SPRING_AI_BASE_URLS) {
			binder.bind(property, String.class).ifBound((baseUrl) -> {
				validate(property, List.of(baseUrl));
				if (!baseUrls.contains(baseUrl)) {
					baseUrls.add(baseUrl);
				}
			});
		}
		return ProviderBaseUrls.of(baseUrls);
	}

	private static void validate(String property, List<String> baseUrls) {
		try {
			ProviderBaseUrls.of(baseUrls);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidQuotaConfigurationException(property, baseUrls, ex.getMessage());
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ChatClient.class, Flux.class })
	static class ChatClientAdvisorConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LlmCallContextAdvisor llmCallContextAdvisor() {
			return new LlmCallContextAdvisor();
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnProperty(prefix = "llm.quota.spring-ai", name = "advise-chat-clients", matchIfMissing = true)
		LlmQuotaChatClientCustomizer llmQuotaChatClientCustomizer(LlmCallContextAdvisor advisor) {
			return new LlmQuotaChatClientCustomizer(advisor);
		}

	}

}
