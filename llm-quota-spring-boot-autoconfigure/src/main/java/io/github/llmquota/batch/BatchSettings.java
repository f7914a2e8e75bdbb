package io.github.llmquota.batch;

import java.time.Duration;

/**
 * How the {@link BatchValve} routes, groups and polls.
 *
 * @param maxQueueDrain how long a pool's queue may take to drain before deferrable calls
 * go to the batch API instead of waiting (the pressure bound of
 * {@link io.github.llmquota.core.PoolPressure})
 * @param maxBatchSize the most calls in one batch
 * @param maxBatchAge the longest a deferred call waits for its batch to fill before a
 * smaller batch is sent
 * @param maxQueued the most calls of one pool in the provider's batch processing queue,
 * fleet-wide
 * @param firstPoll how long after submission a batch is first polled
 * @param maxPoll the longest interval between two polls of a batch; the interval doubles
 * from {@code firstPoll} up to it
 * @param interval how often each instance flushes, polls and claims results
 * @param resultTimeout the longest a caller's future waits for its result: past it, the
 * future fails (outcome {@link BatchItemResult.Outcome#TIMED_OUT}), so that no caller
 * waits forever on a result that went elsewhere (its instance was silent, and another
 * claimed it for the {@link BatchResultListener})
 * @param maxQueuedTokens the most input tokens of one pool's calls in the provider's
 * batch processing queue, fleet-wide (OpenAI's "enqueued tokens" limit), or
 * {@link Long#MAX_VALUE} for no limit
 */
public record BatchSettings(Duration maxQueueDrain, int maxBatchSize, Duration maxBatchAge, long maxQueued,
		Duration firstPoll, Duration maxPoll, Duration interval, Duration resultTimeout, long maxQueuedTokens) {

	/**
	 * Create settings without a limit on the processing queue's input tokens.
	 * @param maxQueueDrain see the record
	 * @param maxBatchSize see the record
	 * @param maxBatchAge see the record
	 * @param maxQueued see the record
	 * @param firstPoll see the record
	 * @param maxPoll see the record
	 * @param interval see the record
	 * @param resultTimeout see the record
	 * @throws IllegalArgumentException as the canonical constructor
	 */
	public BatchSettings(Duration maxQueueDrain, int maxBatchSize, Duration maxBatchAge, long maxQueued,
			Duration firstPoll, Duration maxPoll, Duration interval, Duration resultTimeout) {
		this(maxQueueDrain, maxBatchSize, maxBatchAge, maxQueued, firstPoll, maxPoll, interval, resultTimeout,
				Long.MAX_VALUE);
	}

	/**
	 * Create settings.
	 * @throws IllegalArgumentException on a size or count below 1, or a duration that is
	 * negative (or not positive, for the poll intervals and the interval)
	 */
	public BatchSettings {
		require(maxQueueDrain != null && !maxQueueDrain.isNegative(), "maxQueueDrain", maxQueueDrain);
		require(maxBatchSize >= 1 && maxBatchSize <= 100_000, "maxBatchSize", maxBatchSize);
		require(maxBatchAge != null && !maxBatchAge.isNegative(), "maxBatchAge", maxBatchAge);
		require(maxQueued >= 1, "maxQueued", maxQueued);
		require(positive(firstPoll), "firstPoll", firstPoll);
		require(positive(maxPoll) && maxPoll.compareTo(firstPoll) >= 0, "maxPoll", maxPoll);
		require(positive(interval), "interval", interval);
		require(positive(resultTimeout), "resultTimeout", resultTimeout);
		require(maxQueuedTokens >= 1, "maxQueuedTokens", maxQueuedTokens);
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	private static void require(boolean valid, String name, Object value) {
		if (!valid) {
			throw new IllegalArgumentException("'" + name + "' is invalid: " + value);
		}
	}

}
