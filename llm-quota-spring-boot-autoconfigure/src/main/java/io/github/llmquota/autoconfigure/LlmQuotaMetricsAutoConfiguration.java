package io.github.llmquota.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.metrics.FailoverMeterBinder;
import io.github.llmquota.actuate.metrics.GenAiTokenUsageListener;
import io.github.llmquota.actuate.metrics.LlmQuotaMeterBinder;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricsListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.failover.FailoverQuotaStore;

/**
 * Auto-configuration for llm-quota's Micrometer meters; see {@link LlmQuotaMetricNames}.
 * The engine reports to the listeners defined here, and Spring Boot binds the gauges to
 * every registry.
 */
@AutoConfiguration(
		after = { LlmQuotaAlertsAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class },
		afterName = { "org.springframework.ai.model.chat.observation.autoconfigure.ChatObservationAutoConfiguration",
				"org.springframework.ai.autoconfigure.chat.observation.ChatObservationAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, QuotaSettings.class })
public class LlmQuotaMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LlmQuotaMetricsListener llmQuotaMetricsListener(MeterRegistry registry, QuotaSettings settings) {
		return new LlmQuotaMetricsListener(registry, settings);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(QuotaThresholdMonitor.class)
	LlmQuotaMeterBinder llmQuotaMeterBinder(QuotaSettings settings, QuotaThresholdMonitor monitor) {
		return new LlmQuotaMeterBinder(settings, monitor);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(FailoverQuotaStore.class)
	FailoverMeterBinder llmQuotaFailoverMeterBinder(FailoverQuotaStore store) {
		return new FailoverMeterBinder(store);
	}

	// Spring AI registers gen_ai.client.token.usage itself, as a counter: one name cannot
	// hold two meter types, and two sources would count every token twice.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(prefix = "llm.quota.metrics.gen-ai-token-usage", name = "enabled", matchIfMissing = true)
	@ConditionalOnMissingBean(type = "org.springframework.ai.chat.observation.ChatModelMeterObservationHandler")
	static class GenAiTokenUsageConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GenAiTokenUsageListener llmQuotaGenAiTokenUsageListener(MeterRegistry registry) {
			return new GenAiTokenUsageListener(registry);
		}

	}

}
