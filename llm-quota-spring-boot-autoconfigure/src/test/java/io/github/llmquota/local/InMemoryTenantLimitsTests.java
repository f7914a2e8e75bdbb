package io.github.llmquota.local;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.TenantLimitsContractTests;

/**
 * The in-memory twin limits each tenant as the script does.
 */
class InMemoryTenantLimitsTests extends TenantLimitsContractTests {

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

}
