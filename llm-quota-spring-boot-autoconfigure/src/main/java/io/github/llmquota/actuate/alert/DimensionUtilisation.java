package io.github.llmquota.actuate.alert;

import java.util.List;
import java.util.Locale;

import io.github.llmquota.core.Dimension;

/**
 * How much of one dimension of a pool the fleet uses.
 *
 * @param dimension the dimension
 * @param limit the provider's limit per window of the dimension (for
 * {@link Dimension#CONCURRENCY}, the most calls in flight)
 * @param effectiveLimit what the engine plans to use of it: the limit less the safety
 * margin, times the adaptive multiplier (for concurrency, the limit)
 * @param usedLastMinute the units the whole fleet consumed in the trailing 60 seconds (for
 * concurrency, the calls in flight now)
 * @param utilisation {@code usedLastMinute} divided by the provider's per-minute limit; a
 * per-day limit counts as 1/1440 of itself per minute (for concurrency, in-flight calls
 * divided by the limit)
 * @param available the units a request could take now: the bucket's effective capacity less
 * its level (for concurrency, the free slots)
 * @param trend per minute of the last hour, oldest first and the current partial minute
 * last, the utilisation of that minute; empty for concurrency, which keeps no history
 */
public record DimensionUtilisation(Dimension dimension, long limit, double effectiveLimit, double usedLastMinute,
		double utilisation, double available, List<Double> trend) {

	/**
	 * Return the name of a dimension as the endpoint, meters and logs show it: the property
	 * name of its limit, such as {@code requests-per-minute}, or {@code concurrency}.
	 * @param dimension the dimension
	 * @return its name
	 */
	public static String nameOf(Dimension dimension) {
		return dimension.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Return the name of this row's dimension.
	 * @return the name
	 * @see #nameOf(Dimension)
	 */
	public String name() {
		return nameOf(this.dimension);
	}

}
