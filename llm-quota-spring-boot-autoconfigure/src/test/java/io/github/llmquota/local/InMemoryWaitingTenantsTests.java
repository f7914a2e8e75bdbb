package io.github.llmquota.local;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.WaitingTenantsContractTests;

/**
 * The in-memory twin lists the waiting tenants as the script does.
 */
class InMemoryWaitingTenantsTests extends WaitingTenantsContractTests {

	private InMemoryQuotaStore store;

	// One store for both engines: it is one JVM's whole state.
	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		if (this.store == null) {
			this.store = new InMemoryQuotaStore(settings, () -> this.now);
		}
		return this.store;
	}

}
