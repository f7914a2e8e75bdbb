package io.github.llmquota.local;

import io.github.llmquota.engine.AdmissionNewsContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;

/**
 * The in-memory store tells the engine about its waiting tickets as the Redis script does.
 */
class InMemoryAdmissionNewsTests extends AdmissionNewsContractTests {

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

}
