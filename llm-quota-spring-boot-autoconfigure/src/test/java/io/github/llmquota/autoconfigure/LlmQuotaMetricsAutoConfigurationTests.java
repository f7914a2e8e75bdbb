package io.github.llmquota.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.observation.ChatModelMeterObservationHandler;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.metrics.GenAiTokenUsageListener;
import io.github.llmquota.actuate.metrics.LlmQuotaMeterBinder;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricsListener;
import io.github.llmquota.engine.QuotaSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link LlmQuotaMetricsAutoConfiguration}.
 */
class LlmQuotaMetricsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
						CompositeMeterRegistryAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
						LlmQuotaAlertsAutoConfiguration.class, LlmQuotaMetricsAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000");

	@Test
	void metersAreBoundToTheApplicationsRegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmQuotaMetricsListener.class)
				.hasSingleBean(LlmQuotaMeterBinder.class)
				.hasSingleBean(GenAiTokenUsageListener.class);
			assertThat(context.getBean(MeterRegistry.class)
				.get(LlmQuotaMetricNames.UTILISATION)
				.tags("pool", "gpt-4o", "dimension", "tokens-per-minute")
				.gauge()).isNotNull();
		});
	}

	@Test
	void genAiTokenUsageCanBeSwitchedOff() {
		this.runner.withPropertyValues("llm.quota.metrics.gen-ai-token-usage.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(GenAiTokenUsageListener.class)
				.hasSingleBean(LlmQuotaMetricsListener.class));
	}

	@Test
	void genAiTokenUsageStandsBackWhenSpringAiRecordsIt() {
		this.runner.withUserConfiguration(SpringAiMetrics.class)
			.run((context) -> assertThat(context).doesNotHaveBean(GenAiTokenUsageListener.class)
				.hasSingleBean(LlmQuotaMetricsListener.class));
	}

	@Test
	void withoutMicrometerMetricsBackOff() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class,
					LlmQuotaAlertsAutoConfiguration.class, LlmQuotaMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis", "io.micrometer.core"))
			.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
					"llm.quota.models.gpt-4o.tokens-per-minute=30000")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(LlmQuotaMetricsListener.class)
				.doesNotHaveBean(LlmQuotaMeterBinder.class));
	}

	@Test
	void withoutAMeterRegistryMetricsBackOff() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class,
					LlmQuotaAlertsAutoConfiguration.class, LlmQuotaMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
					"llm.quota.models.gpt-4o.tokens-per-minute=30000")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaMetricsListener.class)
				.doesNotHaveBean(GenAiTokenUsageListener.class));
	}

	@Test
	void withoutLlmQuotaMetricsBackOff() {
		this.runner.withPropertyValues("llm.quota.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaMetricsListener.class)
				.doesNotHaveBean(LlmQuotaMeterBinder.class));
	}

	@Test
	void userBeansWin() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			UserBeans user = context.getBean(UserBeans.class);
			assertThat(context.getBean(LlmQuotaMetricsListener.class)).isSameAs(user.listener);
			assertThat(context.getBean(LlmQuotaMeterBinder.class)).isSameAs(user.binder);
			assertThat(context.getBean(GenAiTokenUsageListener.class)).isSameAs(user.genAi);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class SpringAiMetrics {

		@Bean
		ChatModelMeterObservationHandler chatModelMeterObservationHandler() {
			return new ChatModelMeterObservationHandler(new SimpleMeterRegistry());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final LlmQuotaMetricsListener listener = mock(LlmQuotaMetricsListener.class);

		final LlmQuotaMeterBinder binder = mock(LlmQuotaMeterBinder.class);

		final GenAiTokenUsageListener genAi = mock(GenAiTokenUsageListener.class);

		@Bean
		LlmQuotaMetricsListener userListener() {
			return this.listener;
		}

		@Bean
		LlmQuotaMeterBinder userBinder(QuotaSettings settings) {
			return this.binder;
		}

		@Bean
		GenAiTokenUsageListener userGenAi() {
			return this.genAi;
		}

	}

}
