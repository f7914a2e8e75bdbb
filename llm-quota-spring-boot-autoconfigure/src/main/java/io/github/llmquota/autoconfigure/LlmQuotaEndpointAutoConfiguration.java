package io.github.llmquota.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpointWebExtension;
import io.github.llmquota.actuate.endpoint.ModelStateContributor;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.live.LiveChanges;
import io.github.llmquota.live.ShadowDecisions;

/**
 * Auto-configuration for the {@link LlmQuotaEndpoint llmquota endpoint}. Expose it with
 * {@code management.endpoints.web.exposure.include=llmquota}. With
 * {@code llm.quota.rollout.live-changes-enabled=true} its web exposure gains the
 * {@link LlmQuotaEndpointWebExtension}, whose write operations change pools at runtime.
 */
@AutoConfiguration(after = { LlmQuotaAlertsAutoConfiguration.class, LlmQuotaRolloutAutoConfiguration.class })
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class, QuotaThresholds.class })
public class LlmQuotaEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	LlmQuotaEndpoint llmQuotaEndpoint(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds,
			ObjectProvider<ModelStateContributor> contributors, ObjectProvider<TokenEstimator> estimators,
			ObjectProvider<QuotaThresholdMonitor> monitor, ObjectProvider<LiveChanges> changes,
			ObjectProvider<ShadowDecisions> shadowDecisions, ObjectProvider<LlmQuotaProperties> properties) {
		LlmQuotaEndpoint endpoint = new LlmQuotaEndpoint(engine, settings, thresholds,
				contributors.orderedStream().toList(), calibrating(estimators), monitor.getIfUnique(),
				changes.getIfUnique(), shadowDecisions.getIfUnique());
		LlmQuotaProperties configured = properties.getIfUnique();
		if (configured != null) {
			int shown = configured.getTenants().getEndpointLimit();
			if (shown <= 0) {
				throw new InvalidQuotaConfigurationException("llm.quota.tenants.endpoint-limit", shown,
						"must be positive");
			}
			endpoint.setWaitingTenantsShown(shown);
		}
		return endpoint;
	}

	// On the method, not the class: class conditions are all loaded before any is
	// checked, and this one's condition class is missing where Actuator is.
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ LlmQuotaEndpoint.class, LiveChanges.class })
	@ConditionalOnAvailableEndpoint(endpoint = LlmQuotaEndpoint.class, exposure = EndpointExposure.WEB)
	@ConditionalOnProperty(prefix = "llm.quota.rollout", name = "live-changes-enabled", havingValue = "true")
	LlmQuotaEndpointWebExtension llmQuotaEndpointWebExtension(LiveChanges changes) {
		return new LlmQuotaEndpointWebExtension(changes);
	}

	// Looked up as TokenEstimator: a bean declared as the interface is still found.
	private static CalibratingTokenEstimator calibrating(ObjectProvider<TokenEstimator> estimators) {
		return estimators.orderedStream()
			.filter(CalibratingTokenEstimator.class::isInstance)
			.map(CalibratingTokenEstimator.class::cast)
			.findFirst()
			.orElse(null);
	}

}
