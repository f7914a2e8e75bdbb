package io.github.llmquota.core;

/**
 * Admission to call a model, returned by {@link QuotaEngine#acquire(QuotaRequest)}. The
 * lease records what was charged up front (input estimate plus {@code max_tokens}) and
 * holds a concurrency slot until it ends. End it exactly once, with
 * {@link #settle(TokenUsage)} when the provider answered or {@link #release(CallOutcome)}
 * when the call failed; further calls are ignored. A lease that is never ended frees its
 * slot at its hard expiry ({@code llm.quota.lease-timeout}), but its tokens stay charged.
 * <p>
 * {@link #close()} releases the lease as {@link CallOutcome#FAILED} unless it was already
 * ended, so try-with-resources never leaks a slot. Implementations are thread-safe.
 */
public interface QuotaLease extends AutoCloseable {

	/**
	 * Return the lease id, unique across the fleet.
	 * @return the id
	 */
	String id();

	/**
	 * Return the model this lease admits a call to.
	 * @return the model name
	 */
	String model();

	/**
	 * Return the pool that was charged.
	 * @return the pool name
	 */
	String pool();

	/**
	 * Return the API key to make the call with, for a model configured with several
	 * ({@code llm.quota.models.<model>.api-keys}): the engine admitted the call on that
	 * key's own pool.
	 * @return the key's name as configured, or {@code null} when the model has no keys
	 */
	default String apiKey() {
		return null;
	}

	/**
	 * Return where this lease's request stands in its pool's arrival order: the place it
	 * took in the waiting room, or, when it was admitted without waiting, the place the
	 * next arrival would have come after. A request built with
	 * {@link QuotaRequest.Builder#arrival(long)} keeps the number it was given, so an
	 * attempt that re-enters the waiting room after a 429 waits before every request of
	 * its class that arrived after the first attempt.
	 * <p>
	 * The number is opaque: compare it only with arrivals of the same pool, and do not
	 * derive times or counts from it.
	 * @return the arrival, positive; {@code 0} when the lease's store does not keep an
	 * arrival order, in which case a re-entry counts as a new arrival
	 */
	default long arrival() {
		return 0;
	}

	/**
	 * Charge a streaming call's output while it flows, in steps (see the stream meter,
	 * which picks the steps): the pool is charged whatever the output so far takes beyond
	 * what the lease already charged (the reservation and earlier steps), the fleet's
	 * snapshot shows the output in flight, and the lease is kept for a whole
	 * {@code lease-timeout} from now, so a stream that outlives the timeout keeps its
	 * slot while its worker still charges. The lease still ends with {@link #settle} or
	 * {@link #release}.
	 * <p>
	 * The default charges nothing, for leases that are not kept in a store.
	 * @param outputTokens the output tokens the stream produced so far
	 * @return whether the lease is still held: {@code false} once it ended, or when its
	 * store let it expire
	 */
	default boolean charge(long outputTokens) {
		return !isEnded();
	}

	/**
	 * Settle the lease to the usage the provider reported: unused reservation is refunded
	 * and usage above it is charged as bounded debt.
	 * @param usage the actual usage
	 */
	default void settle(TokenUsage usage) {
		settle(usage, ProviderFeedback.none());
	}

	/**
	 * Settle the lease to the usage the provider reported, and correct the fleet's shared
	 * view with what the response's headers say: remaining capacity below ours tightens
	 * the pool's buckets (never loosens them).
	 * @param usage the actual usage
	 * @param feedback the parsed response headers, see {@code ProviderFeedbackParser}
	 */
	void settle(TokenUsage usage, ProviderFeedback feedback);

	/**
	 * End the lease for a call that did not produce a usage report.
	 * @param outcome what happened to the call
	 */
	default void release(CallOutcome outcome) {
		release(outcome, ProviderFeedback.none());
	}

	/**
	 * End the lease for a call that failed, with what the provider's error said: a 429
	 * cools the pool down fleet-wide and cuts the adaptive multiplier; an overload or
	 * server error cools the model down with exponential backoff; an exhausted provider
	 * quota ({@code ErrorClass.QUOTA_EXHAUSTED}) marks the pool exhausted fleet-wide
	 * until the reset the feedback names (bounded by
	 * {@code llm.quota.feedback.max-cooldown}) or, when it names none, for
	 * {@code llm.quota.feedback.exhausted-hold}: every acquire on the pool then fails at
	 * once with a {@link NonRetryableQuotaException}, and so do the requests already
	 * waiting in it.
	 * @param outcome what happened to the call
	 * @param feedback the parsed error response
	 */
	void release(CallOutcome outcome, ProviderFeedback feedback);

	/**
	 * Whether the lease was already settled or released.
	 * @return whether it has ended
	 */
	boolean isEnded();

	@Override
	default void close() {
		if (!isEnded()) {
			release(CallOutcome.FAILED);
		}
	}

}
