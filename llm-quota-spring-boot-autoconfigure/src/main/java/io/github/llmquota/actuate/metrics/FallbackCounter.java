package io.github.llmquota.actuate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.github.llmquota.fallback.FallbackListener;

import org.springframework.util.Assert;

/**
 * Counts calls that fallback chains moved to another model, as
 * {@value LlmQuotaMetricNames#FALLBACKS} tagged by {@code chain}, {@code from} and
 * {@code to}. The tags are configured chain and model names, so they stay bounded.
 * Thread-safe.
 */
public class FallbackCounter implements FallbackListener {

	private final MeterRegistry registry;

	/**
	 * Create a counter that registers its meters in the given registry.
	 * @param registry the registry
	 * @throws IllegalArgumentException if {@code registry} is {@code null}
	 */
	public FallbackCounter(MeterRegistry registry) {
		Assert.notNull(registry, "'registry' must not be null");
		this.registry = registry;
	}

	@Override
	public void fellBack(String chain, String from, String to) {
		Counter.builder(LlmQuotaMetricNames.FALLBACKS)
			.description("Calls a fallback chain admitted on another model than the one they asked for")
			.tag(LlmQuotaMetricNames.TAG_CHAIN, chain)
			.tag(LlmQuotaMetricNames.TAG_FROM, from)
			.tag(LlmQuotaMetricNames.TAG_TO, to)
			.register(this.registry)
			.increment();
	}

}
