package io.github.llmquota.core;

import java.util.List;
import java.util.Locale;

/**
 * How much of one dimension of a pool the fleet uses, as part of a {@link PoolState}.
 * Immutable.
 *
 * @param dimension the dimension
 * @param limit the provider's limit per window of the dimension (for
 * {@link Dimension#CONCURRENCY}, the most calls in flight)
 * @param capacity the most units the engine lets a burst take at once: the bucket size
 * after the safety margin and burst horizon, before the adaptive multiplier (for
 * concurrency, the limit)
 * @param effectiveLimit what the engine plans to use of the limit per window: the limit
 * less the safety margin, times the adaptive multiplier (for concurrency, the limit)
 * @param used the units the whole fleet consumed in the trailing 60 seconds (for
 * concurrency, the calls in flight now)
 * @param utilisation {@code used} divided by the provider's per-minute limit, 1.0 being
 * the whole provider limit; a per-day limit counts as 1/1440 of itself per minute (for
 * concurrency, the calls in flight divided by the limit)
 * @param available the units a request could take now, never negative: the bucket's
 * capacity times the multiplier less its level (for concurrency, the free slots)
 * @param trend per minute of the last hour, oldest first and the current partial minute
 * last, the utilisation of that minute; empty for concurrency, which keeps no history
 */
public record DimensionState(Dimension dimension, long limit, double capacity, double effectiveLimit, double used,
		double utilisation, double available, List<Double> trend) {

	/**
	 * Create a dimension's state.
	 * @param dimension the dimension
	 * @param limit the provider's limit per window
	 * @param capacity the bucket size before the multiplier, positive
	 * @param effectiveLimit what the engine plans to use per window
	 * @param used the units consumed in the trailing minute
	 * @param utilisation the utilisation
	 * @param available the units a request could take now
	 * @param trend the utilisation of each minute of the last hour, copied
	 */
	public DimensionState {
		trend = List.copyOf(trend);
	}

	/**
	 * Return the name of a dimension as the endpoint, meters and logs show it: the
	 * property name of its limit, such as {@code requests-per-minute}, or
	 * {@code concurrency}.
	 * @param dimension the dimension
	 * @return its name
	 */
	public static String nameOf(Dimension dimension) {
		return dimension.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Return the name of this dimension.
	 * @return the name
	 * @see #nameOf(Dimension)
	 */
	public String name() {
		return nameOf(this.dimension);
	}

	/**
	 * Return the share of the dimension a request could take now: {@link #available()}
	 * divided by {@link #capacity()}, in [0, 1].
	 * @return the dimension's headroom
	 */
	public double headroom() {
		return Math.min(this.available / this.capacity, 1);
	}

}
