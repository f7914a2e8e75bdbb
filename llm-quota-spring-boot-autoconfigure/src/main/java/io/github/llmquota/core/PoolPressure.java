package io.github.llmquota.core;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a pool is under pressure, read from one {@link PoolState}: the one definition
 * that mitigation (shedding the lowest class, the fallback chain's diversion) acts on.
 * <p>
 * Utilisation alone is never pressure: a fleet that uses what its safety margin allows,
 * with no queue that takes long to drain and no provider rate limit, is healthy, and its
 * background work waits within its own wait budget instead of being shed. A pool is under
 * pressure when one of the {@link Cause causes} holds:
 * <ul>
 * <li>{@link Cause#QUEUE}: its queue takes longer than a bound to drain. The drain time
 * is the head's ETA plus one request-per-minute refill interval per request behind it
 * (the rate the pool admits at, after margin and multiplier), so a queue that grows is
 * seen before its head waits long. Where the head waits for a call to end (concurrency),
 * the drain time is unknown, and the queue counts once more requests wait than the pool
 * lets run at once;</li>
 * <li>{@link Cause#RATE_LIMITED}: the provider answered 429 recently: the pool cools
 * down, or the adaptive multiplier that 429s cut has not yet recovered to 1;</li>
 * <li>{@link Cause#EXHAUSTED}: the provider said the quota behind the pool is used
 * up.</li>
 * </ul>
 * Immutable.
 *
 * @param pool the pool
 * @param causes why the pool is under pressure; empty when it is not
 * @param queueDrain how long the pool's queue takes to drain, {@link Duration#ZERO} when
 * nobody waits, or {@code null} when it depends on calls ending
 */
public record PoolPressure(String pool, Set<Cause> causes, Duration queueDrain) {

	/** The default bound on the queue's drain time: 5 seconds. */
	public static final Duration DEFAULT_MAX_QUEUE_DRAIN = Duration.ofSeconds(5);

	/**
	 * Create a reading, copying the causes.
	 * @param pool the pool
	 * @param causes the causes
	 * @param queueDrain the queue's drain time, or {@code null}
	 */
	public PoolPressure {
		causes = causes.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(causes));
	}

	/**
	 * Read a pool's pressure from its state.
	 * @param state the pool's state
	 * @param maxQueueDrain how long the queue may take to drain before the pool is under
	 * pressure
	 * @return the pool's pressure
	 * @throws IllegalArgumentException if the bound is negative
	 */
	public static PoolPressure of(PoolState state, Duration maxQueueDrain) {
		if (maxQueueDrain == null || maxQueueDrain.isNegative()) {
			throw new IllegalArgumentException("maxQueueDrain must not be negative, was " + maxQueueDrain);
		}
		Set<Cause> causes = EnumSet.noneOf(Cause.class);
		Duration drain = queueDrain(state);
		boolean longQueue = (drain != null) ? drain.compareTo(maxQueueDrain) > 0
				: state.totalQueued() > Math.max(state.maxConcurrency(), 1);
		if (longQueue) {
			causes.add(Cause.QUEUE);
		}
		if (state.isCoolingDown() || state.multiplier() < 1) {
			causes.add(Cause.RATE_LIMITED);
		}
		if (state.isExhausted()) {
			causes.add(Cause.EXHAUSTED);
		}
		return new PoolPressure(state.pool(), causes, drain);
	}

	private static Duration queueDrain(PoolState state) {
		long queued = state.totalQueued();
		if (queued == 0) {
			return Duration.ZERO;
		}
		if (state.headEta() == null) {
			return null;
		}
		DimensionState requests = state.dimension(Dimension.REQUESTS_PER_MINUTE);
		double perRequestMillis = (requests != null && requests.effectiveLimit() > 0)
				? Dimension.REQUESTS_PER_MINUTE.getWindow().toMillis() / requests.effectiveLimit() : 0;
		return state.headEta().plusMillis(Math.round((queued - 1) * perRequestMillis));
	}

	/**
	 * Whether the pool is under pressure.
	 * @return whether any cause holds
	 */
	public boolean isUnderPressure() {
		return !this.causes.isEmpty();
	}

	/**
	 * Why a pool is under pressure.
	 */
	public enum Cause {

		/** The queue takes longer than the bound to drain. */
		QUEUE,

		/** The provider answered 429 recently. */
		RATE_LIMITED,

		/** The provider said the quota is used up. */
		EXHAUSTED

	}

}
