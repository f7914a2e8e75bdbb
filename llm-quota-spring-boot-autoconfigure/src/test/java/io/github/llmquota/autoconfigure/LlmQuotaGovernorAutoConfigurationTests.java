package io.github.llmquota.autoconfigure;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.http.GovernorClientHttpRequestInterceptor;
import io.github.llmquota.attempt.http.GovernorExchangeFilterFunction;
import io.github.llmquota.attempt.http.GovernorRestClientCustomizer;
import io.github.llmquota.attempt.http.GovernorRestTemplateCustomizer;
import io.github.llmquota.attempt.http.GovernorWebClientCustomizer;
import io.github.llmquota.attempt.http.ProviderBaseUrls;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.DefaultTokenEstimator;
import io.github.llmquota.provider.ProviderFeedbackParser;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestTemplateAutoConfiguration;
import org.springframework.boot.autoconfigure.web.reactive.function.client.WebClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaGovernorAutoConfiguration}.
 */
class LlmQuotaGovernorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class,
				LlmQuotaGovernorAutoConfiguration.class))
		.withPropertyValues("llm.quota.models.claude-sonnet-4.provider=anthropic",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=50");

	@Test
	void governorAndTheSpringClientIntegrationsAreConfiguredByDefault() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(AttemptGovernor.class)
			.hasSingleBean(ProviderBaseUrls.class)
			.hasSingleBean(GovernorClientHttpRequestInterceptor.class)
			.hasSingleBean(GovernorRestClientCustomizer.class)
			.hasSingleBean(GovernorRestTemplateCustomizer.class)
			.hasSingleBean(GovernorExchangeFilterFunction.class)
			.hasSingleBean(GovernorWebClientCustomizer.class));
	}

	@Test
	void providerBaseUrlsDefaultToAnthropicAndOpenAi() {
		this.runner.run((context) -> {
			ProviderBaseUrls baseUrls = context.getBean(ProviderBaseUrls.class);
			assertThat(baseUrls.matches(URI.create("https://api.anthropic.com/v1/messages"))).isTrue();
			assertThat(baseUrls.matches(URI.create("https://api.openai.com/v1/chat/completions"))).isTrue();
			assertThat(baseUrls.matches(URI.create("https://example.com/v1/messages"))).isFalse();
		});
	}

	@Test
	void governorCanBeTurnedOff() {
		this.runner.withPropertyValues("llm.quota.governor.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(QuotaEngine.class)
				.doesNotHaveBean(AttemptGovernor.class)
				.doesNotHaveBean(GovernorRestClientCustomizer.class)
				.doesNotHaveBean(GovernorWebClientCustomizer.class));
	}

	@Test
	void restClientBuildersFromSpringBootCarryTheInterceptorOnce() {
		this.runner.withConfiguration(AutoConfigurations.of(RestClientAutoConfiguration.class)).run((context) -> {
			RestClient.Builder builder = context.getBean(RestClient.Builder.class);
			new GovernorRestClientCustomizer(context.getBean(GovernorClientHttpRequestInterceptor.class))
				.customize(builder);
			List<ClientHttpRequestInterceptor> interceptors = new ArrayList<>();
			builder.requestInterceptors(interceptors::addAll);
			assertThat(interceptors).containsOnlyOnce(context.getBean(GovernorClientHttpRequestInterceptor.class));
		});
	}

	@Test
	void restTemplatesFromSpringBootCarryTheInterceptor() {
		this.runner.withConfiguration(AutoConfigurations.of(RestTemplateAutoConfiguration.class)).run((context) -> {
			assertThat(context.getBean(RestTemplateBuilder.class).build().getInterceptors())
				.containsExactly(context.getBean(GovernorClientHttpRequestInterceptor.class));
		});
	}

	@Test
	void webClientBuildersFromSpringBootCarryTheFilter() {
		this.runner.withConfiguration(AutoConfigurations.of(WebClientAutoConfiguration.class)).run((context) -> {
			List<ExchangeFilterFunction> filters = new ArrayList<>();
			context.getBean(WebClient.Builder.class).filters(filters::addAll);
			assertThat(filters).containsExactly(context.getBean(GovernorExchangeFilterFunction.class));
		});
	}

	@Test
	void withoutWebFluxOnlyTheWebClientFilterIsLeftOut() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).hasSingleBean(AttemptGovernor.class)
				.hasSingleBean(GovernorClientHttpRequestInterceptor.class)
				.doesNotHaveBean(GovernorExchangeFilterFunction.class));
	}

	@Test
	void applicationGovernorWins() {
		this.runner.withUserConfiguration(UserGovernor.class)
			.run((context) -> assertThat(context.getBean(AttemptGovernor.class))
				.isSameAs(context.getBean(UserGovernor.class).governor));
	}

	@Test
	void unknownDefaultPriorityStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.governor.default-priority=urgent")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("llm.quota.governor.default-priority")
				.hasMessageContaining("urgent"));
	}

	@Test
	void baseUrlThatIsNoHttpUrlStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.governor.base-urls=api.anthropic.com")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("llm.quota.governor.base-urls")
				.hasMessageContaining("api.anthropic.com"));
	}

	static class UserGovernor {

		AttemptGovernor governor;

		@Bean
		AttemptGovernor userAttemptGovernor(QuotaEngine engine, QuotaSettings settings) {
			this.governor = new AttemptGovernor(engine, settings, new DefaultTokenEstimator(),
					new ProviderFeedbackParser(), new AttemptGovernor.Policy(null, Set.of(), 1));
			return this.governor;
		}

	}

}
