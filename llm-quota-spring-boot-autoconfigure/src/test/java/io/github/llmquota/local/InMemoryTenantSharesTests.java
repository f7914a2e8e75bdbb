package io.github.llmquota.local;

import java.util.List;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.TenantSharesContractTests;

/**
 * The in-memory store shares a class between tenants as the Redis script does.
 */
class InMemoryTenantSharesTests extends TenantSharesContractTests {

	@Override
	protected List<? extends QuotaStore> createStores(QuotaSettings settings, boolean fifo) {
		InMemoryQuotaStore store = new InMemoryQuotaStore(settings, () -> this.now);
		store.setTenantFifoForTesting(fifo);
		return List.of(store);
	}

}
