package io.github.llmquota.redis;

import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.engine.QuotaSettings;

/**
 * A mutant for tests outside this package: a {@link RedisQuotaStore} that never reloads
 * the live settings when the script says they changed, so that a test of fleet-wide live
 * changes can show that it catches such a store.
 */
public final class NeverReloadingStores {

	private NeverReloadingStores() {
	}

	/**
	 * Create a store that keeps deciding on the live settings it first read.
	 * @param connectionFactory the Redis connection factory
	 * @param settings the settings
	 * @param keyPrefix the prefix of every key
	 * @return the store, not yet started
	 */
	public static RedisQuotaStore create(RedisConnectionFactory connectionFactory, QuotaSettings settings,
			String keyPrefix) {
		RedisQuotaStore store = new RedisQuotaStore(connectionFactory, settings, keyPrefix);
		store.reloadsLiveSettings = false;
		return store;
	}

}
