package io.github.llmquota.local;

import java.util.List;

import io.github.llmquota.engine.AdmissionOrderContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;

/**
 * The in-memory store's admission log measures inversions as the Redis script's does.
 */
class InMemoryAdmissionOrderTests extends AdmissionOrderContractTests {

	private InMemoryQuotaStore store;

	@Override
	protected QuotaStore createStore(QuotaSettings settings, boolean arrivalOrder) {
		this.store = new InMemoryQuotaStore(settings, () -> this.now);
		this.store.setAdmissionLog(true);
		this.store.setArrivalOrderForTesting(arrivalOrder);
		return this.store;
	}

	@Override
	protected List<String> admissionLog(String pool) {
		return this.store.admissionLog(pool);
	}

}
