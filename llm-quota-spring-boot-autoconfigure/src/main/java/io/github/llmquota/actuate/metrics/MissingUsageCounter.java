package io.github.llmquota.actuate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.github.llmquota.aop.LlmCallListener;
import io.github.llmquota.core.QuotaLease;

import org.springframework.util.Assert;

/**
 * Counts governed calls whose usage could not be found, as
 * {@value LlmQuotaMetricNames#USAGE_MISSING} tagged by {@code model}. Thread-safe.
 */
public class MissingUsageCounter implements LlmCallListener {

	private final MeterRegistry registry;

	/**
	 * Create a counter that registers its meters in the given registry.
	 * @param registry the registry
	 * @throws IllegalArgumentException if {@code registry} is {@code null}
	 */
	public MissingUsageCounter(MeterRegistry registry) {
		Assert.notNull(registry, "'registry' must not be null");
		this.registry = registry;
	}

	@Override
	public void onUsageMissing(QuotaLease lease) {
		Counter.builder(LlmQuotaMetricNames.USAGE_MISSING)
			.description("Calls that reported no token usage and settled at their reservation")
			.tag("model", lease.model())
			.register(this.registry)
			.increment();
	}

}
