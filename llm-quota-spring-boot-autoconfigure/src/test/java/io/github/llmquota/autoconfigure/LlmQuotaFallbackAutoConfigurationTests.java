package io.github.llmquota.autoconfigure;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.metrics.FallbackCounter;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.fallback.FallbackChainSettings;
import io.github.llmquota.fallback.LlmFallbackChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link LlmQuotaFallbackAutoConfiguration}.
 */
class LlmQuotaFallbackAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaFallbackAutoConfiguration.class))
		.withPropertyValues("llm.quota.models.claude-sonnet-4.provider=anthropic",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=50", "llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000",
				"llm.quota.fallback-chains.chat=claude-sonnet-4,gpt-4o");

	@Test
	void chainUsesResilience4jsRegistrySoItsInstancePropertiesConfigureTheBreakers() {
		this.runner.withConfiguration(AutoConfigurations.of(CircuitBreakerAutoConfiguration.class))
			.withPropertyValues("resilience4j.circuitbreaker.instances.gpt-4o.failure-rate-threshold=25")
			.run((context) -> {
				assertThat(context).hasSingleBean(LlmFallbackChain.class);
				assertThat(context).hasSingleBean(CircuitBreakerRegistry.class);
				assertThat(context).doesNotHaveBean("llmQuotaCircuitBreakerRegistry");
				CircuitBreakerRegistry registry = context.getBean(CircuitBreakerRegistry.class);
				assertThat(registry.circuitBreaker("gpt-4o").getCircuitBreakerConfig().getFailureRateThreshold())
					.isEqualTo(25f);
				assertThat(context.getBean(LlmFallbackChain.class).breakerStates())
					.containsEntry("claude-sonnet-4", "CLOSED")
					.containsEntry("gpt-4o", "CLOSED");
				assertThat(context.getBean(LlmFallbackChain.class).chains()).containsEntry("chat",
						java.util.List.of("claude-sonnet-4", "gpt-4o"));
			});
	}

	@Test
	void withoutResilience4jsSpringBootModuleTheBreakersUseItsDefaults() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmFallbackChain.class);
			assertThat(context).hasBean("llmQuotaCircuitBreakerRegistry");
		});
	}

	@Test
	void withoutResilience4jThereIsNoChainButTheEngineStillWorks() {
		this.runner.withClassLoader(new FilteredClassLoader("io.github.resilience4j")).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(LlmFallbackChain.class);
			assertThat(context).hasSingleBean(QuotaEngine.class);
		});
	}

	@Test
	void userBeansWin() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(LlmFallbackChain.class)).isSameAs(context.getBean(UserBeans.class).chain);
			assertThat(context.getBean(CircuitBreakerRegistry.class))
				.isSameAs(context.getBean(UserBeans.class).registry);
		});
	}

	@Test
	void fallbacksAreCountedWhenAMeterRegistryExists() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(FallbackCounter.class));
		this.runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(FallbackCounter.class));
	}

	@Test
	void chainNamingAnUnknownModelStopsStartupNamingTheChain() {
		assertStartupFails("llm.quota.fallback-chains.chat=claude-sonnet-4,gpt-5", "llm.quota.fallback-chains.chat",
				"names no configured model [claude-sonnet-4, gpt-4o]");
	}

	@Test
	void emptyChainStopsStartupNamingTheChain() {
		assertStartupFails("llm.quota.fallback-chains.chat=", "llm.quota.fallback-chains.chat",
				"must name at least one model");
	}

	@Test
	void invalidChainStopsStartupEvenWithoutResilience4j() {
		this.runner.withClassLoader(new FilteredClassLoader("io.github.resilience4j"))
			.withPropertyValues("llm.quota.fallback-chains.chat=gpt-5")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidQuotaConfigurationException.class)
					.hasMessageContaining("llm.quota.fallback-chains.chat");
			});
	}

	@Test
	void negativeMaxQueueDrainStopsStartup() {
		assertStartupFails("llm.quota.pressure.max-queue-drain=-1s", "llm.quota.pressure.max-queue-drain",
				"must not be negative");
	}

	@Test
	void unknownLowPriorityClassStopsStartup() {
		assertStartupFails("llm.quota.fallback.low-priorities=BULK", "llm.quota.fallback.low-priorities",
				"must name one of the priority classes");
	}

	@Test
	void byDefaultTheTwoLowestClassesGiveWayWhenTheQueueTakesOverFiveSecondsToDrain() {
		this.runner.run((context) -> {
			FallbackChainSettings settings = QuotaSettingsFactory.fallback(context.getBean(LlmQuotaProperties.class),
					context.getBean(QuotaSettings.class));
			assertThat(settings.lowPriorities()).containsExactlyInAnyOrder(Priority.NORMAL, Priority.BACKGROUND);
			assertThat(settings.maxQueueDrain()).isEqualTo(Duration.ofSeconds(5));
			assertThat(settings.attemptWait()).isEqualTo(Duration.ofSeconds(1));
		});
	}

	private void assertStartupFails(String property, String named, String reason) {
		this.runner.withPropertyValues(property)
			.run((context) -> StartupFailures.assertFailedOn(context, named, reason));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final LlmFallbackChain chain = mock(LlmFallbackChain.class);

		final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();

		@Bean
		LlmFallbackChain userChain() {
			return this.chain;
		}

		@Bean
		CircuitBreakerRegistry userRegistry() {
			return this.registry;
		}

	}

}
