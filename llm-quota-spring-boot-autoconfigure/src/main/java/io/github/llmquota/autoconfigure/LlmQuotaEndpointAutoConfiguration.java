package io.github.llmquota.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.actuate.endpoint.ModelStateContributor;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.CalibratingTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;

/**
 * Auto-configuration for the {@link LlmQuotaEndpoint llmquota endpoint}. Expose it with
 * {@code management.endpoints.web.exposure.include=llmquota}.
 */
@AutoConfiguration(after = LlmQuotaAlertsAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class, QuotaThresholds.class })
public class LlmQuotaEndpointAutoConfiguration {

	// On the method, not the class: class conditions are all loaded before any is
	// checked, and this one's condition class is missing where Actuator is.
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	LlmQuotaEndpoint llmQuotaEndpoint(QuotaEngine engine, QuotaSettings settings, QuotaThresholds thresholds,
			ObjectProvider<ModelStateContributor> contributors, ObjectProvider<TokenEstimator> estimators,
			ObjectProvider<QuotaThresholdMonitor> monitor) {
		// Looked up as TokenEstimator: a bean declared as the interface is still found.
		CalibratingTokenEstimator calibrating = estimators.orderedStream()
			.filter(CalibratingTokenEstimator.class::isInstance)
			.map(CalibratingTokenEstimator.class::cast)
			.findFirst()
			.orElse(null);
		return new LlmQuotaEndpoint(engine, settings, thresholds, contributors.orderedStream().toList(), calibrating,
				monitor.getIfUnique());
	}

}
