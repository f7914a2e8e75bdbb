package io.github.llmquota.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.stream.StreamChargeContractTests;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * Streams accounted as they flow, kept by the Lua script in a real Redis.
 */
class RedisStreamChargeTests extends StreamChargeContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

}
