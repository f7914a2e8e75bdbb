package io.github.llmquota.local;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.QuotaStoreAccountingContractTests;

/**
 * The in-memory store counts the edge cases as the Redis script does.
 */
class InMemoryQuotaStoreAccountingTests extends QuotaStoreAccountingContractTests {

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

}
