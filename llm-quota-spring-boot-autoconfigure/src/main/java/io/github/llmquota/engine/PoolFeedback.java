package io.github.llmquota.engine;

import java.util.List;

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
 * @param scopes per scope of the pool's {@link PoolSpec#scopeChain() chain}, nearest
 * first, what the provider says is left of the limits of the level the scope mirrors
 * ({@link ScopeSpec#providerScope()}), or {@code null} where it said nothing;
 * {@code null} for none at all
 */
public record PoolFeedback(Kind kind, long retryAfterMillis, long[] remaining, long[] tolerance, String reason,
		List<ScopeReading> scopes) {

	/**
	 * Create feedback for the pool alone.
	 * @param kind what kind of answer it was
	 * @param retryAfterMillis the provider's retry-after, or 0
	 * @param remaining per rate dimension, what the provider says is left; -1 where
	 * unknown
	 * @param tolerance per rate dimension, how far the provider rounds its remaining
	 * figure
	 * @param reason for {@link Kind#EXHAUSTED}, the provider's explanation, or
	 * {@code null}
	 */
	public PoolFeedback(Kind kind, long retryAfterMillis, long[] remaining, long[] tolerance, String reason) {
		this(kind, retryAfterMillis, remaining, tolerance, reason, null);
	}

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
	 * What the provider says is left of one scope's limits: headers only tighten a scope,
	 * as they tighten the pool.
	 *
	 * @param remaining per rate dimension of the scope ({@link ScopeSpec#rates()}), what
	 * is left, already reduced by the safety margin; -1 where unknown
	 * @param tolerance per rate dimension, how far the provider rounds its remaining
	 * figure
	 */
	public record ScopeReading(long[] remaining, long[] tolerance) {

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

		/**
		 * A 429 that a scope's readings account for (a bucket of the organisation or
		 * project the scope mirrors is spent) while the pool's own readings show room:
		 * the readings tighten that scope, and the pool neither cools down nor is cut,
		 * since its own limit was not the one hit.
		 */
		SCOPE_RATE_LIMITED,

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
