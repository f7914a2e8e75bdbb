package io.github.llmquota.aop;

import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;

/**
 * Runs the calls of {@link LlmRateLimited} methods that name a
 * {@link LlmRateLimited#fallback() fallback chain}, choosing which models to try. At most
 * one bean of this type is used; without one, such calls go to the annotated model like
 * any other. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface LlmFallbackHandler {

	/**
	 * Run one call of a method whose annotation names a fallback chain.
	 * @param chain the name of the chain, as the annotation gives it
	 * @param model the annotated model, the one to try first
	 * @param attempt runs the method, governed by the quota of the model it is given
	 * @return what the method should return to its caller: the result of an attempt, in
	 * the method's return type
	 * @throws Throwable what the method should throw to its caller
	 */
	Object invoke(String chain, String model, Attempt attempt) throws Throwable;

	/**
	 * Runs of the method for the models a handler chooses.
	 */
	interface Attempt {

		/**
		 * Acquire quota for the model, invoke the method with the model in its
		 * {@link LlmModel} parameter, and settle or release the lease, exactly as for a
		 * call without a fallback chain. May be called more than once, with different
		 * models.
		 * @param model a configured model name
		 * @return what the method returned: for a {@code CompletionStage}, {@code Mono}
		 * or {@code Flux}, a governed one whose admission may still fail with a
		 * {@link io.github.llmquota.core.QuotaRejectedException}
		 * @throws io.github.llmquota.core.QuotaRejectedException if a method with a plain
		 * return type is not admitted
		 * @throws IllegalArgumentException if the model is not configured
		 * @throws Throwable what the method threw
		 */
		Object call(String model) throws Throwable;

		/**
		 * Return how the method returns its result, which decides how a handler waits for
		 * admission without blocking a thread that must not block.
		 * @return the method's return kind
		 */
		ReturnKind returnKind();

		/**
		 * Whether the method returns a plain value, so that the calling thread may wait
		 * for admission.
		 * @return whether the method's return kind is {@link ReturnKind#PLAIN}
		 */
		default boolean blocking() {
			return returnKind() == ReturnKind.PLAIN;
		}

		/**
		 * Return the request the method makes for a model: its annotation's priority,
		 * token expressions, user and wait budget, evaluated for this call's arguments.
		 * @param model a configured model name
		 * @return the request
		 */
		QuotaRequest request(String model);

		/**
		 * Invoke the method with the model in its {@link LlmModel} parameter under a
		 * lease the handler already holds, and settle the lease to the usage the result
		 * reports, or release it if the method fails, as for a call without a fallback
		 * chain:
		 * <ul>
		 * <li>a plain method is invoked at once, and the lease is ended before this
		 * returns;</li>
		 * <li>a {@code CompletionStage} method is invoked at once, and the returned
		 * {@code CompletableFuture} completes as the method's stage does, after the lease
		 * ended; cancelling it releases the lease as failed;</li>
		 * <li>a {@code Mono} or {@code Flux} method is invoked when the returned
		 * publisher is subscribed to, which should happen once; the lease ends with the
		 * signal that ends the subscription, a cancellation releasing it.</li>
		 * </ul>
		 * @param model the model the lease admits
		 * @param lease the lease
		 * @return what the method returned, or, for the asynchronous kinds, the stage or
		 * publisher that governs it
		 * @throws Throwable what a plain method threw; the other kinds report failures
		 * through what they return
		 */
		Object call(String model, QuotaLease lease) throws Throwable;

	}

}
