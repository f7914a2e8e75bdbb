package io.github.llmquota.redis;

import java.util.List;

import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.engine.AdmissionOrderContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.DrivenRedisStores;

/**
 * The Lua script's admission log measures inversions in the call that admits, against a
 * real Redis with time driven by the test.
 */
class RedisAdmissionOrderTests extends AdmissionOrderContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	private RedisQuotaStore store;

	@Override
	protected QuotaStore createStore(QuotaSettings settings, boolean arrivalOrder) {
		this.store = this.redis.create(settings, () -> this.now);
		this.store.setAdmissionLog(true);
		this.store.setArrivalOrderForTesting(arrivalOrder);
		return this.store;
	}

	@Override
	protected List<String> admissionLog(String pool) {
		return this.store.admissionLog(pool);
	}

}
