package io.github.llmquota.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.LeaseFeedbackContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * Provider feedback through a lease, kept by the Lua script in a real Redis.
 */
class RedisLeaseFeedbackTests extends LeaseFeedbackContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

}
