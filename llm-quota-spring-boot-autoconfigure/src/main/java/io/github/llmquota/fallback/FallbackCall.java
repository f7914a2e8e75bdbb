package io.github.llmquota.fallback;

import io.github.llmquota.core.QuotaLease;

/**
 * One model call run by
 * {@link LlmFallbackChain#execute(String, io.github.llmquota.core.QuotaRequest, FallbackCall)}
 * for the model the chain admitted.
 * <p>
 * The call may end the lease itself, which is the way to hand the chain the provider's
 * answer: {@code lease.settle(usage, feedback)} on success, or
 * {@code lease.release(CallOutcome.FAILED, feedback)} before throwing. A call that
 * returns without ending the lease is settled at what it reserved; a call that throws
 * without ending it is released as failed, with the feedback of a
 * {@link ProviderCallException} when it throws one.
 *
 * @param <T> the result type
 * @param <E> the checked exception the call may throw, {@code RuntimeException} when none
 */
@FunctionalInterface
public interface FallbackCall<T, E extends Throwable> {

	/**
	 * Call the model.
	 * @param model the model to call, a configured model name
	 * @param lease the admission to call it; already charged
	 * @return the result
	 * @throws E when the call fails
	 */
	T call(String model, QuotaLease lease) throws E;

}
