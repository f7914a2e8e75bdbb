package io.github.llmquota.local;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.stream.StreamChargeContractTests;

/**
 * Streams accounted as they flow, kept in memory.
 */
class InMemoryStreamChargeTests extends StreamChargeContractTests {

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

}
