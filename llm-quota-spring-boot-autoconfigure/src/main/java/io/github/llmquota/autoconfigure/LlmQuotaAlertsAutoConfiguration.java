package io.github.llmquota.autoconfigure;

import java.time.Duration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

import io.github.llmquota.actuate.alert.LlmQuotaThresholdEvent;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaMitigation;

/**
 * Auto-configuration for the utilisation thresholds ({@code llm.quota.alerts.*}) and the
 * monitor that publishes {@link LlmQuotaThresholdEvent}s and sheds the lowest class of a
 * pool under pressure ({@code llm.quota.pressure.*}). It needs neither Actuator nor
 * Micrometer; the endpoint, health and metrics auto-configurations read what it sets up.
 */
@AutoConfiguration(after = LlmQuotaAutoConfiguration.class)
@ConditionalOnBean(QuotaEngine.class)
public class LlmQuotaAlertsAutoConfiguration {

	private static final String PREFIX = "llm.quota.alerts.";

	@Bean
	@ConditionalOnMissingBean
	QuotaThresholds llmQuotaThresholds(LlmQuotaProperties properties) {
		LlmQuotaProperties.Alerts alerts = properties.getAlerts();
		double warn = alerts.getWarnThreshold();
		double critical = alerts.getCriticalThreshold();
		check(warn > 0, "warn-threshold", warn, "must be positive");
		check(critical > warn && critical <= QuotaThresholds.MAX_CRITICAL, "critical-threshold", critical,
				"must be above llm.quota.alerts.warn-threshold (" + warn + ") and at most "
						+ QuotaThresholds.MAX_CRITICAL);
		check(alerts.getHysteresis() >= 0 && alerts.getHysteresis() < warn, "hysteresis", alerts.getHysteresis(),
				"must be in [0, llm.quota.alerts.warn-threshold)");
		return new QuotaThresholds(warn, critical, alerts.getHysteresis());
	}

	@Bean
	@ConditionalOnMissingBean
	QuotaThresholdMonitor llmQuotaThresholdMonitor(QuotaEngine engine, QuotaThresholds thresholds,
			LlmQuotaProperties properties, ApplicationEventPublisher publisher,
			ObjectProvider<QuotaMitigation> mitigations) {
		Duration interval = properties.getAlerts().getCheckInterval();
		check(interval != null && interval.toMillis() > 0, "check-interval", interval, "must be positive");
		// Only an engine that can shed is steered; a user's own engine is observed
		// otherwise.
		QuotaMitigation mitigation = properties.getAlerts().isMitigation() ? mitigations.getIfUnique() : null;
		return new QuotaThresholdMonitor(engine, thresholds, QuotaSettingsFactory.maxQueueDrain(properties), interval,
				publisher, mitigation);
	}

	private static void check(boolean valid, String property, Object value, String reason) {
		if (!valid) {
			throw new InvalidQuotaConfigurationException(PREFIX + property, value, reason);
		}
	}

}
