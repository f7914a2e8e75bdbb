package io.github.llmquota.core;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * How busy a model's pool is across the fleet, for callers that slow their own intake
 * before the waiting room starts shedding: a summary of its {@link PoolState}.
 *
 * @param pool the pool
 * @param queueDepth the requests waiting per priority class, highest class first
 * @param headEta how long until the request at the head of the queue fits, or
 * {@code null} when nobody waits or it depends on a call ending
 * @param utilisation per dimension, the units consumed across the fleet in the trailing
 * minute divided by the provider's per-minute limit (1.0 = the whole provider limit); for
 * {@link Dimension#CONCURRENCY}, when the pool limits it, the calls in flight divided by
 * the most calls in flight. The same figure health, gauges and alerts report
 * @param inFlight the calls in flight across the fleet
 */
public record Backpressure(String pool, Map<String, Long> queueDepth, Duration headEta,
		Map<Dimension, Double> utilisation, long inFlight) {

	/**
	 * Summarise a pool's state.
	 * @param state the pool's state
	 * @return its backpressure
	 */
	public static Backpressure of(PoolState state) {
		Map<Dimension, Double> utilisation = new EnumMap<>(Dimension.class);
		state.dimensions().forEach((dimension) -> utilisation.put(dimension.dimension(), dimension.utilisation()));
		return new Backpressure(state.pool(), state.queued(), state.headEta(), utilisation, state.inFlight());
	}

	/**
	 * Return the number of requests waiting, over all classes.
	 * @return the total queue depth
	 */
	public long totalQueued() {
		return this.queueDepth.values().stream().mapToLong(Long::longValue).sum();
	}

}
