package io.github.llmquota.autoconfigure;

import java.util.Set;

import reactor.core.publisher.Mono;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.http.GovernorClientHttpRequestInterceptor;
import io.github.llmquota.attempt.http.GovernorExchangeFilterFunction;
import io.github.llmquota.attempt.http.GovernorRestClientCustomizer;
import io.github.llmquota.attempt.http.GovernorRestTemplateCustomizer;
import io.github.llmquota.attempt.http.GovernorWebClientCustomizer;
import io.github.llmquota.attempt.http.ProviderBaseUrls;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.provider.MalformedHeaderReporter;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.stream.StreamStep;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.client.RestClientCustomizer;
import org.springframework.boot.web.client.RestTemplateCustomizer;
import org.springframework.boot.web.reactive.function.client.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Auto-configuration of the {@link AttemptGovernor}, which admits every HTTP attempt to a
 * provider, and of its integrations with Spring's HTTP clients: an interceptor for the
 * {@code RestClient} and {@code RestTemplate} builders Spring Boot provides, and a filter
 * for its {@code WebClient} builders. Turned off with
 * {@code llm.quota.governor.enabled=false}.
 */
@AutoConfiguration(after = { LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class })
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class, TokenEstimator.class })
@ConditionalOnProperty(prefix = "llm.quota.governor", name = "enabled", matchIfMissing = true)
public class LlmQuotaGovernorAutoConfiguration {

	private static final String PROPERTIES = "llm.quota.governor";

	@Bean
	@ConditionalOnMissingBean
	ProviderFeedbackParser llmQuotaProviderFeedbackParser(QuotaSettings settings) {
		return new ProviderFeedbackParser(MalformedHeaderReporter.warnOncePerPoolAndHeader(),
				settings.feedback().maxCooldown());
	}

	@Bean
	@ConditionalOnMissingBean
	AttemptGovernor llmQuotaAttemptGovernor(QuotaEngine engine, QuotaSettings settings, TokenEstimator estimator,
			ProviderFeedbackParser parser, LlmQuotaProperties properties, ObjectProvider<StreamStep> streamStep) {
		LlmQuotaProperties.Governor governor = properties.getGovernor();
		if (governor.getDefaultMaxOutputTokens() < 0) {
			throw new InvalidQuotaConfigurationException(PROPERTIES + ".default-max-output-tokens",
					governor.getDefaultMaxOutputTokens(), "must not be negative");
		}
		String defaultPriority = governor.getDefaultPriority();
		if (defaultPriority != null) {
			try {
				settings.priorityClass(defaultPriority);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidQuotaConfigurationException(PROPERTIES + ".default-priority", defaultPriority,
						ex.getMessage());
			}
		}
		AttemptGovernor.Policy policy = new AttemptGovernor.Policy(defaultPriority,
				Set.copyOf(governor.getUngovernedModels()), governor.getDefaultMaxOutputTokens(),
				streamStep.getIfAvailable(() -> StreamStep.DEFAULT));
		return new AttemptGovernor(engine, settings, estimator, parser, policy);
	}

	@Bean
	@ConditionalOnMissingBean
	ProviderBaseUrls llmQuotaProviderBaseUrls(LlmQuotaProperties properties) {
		try {
			return ProviderBaseUrls.of(properties.getGovernor().getBaseUrls());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidQuotaConfigurationException(PROPERTIES + ".base-urls",
					properties.getGovernor().getBaseUrls(), ex.getMessage());
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ClientHttpRequestInterceptor.class, RestClientCustomizer.class })
	static class RestClientGovernorConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GovernorClientHttpRequestInterceptor llmQuotaGovernorClientHttpRequestInterceptor(AttemptGovernor governor,
				ProviderBaseUrls baseUrls) {
			return new GovernorClientHttpRequestInterceptor(governor, baseUrls);
		}

		@Bean
		@ConditionalOnMissingBean
		GovernorRestClientCustomizer llmQuotaGovernorRestClientCustomizer(
				GovernorClientHttpRequestInterceptor interceptor) {
			return new GovernorRestClientCustomizer(interceptor);
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnClass({ RestTemplate.class, RestTemplateCustomizer.class })
		GovernorRestTemplateCustomizer llmQuotaGovernorRestTemplateCustomizer(
				GovernorClientHttpRequestInterceptor interceptor) {
			return new GovernorRestTemplateCustomizer(interceptor);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class, Mono.class })
	static class WebClientGovernorConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GovernorExchangeFilterFunction llmQuotaGovernorExchangeFilterFunction(AttemptGovernor governor,
				ProviderBaseUrls baseUrls) {
			return new GovernorExchangeFilterFunction(governor, baseUrls);
		}

		@Bean
		@ConditionalOnMissingBean
		GovernorWebClientCustomizer llmQuotaGovernorWebClientCustomizer(GovernorExchangeFilterFunction filter) {
			return new GovernorWebClientCustomizer(filter);
		}

	}

}
