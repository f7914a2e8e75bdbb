package io.github.llmquota.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.health.LlmQuotaHealthIndicator;
import io.github.llmquota.failover.FailMode;

/**
 * Auto-configuration for the {@link LlmQuotaHealthIndicator llmquota health indicator}.
 * Switch it off with {@code management.health.llmquota.enabled=false}. It is in no health
 * group unless added to one; see {@link LlmQuotaHealthIndicator} for why it belongs in
 * readiness at most and never in liveness.
 */
@AutoConfiguration(after = LlmQuotaAlertsAutoConfiguration.class)
@ConditionalOnClass({ AbstractHealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(QuotaThresholdMonitor.class)
public class LlmQuotaHealthContributorAutoConfiguration {

	// The contributor is named after the bean, less its HealthIndicator suffix:
	// "llmquota". The switch is on the method, not the class: class conditions are all
	// loaded before any is checked, and this one's condition class is missing where
	// Actuator is.
	@Bean
	@ConditionalOnEnabledHealthIndicator("llmquota")
	@ConditionalOnMissingBean(value = LlmQuotaHealthIndicator.class,
			name = { "llmquotaHealthIndicator", "llmquotaHealthContributor" })
	LlmQuotaHealthIndicator llmquotaHealthIndicator(QuotaThresholdMonitor monitor, LlmQuotaProperties properties) {
		return new LlmQuotaHealthIndicator(monitor, properties.getRedis().getFailMode() == FailMode.CLOSED);
	}

}
