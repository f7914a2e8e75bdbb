package io.github.llmquota.core;

/**
 * Why the quota engine did not admit a request.
 */
public enum RejectionReason {

	/** The priority class's waiting room, or the pool's, is full. */
	QUEUE_FULL,

	/** Admission would take longer than the caller's wait budget. */
	DEADLINE,

	/** The request was waiting and was pushed out by a higher-priority arrival. */
	SHED,

	/** The user's own quota in the pool has no room; the request was not queued. */
	USER_LIMIT,

	/** The tenant's own quota in the pool has no room; the request was not queued. */
	TENANT_LIMIT,

	/** The request is larger than a provider limit; it can never be admitted. */
	CANNOT_FIT,

	/** The waiting thread was interrupted or the wait was cancelled. */
	CANCELLED,

	/**
	 * The request's priority class is paused in the pool by an operator (live settings);
	 * the request was not queued.
	 */
	PAUSED,

	/** Quota state could not be reached and the fail mode rejects requests. */
	UNAVAILABLE,

	/**
	 * The provider said the quota behind the pool is exhausted (a spend cap, billing,
	 * {@code insufficient_quota}), and the pool is marked exhausted fleet-wide until its
	 * reset. Not retryable: the engine reports it with a
	 * {@link NonRetryableQuotaException}, never a {@link QuotaRejectedException}; this
	 * reason names it to listeners and metrics.
	 */
	QUOTA_EXHAUSTED,

	/**
	 * The request's worst-case cost would take a cost budget past its hard cap
	 * ({@code llm.quota.budgets}); the request was not queued, and fits again when the
	 * budget's window ends, which the rejection's retry-after names.
	 */
	BUDGET_EXHAUSTED

}
