package io.github.llmquota.actuate.metrics;

import java.util.Collection;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.llmquota.batch.BatchValve;

/**
 * Shows the batch valve at work: the calls this instance deferred, the batches in flight
 * and the input tokens queued at the provider per pool fleet-wide (with their limit, when
 * one is set), and the money the batch discount saved. The gauges read what the valve's
 * last step saw, so a scrape makes no Redis call.
 */
public class BatchValveMeterBinder implements MeterBinder {

	private final BatchValve valve;

	private final Collection<String> pools;

	/**
	 * Create a binder.
	 * @param valve the valve to show
	 * @param pools the pools to show batches in flight of
	 */
	public BatchValveMeterBinder(BatchValve valve, Collection<String> pools) {
		this.valve = valve;
		this.pools = pools;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter.builder(LlmQuotaMetricNames.BATCH_DEFERRED, this.valve, BatchValve::deferredCount)
			.description("Calls this instance deferred to a provider's batch API")
			.register(registry);
		FunctionCounter.builder(LlmQuotaMetricNames.BATCH_SAVED, this.valve, BatchValve::saved)
			.description("Money the batch discount saved on the batches this instance completed")
			.register(registry);
		for (String pool : this.pools) {
			Gauge
				.builder(LlmQuotaMetricNames.BATCH_IN_FLIGHT, this.valve,
						(valve) -> valve.batchesInFlight().getOrDefault(pool, 0L))
				.description("Batches submitted to the provider and not yet completed, fleet-wide")
				.tag(LlmQuotaMetricNames.TAG_POOL, pool)
				.register(registry);
			Gauge
				.builder(LlmQuotaMetricNames.BATCH_QUEUED_TOKENS, this.valve,
						(valve) -> valve.queuedTokens().getOrDefault(pool, 0L))
				.description("Input tokens of deferred calls in the provider's batch queue, fleet-wide")
				.baseUnit("tokens")
				.tag(LlmQuotaMetricNames.TAG_POOL, pool)
				.register(registry);
			this.valve.maxQueuedTokens()
				.ifPresent((limit) -> Gauge.builder(LlmQuotaMetricNames.BATCH_QUEUED_TOKENS_LIMIT, () -> limit)
					.description("Most input tokens of deferred calls in the provider's batch queue")
					.baseUnit("tokens")
					.tag(LlmQuotaMetricNames.TAG_POOL, pool)
					.register(registry));
		}
	}

}
