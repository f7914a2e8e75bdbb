package io.github.llmquota.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.failover.FailoverQuotaStore;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.redis.RedisQuotaStore;

/**
 * The quota store choices, imported in order of preference.
 */
final class QuotaStoreConfigurations {

	private QuotaStoreConfigurations() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedisConnectionFactory.class)
	@ConditionalOnBean(RedisConnectionFactory.class)
	static class RedisQuotaStoreConfiguration {

		@Bean
		@ConditionalOnMissingBean(QuotaStore.class)
		FailoverQuotaStore llmQuotaStore(RedisConnectionFactory connectionFactory, QuotaSettings settings,
				LlmQuotaProperties properties) {
			LlmQuotaProperties.Redis redis = properties.getRedis();
			RedisQuotaStore store = new RedisQuotaStore(connectionFactory, settings, properties.getKeyPrefix(),
					redis.getTimeout());
			store.setCallsCombined(redis.isCombineCalls());
			return new FailoverQuotaStore(store, settings, redis.getFailMode(), redis.getRetryInterval());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InMemoryQuotaStoreConfiguration {

		@Bean
		@ConditionalOnMissingBean(QuotaStore.class)
		InMemoryQuotaStore llmQuotaStore(QuotaSettings settings) {
			return new InMemoryQuotaStore(settings);
		}

	}

}
