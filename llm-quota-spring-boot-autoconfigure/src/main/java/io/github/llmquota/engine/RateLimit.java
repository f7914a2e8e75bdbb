package io.github.llmquota.engine;

import io.github.llmquota.core.Dimension;

/**
 * A rate dimension of a pool, with the bucket the engine derives from it.
 *
 * @param dimension the dimension
 * @param limit the provider's limit per window of the dimension
 * @param capacity the bucket size the engine plans against, after the safety margin and
 * burst horizon
 * @param ratePerMilli how fast the bucket refills, in units per millisecond, after the
 * safety margin
 */
public record RateLimit(Dimension dimension, long limit, double capacity, double ratePerMilli) {

	/**
	 * Derive the bucket for a provider limit.
	 * @param dimension a rate dimension
	 * @param limit the provider's limit per window
	 * @param safetyMargin the share of the limit kept unused, in [0, 1)
	 * @param burstHorizon the longest burst, in milliseconds, that the bucket may absorb;
	 * capped at the dimension's window
	 * @return the rate limit
	 */
	public static RateLimit of(Dimension dimension, long limit, double safetyMargin, long burstHorizon) {
		long window = dimension.getWindow().toMillis();
		double effective = limit * (1 - safetyMargin);
		double horizon = Math.min(burstHorizon, window);
		return new RateLimit(dimension, limit, effective * horizon / window, effective / window);
	}

	/**
	 * Return the part of the provider limit the engine never plans to use: the safety
	 * margin, in units of the dimension.
	 * @return the unplanned share of the limit
	 */
	public long unplannedShare() {
		double planned = this.ratePerMilli * this.dimension.getWindow().toMillis();
		return Math.round(this.limit - planned);
	}

}
