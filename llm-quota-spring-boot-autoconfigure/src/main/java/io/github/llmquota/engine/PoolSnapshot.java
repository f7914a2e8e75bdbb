package io.github.llmquota.engine;

import java.util.List;

/**
 * A consistent reading of one pool's shared state, taken in one read-only store call.
 *
 * @param pool the pool
 * @param timeMillis the store's time of the reading, epoch milliseconds (or the in-memory
 * store's clock)
 * @param used per rate dimension, the bucket level now (what is not yet refilled)
 * @param trailingMinute per rate dimension, the units consumed in the trailing 60 seconds
 * across the fleet
 * @param lastHour per minute of the last hour, oldest first, the units consumed per rate
 * dimension
 * @param queued per priority class rank, the tickets waiting
 * @param inFlight the leases held
 * @param multiplier the adaptive multiplier, in (0, 1]
 * @param cooldownMillis how long the pool still cools down after a 429, or 0
 * @param headDelayMillis how long until the head of the queue fits, as the last decision
 * that found it blocked computed it; -1 when unknown, -2 when nobody waits
 * @param modelCooldownMillis per model of the pool, in the pool's order, how long it
 * still cools down after overload errors
 * @param liveWorkers the JVMs currently known to wait on this pool (at least 1)
 * @param exhaustedMillis how long the pool still stays marked exhausted after the
 * provider said its quota is used up, or 0
 * @param exhaustedReason while the pool is exhausted, the provider's explanation, or
 * {@code null}
 * @param streamOutput the output tokens that the streams in flight reported so far
 * ({@link QuotaStore#charge}), across the fleet
 * @param scopes the scopes of the pool's chain, nearest first, as read in the same call;
 * empty when the pool names no scope
 */
public record PoolSnapshot(String pool, long timeMillis, double[] used, double[] trailingMinute,
		List<double[]> lastHour, long[] queued, long inFlight, double multiplier, long cooldownMillis,
		long headDelayMillis, long[] modelCooldownMillis, long liveWorkers, long exhaustedMillis,
		String exhaustedReason, long streamOutput, List<ScopeSnapshot> scopes) {

	/**
	 * Create a snapshot of a pool outside any scope.
	 * @param pool the pool
	 * @param timeMillis the store's time of the reading
	 * @param used per rate dimension, the bucket level now
	 * @param trailingMinute per rate dimension, the units consumed in the trailing 60
	 * seconds
	 * @param lastHour per minute of the last hour, the units consumed per rate dimension
	 * @param queued per priority class rank, the tickets waiting
	 * @param inFlight the leases held
	 * @param multiplier the adaptive multiplier
	 * @param cooldownMillis how long the pool still cools down after a 429, or 0
	 * @param headDelayMillis how long until the head of the queue fits
	 * @param modelCooldownMillis per model of the pool, how long it still cools down
	 * @param liveWorkers the JVMs currently known to wait on this pool
	 * @param exhaustedMillis how long the pool still stays marked exhausted, or 0
	 * @param exhaustedReason while the pool is exhausted, the provider's explanation
	 * @param streamOutput the output tokens that the streams in flight reported so far
	 */
	public PoolSnapshot(String pool, long timeMillis, double[] used, double[] trailingMinute, List<double[]> lastHour,
			long[] queued, long inFlight, double multiplier, long cooldownMillis, long headDelayMillis,
			long[] modelCooldownMillis, long liveWorkers, long exhaustedMillis, String exhaustedReason,
			long streamOutput) {
		this(pool, timeMillis, used, trailingMinute, lastHour, queued, inFlight, multiplier, cooldownMillis,
				headDelayMillis, modelCooldownMillis, liveWorkers, exhaustedMillis, exhaustedReason, streamOutput,
				List.of());
	}

	/**
	 * Create a snapshot of a pool without streams in flight.
	 * @param pool the pool
	 * @param timeMillis the store's time of the reading
	 * @param used per rate dimension, the bucket level now
	 * @param trailingMinute per rate dimension, the units consumed in the trailing 60
	 * seconds
	 * @param lastHour per minute of the last hour, the units consumed per rate dimension
	 * @param queued per priority class rank, the tickets waiting
	 * @param inFlight the leases held
	 * @param multiplier the adaptive multiplier
	 * @param cooldownMillis how long the pool still cools down after a 429, or 0
	 * @param headDelayMillis how long until the head of the queue fits
	 * @param modelCooldownMillis per model of the pool, how long it still cools down
	 * @param liveWorkers the JVMs currently known to wait on this pool
	 * @param exhaustedMillis how long the pool still stays marked exhausted, or 0
	 * @param exhaustedReason while the pool is exhausted, the provider's explanation
	 */
	public PoolSnapshot(String pool, long timeMillis, double[] used, double[] trailingMinute, List<double[]> lastHour,
			long[] queued, long inFlight, double multiplier, long cooldownMillis, long headDelayMillis,
			long[] modelCooldownMillis, long liveWorkers, long exhaustedMillis, String exhaustedReason) {
		this(pool, timeMillis, used, trailingMinute, lastHour, queued, inFlight, multiplier, cooldownMillis,
				headDelayMillis, modelCooldownMillis, liveWorkers, exhaustedMillis, exhaustedReason, 0);
	}

	/**
	 * Create a snapshot of a pool that is not exhausted.
	 * @param pool the pool
	 * @param timeMillis the store's time of the reading
	 * @param used per rate dimension, the bucket level now
	 * @param trailingMinute per rate dimension, the units consumed in the trailing 60
	 * seconds
	 * @param lastHour per minute of the last hour, the units consumed per rate dimension
	 * @param queued per priority class rank, the tickets waiting
	 * @param inFlight the leases held
	 * @param multiplier the adaptive multiplier
	 * @param cooldownMillis how long the pool still cools down after a 429, or 0
	 * @param headDelayMillis how long until the head of the queue fits
	 * @param modelCooldownMillis per model of the pool, how long it still cools down
	 * @param liveWorkers the JVMs currently known to wait on this pool
	 */
	public PoolSnapshot(String pool, long timeMillis, double[] used, double[] trailingMinute, List<double[]> lastHour,
			long[] queued, long inFlight, double multiplier, long cooldownMillis, long headDelayMillis,
			long[] modelCooldownMillis, long liveWorkers) {
		this(pool, timeMillis, used, trailingMinute, lastHour, queued, inFlight, multiplier, cooldownMillis,
				headDelayMillis, modelCooldownMillis, liveWorkers, 0, null);
	}

}
