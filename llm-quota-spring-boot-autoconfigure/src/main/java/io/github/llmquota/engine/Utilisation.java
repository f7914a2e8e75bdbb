package io.github.llmquota.engine;

/**
 * The one definition of a dimension's utilisation, shared by the engine's
 * {@link io.github.llmquota.core.Backpressure} and by health, gauges and alerts, so that
 * they cannot disagree about the same pool. Mitigation does not act on it: see
 * {@link io.github.llmquota.core.PoolPressure}.
 * <p>
 * A rate dimension's utilisation is the units the fleet consumed in the trailing minute
 * divided by the provider's per-minute limit (a per-day limit counts as 1/1440 of itself
 * per minute). Concurrency counts too: its utilisation is the calls in flight divided by
 * the most calls in flight. A pool whose calls are slow is as unable to take more work at
 * its concurrency limit as it is at a token limit, so a threshold that ignored
 * concurrency would call such a pool healthy while every new request waits.
 */
public final class Utilisation {

	private static final double MINUTE = 60_000.0;

	private Utilisation() {
	}

	/**
	 * Return the provider's limit of a rate dimension, per minute.
	 * @param rate the rate limit
	 * @return the limit per minute
	 */
	public static double perMinute(RateLimit rate) {
		return rate.limit() * MINUTE / rate.dimension().getWindow().toMillis();
	}

	/**
	 * Return the utilisation of a rate dimension.
	 * @param rate the rate limit
	 * @param usedPerMinute the units consumed in a minute
	 * @return the utilisation, 1.0 being the whole provider limit
	 */
	public static double ofRate(RateLimit rate, double usedPerMinute) {
		return usedPerMinute / perMinute(rate);
	}

	/**
	 * Return the utilisation of a scope's rate dimension, which keeps no usage history:
	 * its bucket's level as a share of the bucket's capacity, 1.0 being a full bucket
	 * (the next request of any of the scope's pools waits).
	 * @param rate the scope's rate limit
	 * @param level the bucket's level now
	 * @return the utilisation
	 */
	public static double ofLevel(RateLimit rate, double level) {
		return level / rate.capacity();
	}

	/**
	 * Return the utilisation of a pool's concurrency.
	 * @param inFlight the calls in flight
	 * @param maxConcurrency the most calls in flight, positive
	 * @return the utilisation, 1.0 being every slot taken
	 */
	public static double ofConcurrency(long inFlight, long maxConcurrency) {
		return (double) inFlight / maxConcurrency;
	}

}
