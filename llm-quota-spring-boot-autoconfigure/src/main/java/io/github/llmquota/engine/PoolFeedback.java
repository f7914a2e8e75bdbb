package io.github.llmquota.engine;

/**
 * What the provider's answer says about the shared state, in the pool's terms: the
 * {@link io.github.llmquota.core.ProviderFeedback} of one call, translated by the lease
 * for the {@link QuotaStore} when it settles or releases.
 *
 * @param kind what kind of answer it was
 * @param retryAfterMillis the provider's retry-after, or 0
 * @param remaining per rate dimension of the pool, what the provider says is left,
 * already reduced by the safety margin; -1 where unknown
 * @param tolerance per rate dimension, how far the provider rounds its remaining figure
 * @param reason for {@link Kind#EXHAUSTED}, the provider's explanation, or {@code null}
 */
public record PoolFeedback(Kind kind, long retryAfterMillis, long[] remaining, long[] tolerance, String reason) {

	/**
	 * Create feedback that carries no explanation.
	 * @param kind what kind of answer it was
	 * @param retryAfterMillis the provider's retry-after, or 0
	 * @param remaining per rate dimension, what the provider says is left; -1 where
	 * unknown
	 * @param tolerance per rate dimension, how far the provider rounds its remaining
	 * figure
	 */
	public PoolFeedback(Kind kind, long retryAfterMillis, long[] remaining, long[] tolerance) {
		this(kind, retryAfterMillis, remaining, tolerance, null);
	}

	/**
	 * No feedback: the answer said nothing about limits.
	 * @return the feedback
	 */
	public static PoolFeedback none() {
		return new PoolFeedback(Kind.NONE, 0, null, null);
	}

	/**
	 * What kind of answer the provider gave.
	 */
	public enum Kind {

		/** Nothing known. */
		NONE,

		/** A successful call: the adaptive multiplier recovers a step. */
		SUCCESS,

		/** A 429: the pool cools down fleet-wide and the multiplier is cut. */
		RATE_LIMITED,

		/** Overloaded or failing: the model cools down with exponential backoff. */
		OVERLOADED,

		/**
		 * The provider quota is used up (spend cap, billing, {@code insufficient_quota}):
		 * the pool is marked exhausted fleet-wide for
		 * {@link PoolFeedback#retryAfterMillis()}, which rejects every acquire and fails
		 * every waiting ticket until then.
		 */
		EXHAUSTED

	}

}
