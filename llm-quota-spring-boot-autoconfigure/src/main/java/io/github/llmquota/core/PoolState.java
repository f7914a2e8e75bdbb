package io.github.llmquota.core;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet-wide state of one pool, as {@link QuotaEngine#state(String)} read it: a
 * consistent reading taken at one instant, never updated afterwards. Immutable, so it may
 * be shared between threads. Durations are what remained at the reading: add them to the
 * time of the call to know until when.
 *
 * @param pool the pool
 * @param provider the pool's provider
 * @param dimensions one entry per limited dimension: the rate dimensions in the pool's
 * order, then {@link Dimension#CONCURRENCY} when the pool limits it
 * @param queued the requests waiting across the fleet per priority class, highest class
 * first
 * @param inFlight the calls in flight across the fleet
 * @param maxConcurrency the most calls in flight at once, or 0 when the pool does not
 * limit concurrency
 * @param multiplier the adaptive multiplier that provider rate-limit errors cut, in (0,
 * 1]
 * @param cooldown how long the pool still cools down after a provider rate limit;
 * {@link Duration#ZERO} when it does not
 * @param modelCooldowns per model of the pool, in the pool's order, how long it still
 * cools down after overload errors; {@link Duration#ZERO} when it does not
 * @param exhausted how long the pool stays marked exhausted fleet-wide after the provider
 * said its quota is used up; {@link Duration#ZERO} when it is not
 * @param exhaustedReason while the pool is exhausted, the provider's explanation, or
 * {@code null}
 * @param headEta how long until the request at the head of the queue fits, or
 * {@code null} when nobody waits or it depends on a call ending
 * @param streamOutput the output tokens the streams in flight produced so far, across the
 * fleet, as their last charge reported it
 * @param scopes the scopes above the pool, nearest first, as read in the same call (with
 * the limits the fleet applies now); empty when the pool names no scope
 */
public record PoolState(String pool, Provider provider, List<DimensionState> dimensions, Map<String, Long> queued,
		long inFlight, int maxConcurrency, double multiplier, Duration cooldown, Map<String, Duration> modelCooldowns,
		Duration exhausted, String exhaustedReason, Duration headEta, long streamOutput, List<ScopeState> scopes) {

	/**
	 * Create the state of a pool outside any scope.
	 * @param pool the pool
	 * @param provider the provider
	 * @param dimensions the dimensions
	 * @param queued the requests waiting per priority class, highest first
	 * @param inFlight the calls in flight
	 * @param maxConcurrency the most calls in flight, or 0
	 * @param multiplier the adaptive multiplier
	 * @param cooldown the pool's remaining cooldown
	 * @param modelCooldowns per model, its remaining cooldown
	 * @param exhausted how long the pool stays marked exhausted
	 * @param exhaustedReason the provider's explanation, or {@code null}
	 * @param headEta how long until the head fits, or {@code null}
	 * @param streamOutput the output tokens of the streams in flight so far
	 */
	public PoolState(String pool, Provider provider, List<DimensionState> dimensions, Map<String, Long> queued,
			long inFlight, int maxConcurrency, double multiplier, Duration cooldown,
			Map<String, Duration> modelCooldowns, Duration exhausted, String exhaustedReason, Duration headEta,
			long streamOutput) {
		this(pool, provider, dimensions, queued, inFlight, maxConcurrency, multiplier, cooldown, modelCooldowns,
				exhausted, exhaustedReason, headEta, streamOutput, List.of());
	}

	/**
	 * Create the state of a pool without streams in flight.
	 * @param pool the pool
	 * @param provider the provider
	 * @param dimensions the dimensions
	 * @param queued the requests waiting per priority class, highest first
	 * @param inFlight the calls in flight
	 * @param maxConcurrency the most calls in flight, or 0
	 * @param multiplier the adaptive multiplier
	 * @param cooldown the pool's remaining cooldown
	 * @param modelCooldowns per model, its remaining cooldown
	 * @param exhausted how long the pool stays marked exhausted
	 * @param exhaustedReason the provider's explanation, or {@code null}
	 * @param headEta how long until the head fits, or {@code null}
	 */
	public PoolState(String pool, Provider provider, List<DimensionState> dimensions, Map<String, Long> queued,
			long inFlight, int maxConcurrency, double multiplier, Duration cooldown,
			Map<String, Duration> modelCooldowns, Duration exhausted, String exhaustedReason, Duration headEta) {
		this(pool, provider, dimensions, queued, inFlight, maxConcurrency, multiplier, cooldown, modelCooldowns,
				exhausted, exhaustedReason, headEta, 0);
	}

	/**
	 * Create a pool's state. The collections are copied and keep their order.
	 * @param pool the pool
	 * @param provider the provider
	 * @param dimensions the dimensions
	 * @param queued the requests waiting per priority class, highest first
	 * @param inFlight the calls in flight
	 * @param maxConcurrency the most calls in flight, or 0
	 * @param multiplier the adaptive multiplier
	 * @param cooldown the pool's remaining cooldown
	 * @param modelCooldowns per model, its remaining cooldown
	 * @param exhausted how long the pool stays marked exhausted
	 * @param exhaustedReason the provider's explanation, or {@code null}
	 * @param headEta how long until the head fits, or {@code null}
	 * @param streamOutput the output tokens of the streams in flight so far
	 * @param scopes the scopes above the pool, nearest first
	 */
	public PoolState {
		dimensions = List.copyOf(dimensions);
		scopes = (scopes != null) ? List.copyOf(scopes) : List.of();
		queued = Collections.unmodifiableMap(new LinkedHashMap<>(queued));
		modelCooldowns = Collections.unmodifiableMap(new LinkedHashMap<>(modelCooldowns));
	}

	/**
	 * Return the pool's utilisation: the highest utilisation of any of its dimensions,
	 * concurrency included, 1.0 being the whole provider limit. The figure the alert
	 * thresholds, health and gauges all judge; mitigation acts on {@link PoolPressure}
	 * instead.
	 * @return the utilisation, 0 for a pool without limits
	 */
	public double utilisation() {
		return this.dimensions.stream().mapToDouble(DimensionState::utilisation).max().orElse(0);
	}

	/**
	 * Return the pool's headroom: the share of its tightest dimension that a request
	 * could take now, in [0, 1]. It ignores queues and cooldowns, which
	 * {@link #totalQueued()} and {@link #cooldownOf(String)} tell.
	 * @return the headroom, 1 for a pool without limits
	 */
	public double headroom() {
		return this.dimensions.stream().mapToDouble(DimensionState::headroom).min().orElse(1);
	}

	/**
	 * Return the state of one dimension.
	 * @param dimension the dimension
	 * @return its state, or {@code null} when the pool does not limit it
	 */
	public DimensionState dimension(Dimension dimension) {
		for (DimensionState state : this.dimensions) {
			if (state.dimension() == dimension) {
				return state;
			}
		}
		return null;
	}

	/**
	 * Return the number of requests waiting, over all classes.
	 * @return the total queue depth
	 */
	public long totalQueued() {
		return this.queued.values().stream().mapToLong(Long::longValue).sum();
	}

	/**
	 * Return how long a call to a model of the pool must still wait for cooldowns: the
	 * longer of the pool's and the model's.
	 * @param model the model
	 * @return the remaining cooldown, {@link Duration#ZERO} when none
	 * @throws IllegalArgumentException if the model is not in this pool
	 */
	public Duration cooldownOf(String model) {
		Duration modelCooldown = this.modelCooldowns.get(model);
		if (modelCooldown == null) {
			throw new IllegalArgumentException("'model' " + model + " is not in pool '" + this.pool + "' (its models: "
					+ this.modelCooldowns.keySet() + ")");
		}
		return (modelCooldown.compareTo(this.cooldown) > 0) ? modelCooldown : this.cooldown;
	}

	/**
	 * Whether the pool is marked exhausted fleet-wide, so that every request is refused.
	 * @return whether the pool is exhausted
	 */
	public boolean isExhausted() {
		return this.exhausted.compareTo(Duration.ZERO) > 0;
	}

	/**
	 * Whether the pool cools down after a provider rate limit.
	 * @return whether the pool cools down
	 */
	public boolean isCoolingDown() {
		return this.cooldown.compareTo(Duration.ZERO) > 0;
	}

}
