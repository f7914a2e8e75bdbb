package io.github.llmquota.local;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaEngineContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;

/**
 * The engine over the in-memory store.
 */
class InMemoryQuotaEngineTests extends QuotaEngineContractTests {

	private final Map<String, Object[]> stores = new ConcurrentHashMap<>();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		InMemoryQuotaStore store = new InMemoryQuotaStore(settings);
		PoolSpec pool = settings.pools().values().iterator().next();
		this.stores.put(pool.name(), new Object[] { store, pool });
		return store;
	}

	@Override
	protected long waitingTickets(String pool) {
		Object[] entry = this.stores.get(pool);
		return ((InMemoryQuotaStore) entry[0]).waitingTickets((PoolSpec) entry[1]);
	}

}
