package io.github.llmquota.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.health.HealthContributorRegistry;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.health.LlmQuotaHealthIndicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link LlmQuotaHealthContributorAutoConfiguration}.
 */
class LlmQuotaHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAlertsAutoConfiguration.class,
				LlmQuotaHealthContributorAutoConfiguration.class, HealthContributorAutoConfiguration.class,
				HealthEndpointAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000");

	@Test
	void indicatorIsContributedAsLlmquota() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmQuotaHealthIndicator.class);
			HealthIndicator indicator = (HealthIndicator) context.getBean(HealthContributorRegistry.class)
				.getContributor("llmquota");
			assertThat(indicator).isSameAs(context.getBean(LlmQuotaHealthIndicator.class));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void indicatorCanBeSwitchedOff() {
		this.runner.withPropertyValues("management.health.llmquota.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaHealthIndicator.class)
				.hasSingleBean(QuotaThresholdMonitor.class));
	}

	@Test
	void withoutActuatorTheIndicatorBacksOff() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class,
					LlmQuotaAlertsAutoConfiguration.class, LlmQuotaHealthContributorAutoConfiguration.class))
			.withClassLoader(
					new FilteredClassLoader("org.springframework.data.redis", "org.springframework.boot.actuate"))
			.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
					"llm.quota.models.gpt-4o.tokens-per-minute=30000")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LlmQuotaHealthIndicator.class));
	}

	@Test
	void withoutLlmQuotaTheIndicatorBacksOff() {
		this.runner.withPropertyValues("llm.quota.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaHealthIndicator.class));
	}

	@Test
	void userIndicatorWinsWhateverItsName() {
		this.runner.withUserConfiguration(UserIndicator.class)
			.run((context) -> assertThat(context.getBean(LlmQuotaHealthIndicator.class))
				.isSameAs(context.getBean(UserIndicator.class).indicator));
	}

	@Test
	void userContributorNamedLlmquotaWins() {
		this.runner.withUserConfiguration(UserContributor.class).run((context) -> {
			assertThat(context).doesNotHaveBean(LlmQuotaHealthIndicator.class);
			assertThat(context.getBean(HealthContributorRegistry.class).getContributor("llmquota"))
				.isSameAs(context.getBean("llmquotaHealthIndicator"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserIndicator {

		final LlmQuotaHealthIndicator indicator = mock(LlmQuotaHealthIndicator.class);

		@Bean
		LlmQuotaHealthIndicator myQuotaHealth() {
			return this.indicator;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserContributor {

		@Bean
		HealthIndicator llmquotaHealthIndicator() {
			return () -> org.springframework.boot.actuate.health.Health.up().withDetail("mine", true).build();
		}

	}

}
