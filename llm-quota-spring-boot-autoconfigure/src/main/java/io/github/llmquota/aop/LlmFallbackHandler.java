package io.github.llmquota.aop;

import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;

/**
 * Runs the calls of {@link LlmRateLimited} methods that name a
 * {@link LlmRateLimited#fallback() fallback chain}, choosing which models to try. At most one
 * bean of this type is used; without one, such calls go to the annotated model like any
 * other. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface LlmFallbackHandler {

	/**
	 * Run one call of a method whose annotation names a fallback chain.
	 * @param chain the name of the chain, as the annotation gives it
	 * @param model the annotated model, the one to try first
	 * @param attempt runs the method, governed by the quota of the model it is given
	 * @return what the method should return to its caller: the result of an attempt, in the
	 * method's return type
	 * @throws Throwable what the method should throw to its caller
	 */
	Object invoke(String chain, String model, Attempt attempt) throws Throwable;

	/**
	 * Runs of the method for the models a handler chooses.
	 */
	interface Attempt {

		/**
		 * Acquire quota for the model, invoke the method with the model in its
		 * {@link LlmModel} parameter, and settle or release the lease, exactly as for a call
		 * without a fallback chain. May be called more than once, with different models.
		 * @param model a configured model name
		 * @return what the method returned: for a {@code CompletionStage}, {@code Mono} or
		 * {@code Flux}, a governed one whose admission may still fail with a
		 * {@link io.github.llmquota.core.QuotaRejectedException}
		 * @throws io.github.llmquota.core.QuotaRejectedException if a method with a plain
		 * return type is not admitted
		 * @throws IllegalArgumentException if the model is not configured
		 * @throws Throwable what the method threw
		 */
		Object call(String model) throws Throwable;

		/**
		 * Whether the method returns a plain value, so that it can run under a lease the
		 * handler acquired itself.
		 * @return whether {@link #call(String, QuotaLease)} may be used
		 */
		boolean blocking();

		/**
		 * Return the request the method makes for a model: its annotation's priority, token
		 * expressions, user and wait budget, evaluated for this call's arguments.
		 * @param model a configured model name
		 * @return the request
		 */
		QuotaRequest request(String model);

		/**
		 * Invoke a {@link #blocking() blocking} method with the model in its {@link LlmModel}
		 * parameter under a lease the handler already holds, then settle the lease to the
		 * usage the result reports, or release it if the method throws.
		 * @param model the model the lease admits
		 * @param lease the lease
		 * @return what the method returned
		 * @throws IllegalStateException if the method is not blocking
		 * @throws Throwable what the method threw
		 */
		Object call(String model, QuotaLease lease) throws Throwable;

	}

}
