package io.github.llmquota.autoconfigure;

import java.time.Duration;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.stream.StreamStep;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration for the llm-quota engine. The engine keeps its shared state in Redis
 * when the application has a {@code RedisConnectionFactory} (Spring Boot's, from
 * {@code spring.data.redis.*}), and in memory otherwise.
 */
@AutoConfiguration(after = RedisAutoConfiguration.class)
@ConditionalOnProperty(prefix = "llm.quota", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LlmQuotaProperties.class)
@Import({ QuotaStoreConfigurations.RedisQuotaStoreConfiguration.class,
		QuotaStoreConfigurations.InMemoryQuotaStoreConfiguration.class })
public class LlmQuotaAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	QuotaSettings llmQuotaSettings(LlmQuotaProperties properties, Environment environment) {
		RemovedProperties.check(environment);
		return QuotaSettingsFactory.create(properties);
	}

	@Bean
	@ConditionalOnMissingBean
	StreamStep llmQuotaStreamStep(LlmQuotaProperties properties) {
		LlmQuotaProperties.Streaming streaming = properties.getStreaming();
		if (streaming.getChargeEveryTokens() <= 0) {
			throw new InvalidQuotaConfigurationException("llm.quota.streaming.charge-every-tokens",
					streaming.getChargeEveryTokens(), "must be positive");
		}
		Duration interval = streaming.getChargeInterval();
		if (interval == null || interval.isNegative() || interval.isZero()
				|| interval.compareTo(properties.getLeaseTimeout()) >= 0) {
			throw new InvalidQuotaConfigurationException("llm.quota.streaming.charge-interval", interval,
					"must be positive and shorter than llm.quota.lease-timeout (" + properties.getLeaseTimeout()
							+ "), or a long stream loses its lease");
		}
		return new StreamStep(streaming.getChargeEveryTokens(), interval);
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(QuotaEngine.class)
	DefaultQuotaEngine llmQuotaEngine(QuotaSettings settings, QuotaStore store,
			ObjectProvider<QuotaEngineListener> listeners) {
		return new DefaultQuotaEngine(settings, store, listeners.orderedStream().toList());
	}

}
