package io.github.llmquota.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a provider reported about one rate-limit dimension in one response. Providers
 * report these values only partially (Azure OpenAI sends no reset, Cohere no reset,
 * Gemini only the limit of a violated quota), so each part may be absent. Immutable and
 * thread-safe.
 * <p>
 * Treat {@code remaining} as approximate: Anthropic rounds it to the nearest thousand
 * tokens and OpenAI floors a fractional bucket.
 */
public final class DimensionReading {

	private final Long limit;

	private final Long remaining;

	private final Instant resetAt;

	/**
	 * Create a reading.
	 * @param limit the limit in requests or tokens per window, or {@code null} if not
	 * reported
	 * @param remaining what is left of the limit, or {@code null} if not reported
	 * @param resetAt when the bucket is full again (Anthropic, OpenAI, Mistral) or, for a
	 * quota exhausted until a fixed time, when it becomes usable again; or {@code null}
	 * if not reported. It may lie in the past, which means the bucket is already full.
	 * @throws IllegalArgumentException if {@code limit} or {@code remaining} is negative
	 */
	public DimensionReading(Long limit, Long remaining, Instant resetAt) {
		requireNonNegative("limit", limit);
		requireNonNegative("remaining", remaining);
		this.limit = limit;
		this.remaining = remaining;
		this.resetAt = resetAt;
	}

	/**
	 * Return the limit, in requests or tokens per window of the dimension.
	 * @return the limit, or empty if the provider did not report it
	 */
	public OptionalLong getLimit() {
		return (this.limit != null) ? OptionalLong.of(this.limit) : OptionalLong.empty();
	}

	/**
	 * Return what is left of the limit, in requests or tokens.
	 * @return the remaining amount, or empty if the provider did not report it
	 */
	public OptionalLong getRemaining() {
		return (this.remaining != null) ? OptionalLong.of(this.remaining) : OptionalLong.empty();
	}

	/**
	 * Return when the provider expects the dimension to be fully available again.
	 * Relative resets (OpenAI's {@code 6m0s}) are already resolved against the time
	 * passed to the parser.
	 * @return the reset instant, possibly in the past and, as read by the provider
	 * parser, never more than a day (or the parser's longer maximum delay) ahead; or
	 * empty if not reported
	 */
	public Optional<Instant> getResetAt() {
		return Optional.ofNullable(this.resetAt);
	}

	/**
	 * Whether this reading leaves less headroom than the other one, so that a limiter
	 * facing two buckets for one dimension (OpenAI's model and project token limits) can
	 * keep the one that binds. A reading with a known remaining beats one without.
	 * @param other the reading to compare with
	 * @return whether this reading is the tighter one
	 */
	boolean isTighterThan(DimensionReading other) {
		if (this.remaining == null) {
			return false;
		}
		return other.remaining == null || this.remaining < other.remaining;
	}

	boolean isEmpty() {
		return this.limit == null && this.remaining == null && this.resetAt == null;
	}

	@Override
	public boolean equals(Object obj) {
		if (this == obj) {
			return true;
		}
		if (!(obj instanceof DimensionReading other)) {
			return false;
		}
		return Objects.equals(this.limit, other.limit) && Objects.equals(this.remaining, other.remaining)
				&& Objects.equals(this.resetAt, other.resetAt);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.limit, this.remaining, this.resetAt);
	}

	@Override
	public String toString() {
		return "DimensionReading[limit=" + this.limit + ", remaining=" + this.remaining + ", resetAt=" + this.resetAt
				+ "]";
	}

	private static void requireNonNegative(String name, Long value) {
		if (value != null && value < 0) {
			throw new IllegalArgumentException(name + " must not be negative, was " + value);
		}
	}

}
