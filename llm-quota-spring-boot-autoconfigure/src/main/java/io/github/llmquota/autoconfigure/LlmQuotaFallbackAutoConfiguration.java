package io.github.llmquota.autoconfigure;

import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.endpoint.ModelStateContributor;
import io.github.llmquota.actuate.metrics.FallbackCounter;
import io.github.llmquota.aop.LlmFallbackHandler;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.fallback.FallbackChainHandler;
import io.github.llmquota.fallback.FallbackListener;
import io.github.llmquota.fallback.LlmFallbackChain;
import io.github.llmquota.provider.ProviderFeedbackResolver;

/**
 * Auto-configuration of the {@link LlmFallbackChain}, when Resilience4j's circuit
 * breakers are on the classpath. The breakers come from Resilience4j's own
 * {@link CircuitBreakerRegistry} when its Spring Boot module provides one, so
 * {@code resilience4j.circuitbreaker.instances.<model>} configures them; otherwise from a
 * registry with Resilience4j's defaults.
 */
@AutoConfiguration(after = { LlmQuotaAutoConfiguration.class, LlmQuotaAspectAutoConfiguration.class },
		afterName = { "io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(CircuitBreakerRegistry.class)
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class })
public class LlmQuotaFallbackAutoConfiguration {

	/**
	 * Breakers with Resilience4j's defaults, for applications without its Spring Boot
	 * module: runs after that module's auto-configuration, so its registry wins.
	 */
	@Bean
	@ConditionalOnMissingBean
	CircuitBreakerRegistry llmQuotaCircuitBreakerRegistry() {
		return CircuitBreakerRegistry.ofDefaults();
	}

	@Bean
	@ConditionalOnMissingBean
	LlmFallbackChain llmFallbackChain(QuotaEngine engine, QuotaSettings settings, LlmQuotaProperties properties,
			CircuitBreakerRegistry registry, ObjectProvider<ProviderFeedbackResolver> feedbackResolver,
			ObjectProvider<FallbackListener> listeners) {
		FallbackListener listener = listeners.orderedStream().reduce((first, second) -> (chain, from, to) -> {
			first.fellBack(chain, from, to);
			second.fellBack(chain, from, to);
		}).orElse(null);
		return new LlmFallbackChain(engine, settings, registry, QuotaSettingsFactory.fallback(properties, settings),
				feedbackResolver.getIfAvailable(), listener);
	}

	/**
	 * Sends {@code @LlmRateLimited(fallback = ...)} calls through the chain.
	 */
	@Bean
	@ConditionalOnMissingBean(LlmFallbackHandler.class)
	FallbackChainHandler llmFallbackHandler(LlmFallbackChain chain) {
		return new FallbackChainHandler(chain);
	}

	/**
	 * Shows each model's circuit-breaker state in the {@code llmquota} endpoint.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class BreakerStateConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "llmQuotaBreakerStateContributor")
		ModelStateContributor llmQuotaBreakerStateContributor(LlmFallbackChain chain) {
			return (model) -> {
				String state = chain.breakerStates().get(model);
				return (state != null) ? Map.of("circuitBreaker", state) : Map.of();
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	static class FallbackMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		FallbackCounter llmQuotaFallbackCounter(MeterRegistry registry) {
			return new FallbackCounter(registry);
		}

	}

}
