package io.github.llmquota.redis;

import java.util.List;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.TenantSharesContractTests;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * The Lua script shares a class between tenants fleet-wide: three stores, as three JVMs,
 * on one real Redis, with time driven by the test.
 */
class RedisTenantSharesTests extends TenantSharesContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected List<? extends QuotaStore> createStores(QuotaSettings settings, boolean fifo) {
		List<RedisQuotaStore> stores = List.of(this.redis.create(settings, () -> this.now),
				this.redis.create(settings, () -> this.now), this.redis.create(settings, () -> this.now));
		stores.forEach((store) -> store.setTenantFifoForTesting(fifo));
		return stores;
	}

}
