package io.github.llmquota.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.QuotaStoreAccountingContractTests;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * The Lua script counts the edge cases, against a real Redis with time driven by the
 * test.
 */
class RedisQuotaStoreAccountingTests extends QuotaStoreAccountingContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

}
