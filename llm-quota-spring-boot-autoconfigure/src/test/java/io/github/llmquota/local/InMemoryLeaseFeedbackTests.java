package io.github.llmquota.local;

import io.github.llmquota.engine.LeaseFeedbackContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;

/**
 * Provider feedback through a lease, kept in memory.
 */
class InMemoryLeaseFeedbackTests extends LeaseFeedbackContractTests {

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

}
