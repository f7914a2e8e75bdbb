package io.github.llmquota.actuate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.llmquota.failover.FailoverQuotaStore;

/**
 * Shows whether the engine runs on its fail mode because Redis cannot be reached, and how
 * many requests {@code open} mode let through without any limit.
 */
public class FailoverMeterBinder implements MeterBinder {

	private final FailoverQuotaStore store;

	/**
	 * Create a binder.
	 * @param store the store whose state to show
	 */
	public FailoverMeterBinder(FailoverQuotaStore store) {
		this.store = store;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder(LlmQuotaMetricNames.DEGRADED, this.store, (store) -> store.isDegraded() ? 1 : 0)
			.description("1 while Redis cannot be reached and the fail mode decides, 0 otherwise")
			.tag(LlmQuotaMetricNames.TAG_FAIL_MODE, this.store.getFailMode().name().toLowerCase())
			.register(registry);
		FunctionCounter
			.builder(LlmQuotaMetricNames.UNLIMITED_ADMISSIONS, this.store, FailoverQuotaStore::getUnlimitedAdmissions)
			.description("Requests admitted without any limit while Redis could not be reached (fail mode open)")
			.register(registry);
	}

}
