package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.sample.load.ProviderTraffic.ModelTraffic;

/**
 * Goodput: how much of the configured provider limits a run turned into successful calls.
 * <p>
 * For each per-minute dimension, it is the units the provider counted for the run's 2xx
 * answers, per minute of the run, divided by the configured limit
 * ({@code llm.quota.models}, before the safety margin) of the pools that served them,
 * summed over those pools:
 * <ul>
 * <li>requests-per-minute: the successful calls;</li>
 * <li>input-tokens-per-minute: uncached input plus cache writes, plus cache reads only
 * for models whose cache reads count as input;</li>
 * <li>output-tokens-per-minute: output tokens;</li>
 * <li>tokens-per-minute: input, as above, plus output.</li>
 * </ul>
 * Failed calls, 429s and rejected calls add nothing. The safety margin caps steady-state
 * goodput at {@code 100 % - margin}; a pool that starts the run with full buckets can
 * spend them on top, so a run shorter than the burst horizon can show more than 100 %.
 */
final class Goodput {

	private static final Duration MINUTE = Duration.ofMinutes(1);

	private Goodput() {
	}

	/**
	 * Compute the goodput of a run.
	 * @param models the configured models, by name, as {@link QuotaSettings#models()} has
	 * them
	 * @param served the successful answers by model
	 * @param duration how long the run took
	 * @return the goodput
	 */
	static Result of(Map<String, ModelSpec> models, Map<String, ModelTraffic> served, Duration duration) {
		double minutes = duration.toNanos() / (double) MINUTE.toNanos();
		Map<String, Double> consumed = new LinkedHashMap<>();
		Map<String, PoolSpec> pools = new TreeMap<>();
		served.forEach((name, traffic) -> {
			ModelSpec model = models.get(name);
			if (traffic.succeeded() == 0 || model == null) {
				return;
			}
			pools.put(model.pool().name(), model.pool());
			for (RateLimit rate : perMinute(model.pool())) {
				consumed.merge(name(rate), cost(model, rate, traffic), Double::sum);
			}
		});
		Map<String, Double> capacity = new LinkedHashMap<>();
		pools.values()
			.forEach((pool) -> perMinute(pool)
				.forEach((rate) -> capacity.merge(name(rate), rate.limit() * minutes, Double::sum)));
		Map<String, Double> percent = new LinkedHashMap<>();
		consumed.forEach((dimension, units) -> percent.put(dimension,
				Math.round(1000 * units / capacity.get(dimension)) / 10.0));
		return new Result(percent, new ArrayList<>(pools.keySet()));
	}

	private static List<RateLimit> perMinute(PoolSpec pool) {
		return pool.rates().stream().filter((rate) -> MINUTE.equals(rate.dimension().getWindow())).toList();
	}

	private static double cost(ModelSpec model, RateLimit rate, ModelTraffic traffic) {
		long input = traffic.inputTokens() + traffic.cacheCreationInputTokens()
				+ (model.cacheReadsCountAsInput() ? traffic.cacheReadInputTokens() : 0);
		return switch (rate.dimension()) {
			case REQUESTS_PER_MINUTE -> traffic.succeeded();
			case INPUT_TOKENS_PER_MINUTE -> input;
			case OUTPUT_TOKENS_PER_MINUTE -> traffic.outputTokens();
			case TOKENS_PER_MINUTE -> input + traffic.outputTokens();
			default -> 0;
		};
	}

	private static String name(RateLimit rate) {
		return rate.dimension().name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * A run's goodput.
	 *
	 * @param percent per dimension, the goodput in percent of the limits
	 * @param pools the pools whose limits it is a share of
	 */
	record Result(Map<String, Double> percent, List<String> pools) {

	}

}
