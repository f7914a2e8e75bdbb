package io.github.llmquota.sample.simulator;

import java.util.concurrent.TimeUnit;

import org.springframework.util.Assert;

/**
 * A token bucket as Anthropic documents it: the capacity is the per-minute limit, and the
 * bucket refills continuously at limit/60 tokens per second instead of resetting each
 * minute.
 * <p>
 * The level is kept in units of 1/60,000,000,000 of a token so that refilling is exact
 * integer arithmetic: the bucket gains {@code limit} units every nanosecond. Not
 * thread-safe; {@link SimulatedModel} guards its buckets.
 */
final class TokenBucket {

	/**
	 * Largest supported limit per minute; it keeps the capacity in units, and the sum of
	 * two capacities, inside a {@code long}.
	 */
	static final long MAX_LIMIT = 10_000_000;

	private static final long UNITS_PER_TOKEN = TimeUnit.MINUTES.toNanos(1);

	private final long limit;

	private final long capacity;

	private long level;

	private long updatedAt;

	/**
	 * Create a full bucket.
	 * @param limit the tokens per minute, which is also the capacity
	 * @param now the current nanosecond reading
	 */
	TokenBucket(long limit, long now) {
		Assert.isTrue(limit >= 1 && limit <= MAX_LIMIT, () -> "limit must be between 1 and " + MAX_LIMIT);
		this.limit = limit;
		this.capacity = limit * UNITS_PER_TOKEN;
		this.level = this.capacity;
		this.updatedAt = now;
	}

	long limit() {
		return this.limit;
	}

	/**
	 * Return the whole tokens in the bucket; a partly refilled token does not count.
	 */
	long available(long now) {
		refill(now);
		return this.level / UNITS_PER_TOKEN;
	}

	/**
	 * Return the nanoseconds until the bucket holds {@code tokens}, or 0 if it does now.
	 * @param tokens at most the limit, which is all the bucket can ever hold
	 */
	long nanosUntilAvailable(long tokens, long now) {
		Assert.isTrue(tokens <= this.limit, "tokens must not exceed the limit");
		refill(now);
		return nanosUntil(tokens * UNITS_PER_TOKEN);
	}

	long nanosUntilFull(long now) {
		refill(now);
		return nanosUntil(this.capacity);
	}

	/**
	 * Take tokens that {@link #nanosUntilAvailable} has just found to be there.
	 */
	void take(long tokens, long now) {
		refill(now);
		this.level -= tokens * UNITS_PER_TOKEN;
	}

	/**
	 * Return tokens that were taken but not used, such as the unused part of an output
	 * reservation. The bucket never holds more than its capacity.
	 */
	void giveBack(long tokens, long now) {
		refill(now);
		this.level = Math.min(this.capacity, this.level + tokens * UNITS_PER_TOKEN);
	}

	private long nanosUntil(long units) {
		long deficit = units - this.level;
		return (deficit <= 0) ? 0 : -Math.floorDiv(-deficit, this.limit);
	}

	private void refill(long now) {
		long elapsed = now - this.updatedAt;
		if (elapsed <= 0) {
			return;
		}
		// A minute refills an empty bucket; capping first keeps elapsed × limit from
		// overflowing.
		this.level = (elapsed >= UNITS_PER_TOKEN) ? this.capacity
				: Math.min(this.capacity, this.level + elapsed * this.limit);
		this.updatedAt = now;
	}

}
