package io.github.llmquota.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.TenantLimitsContractTests;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * The Lua script limits each tenant in buckets of its own, on a real Redis with time
 * driven by the test.
 */
class RedisTenantLimitsTests extends TenantLimitsContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

}
