package io.github.llmquota.metrics;

/**
 * Names of the meters llm-quota publishes. Meters are tagged only with bounded values such
 * as the model name.
 */
public final class LlmQuotaMetricNames {

	/**
	 * Counter of governed calls that completed without a usage report and so settled at what
	 * they reserved, tagged by {@code model}. A steady rate means a return type that needs a
	 * {@link io.github.llmquota.usage.UsageExtractor} or a {@code usage} expression.
	 */
	public static final String USAGE_MISSING = "llm.quota.usage.missing";

	/**
	 * Counter of calls a fallback chain admitted on another model than the one they asked
	 * for, tagged by {@code chain}, {@code from} (the asked-for model) and {@code to} (the
	 * model that took the call).
	 */
	public static final String FALLBACKS = "llm.quota.fallbacks";

	private LlmQuotaMetricNames() {
	}

}
