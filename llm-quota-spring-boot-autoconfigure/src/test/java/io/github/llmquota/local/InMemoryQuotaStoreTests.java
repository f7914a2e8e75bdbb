package io.github.llmquota.local;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.QuotaStoreContractTests;

/**
 * The in-memory store makes the same decisions as the Redis script.
 */
class InMemoryQuotaStoreTests extends QuotaStoreContractTests {

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

}
