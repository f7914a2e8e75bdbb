package io.github.llmquota.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.WaitingTenantsContractTests;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * The Lua script lists the tenants with the most tokens waiting across the fleet, on a
 * real Redis with time driven by the test.
 */
class RedisWaitingTenantsTests extends WaitingTenantsContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

}
