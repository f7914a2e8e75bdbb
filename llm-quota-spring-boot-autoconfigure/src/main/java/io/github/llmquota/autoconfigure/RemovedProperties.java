package io.github.llmquota.autoconfigure;

import java.util.Map;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Properties that llm-quota no longer reads. A value set for one would be silently
 * ignored, so startup stops instead, naming its replacement. The IDE help marks the same
 * properties as errors ({@code additional-spring-configuration-metadata.json}).
 */
final class RemovedProperties {

	private static final Map<String, String> REPLACEMENTS = Map.of("llm.quota.fallback.critical-threshold",
			"llm.quota.pressure.max-queue-drain: the fallback chain now diverts calls when their pool is under"
					+ " pressure (a queue that takes longer than max-queue-drain to drain, recent 429s or an"
					+ " exhausted quota), not at a utilisation threshold",
			"llm.quota.batch.input-price-per-million",
			"llm.quota.prices.models.<model>.input: the batch valve reports the money saved from the price table",
			"llm.quota.batch.output-price-per-million",
			"llm.quota.prices.models.<model>.output: the batch valve reports the money saved from the price table");

	private RemovedProperties() {
	}

	/**
	 * Stop startup when the environment sets a removed property, in any relaxed form.
	 * @param environment the environment
	 * @throws InvalidQuotaConfigurationException naming the property and its replacement
	 */
	static void check(Environment environment) {
		Binder binder = Binder.get(environment);
		REPLACEMENTS.forEach((property, replacement) -> {
			binder.bind(property, String.class).ifBound((value) -> {
				throw new InvalidQuotaConfigurationException(property, value, "removed; use " + replacement);
			});
			// A removed map (a price per model) is set by its entries.
			binder.bind(property, Bindable.mapOf(String.class, String.class)).ifBound((value) -> {
				throw new InvalidQuotaConfigurationException(property, value, "removed; use " + replacement);
			});
		});
	}

}
