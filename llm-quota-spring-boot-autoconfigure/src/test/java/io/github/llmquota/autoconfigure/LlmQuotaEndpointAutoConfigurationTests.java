package io.github.llmquota.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.estimate.DefaultTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link LlmQuotaEndpointAutoConfiguration}.
 */
class LlmQuotaEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAlertsAutoConfiguration.class,
				LlmQuotaEndpointAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.tokens-per-minute=30000",
				"management.endpoints.web.exposure.include=llmquota");

	@Test
	void exposedEndpointIsAvailable() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(LlmQuotaEndpoint.class));
	}

	@Test
	void aTenantListThatIsNotPositiveStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.tenants.endpoint-limit=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.tenants.endpoint-limit");
		});
	}

	@Test
	void endpointThatIsNotExposedBacksOff() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaEndpoint.class));
	}

	@Test
	void endpointThatIsDisabledBacksOff() {
		this.runner.withPropertyValues("management.endpoint.llmquota.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaEndpoint.class));
	}

	@Test
	void withoutActuatorTheEndpointBacksOff() {
		this.runner
			.withClassLoader(
					new FilteredClassLoader("org.springframework.data.redis", "org.springframework.boot.actuate"))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LlmQuotaEndpoint.class));
	}

	@Test
	void withoutLlmQuotaTheEndpointBacksOff() {
		this.runner.withPropertyValues("llm.quota.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LlmQuotaEndpoint.class));
	}

	@Test
	void userEndpointWins() {
		this.runner.withUserConfiguration(UserEndpoint.class)
			.run((context) -> assertThat(context.getBean(LlmQuotaEndpoint.class))
				.isSameAs(context.getBean(UserEndpoint.class).endpoint));
	}

	@Test
	void calibratingEstimatorDeclaredAsATokenEstimatorIsFound() {
		this.runner.withUserConfiguration(Calibrating.class).run((context) -> {
			context.getBean(CalibratingTokenEstimator.class).recordActual("gpt-4o", 100, 150);

			assertThat(context.getBean(LlmQuotaEndpoint.class)
				.pool("gpt-4o")
				.models()
				.get("gpt-4o")
				.inputTokenCorrection()).isGreaterThan(1.0);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserEndpoint {

		final LlmQuotaEndpoint endpoint = mock(LlmQuotaEndpoint.class);

		@Bean
		LlmQuotaEndpoint userLlmQuotaEndpoint() {
			return this.endpoint;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Calibrating {

		@Bean
		TokenEstimator tokenEstimator() {
			return new CalibratingTokenEstimator(new DefaultTokenEstimator());
		}

	}

}
