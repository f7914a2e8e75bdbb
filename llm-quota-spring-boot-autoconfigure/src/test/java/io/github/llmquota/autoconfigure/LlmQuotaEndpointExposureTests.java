package io.github.llmquota.autoconfigure;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jmx.JmxEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.EndpointsSupplier;
import org.springframework.boot.actuate.endpoint.ExposableEndpoint;
import org.springframework.boot.actuate.endpoint.Operation;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.jmx.JmxEndpointsSupplier;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jmx.JmxAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the llmquota endpoint's write operations, whose answers are HTTP responses,
 * exist over the web only: over JMX the endpoint is read-only.
 */
class LlmQuotaEndpointExposureTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAlertsAutoConfiguration.class,
				LlmQuotaRolloutAutoConfiguration.class, LlmQuotaEndpointAutoConfiguration.class,
				EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class, JmxAutoConfiguration.class,
				JmxEndpointAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues("llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.requests-per-minute=2",
				"spring.jmx.enabled=true", "management.endpoints.web.exposure.include=llmquota",
				"management.endpoints.jmx.exposure.include=llmquota", "llm.quota.rollout.live-changes-enabled=true");

	@Test
	void writeOperationsAreOfferedOverTheWebOnly() {
		this.runner.run((context) -> {
			assertThat(operations(context, WebEndpointsSupplier.class)).containsExactlyInAnyOrder(OperationType.READ,
					OperationType.WRITE, OperationType.DELETE);
			assertThat(operations(context, JmxEndpointsSupplier.class)).containsExactly(OperationType.READ);
		});
	}

	// Shows the check above can fail: write operations on the endpoint itself, as they
	// were, reach JMX too.
	@Test
	void writeOperationsOnTheEndpointItselfWouldReachJmx() {
		this.runner.withPropertyValues("llm.quota.rollout.live-changes-enabled=false")
			.withUserConfiguration(WritesOnTheEndpoint.class)
			.run((context) -> assertThat(operations(context, JmxEndpointsSupplier.class))
				.contains(OperationType.WRITE));
	}

	private static Set<OperationType> operations(ApplicationContext context,
			Class<? extends EndpointsSupplier<?>> supplier) {
		Collection<? extends ExposableEndpoint<?>> endpoints = context.getBean(supplier).getEndpoints();
		return endpoints.stream()
			.filter((endpoint) -> endpoint.getEndpointId().toString().equals("llmquota"))
			.flatMap((endpoint) -> endpoint.getOperations().stream())
			.map(Operation::getType)
			.collect(Collectors.toSet());
	}

	@Configuration(proxyBeanMethods = false)
	static class WritesOnTheEndpoint {

		@Bean
		EndpointWithWrites endpointWithWrites(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds) {
			return new EndpointWithWrites(engine, settings, thresholds);
		}

	}

	@Endpoint(id = "llmquota")
	static class EndpointWithWrites extends LlmQuotaEndpoint {

		EndpointWithWrites(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds) {
			super(engine, settings, thresholds, List.of(), null, null);
		}

		@WriteOperation
		public WebEndpointResponse<Object> change(@Selector String pool) {
			return new WebEndpointResponse<>(pool);
		}

	}

}
