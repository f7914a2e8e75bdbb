package io.github.llmquota.fallback;

import java.util.concurrent.CompletionStage;

import io.github.llmquota.core.QuotaLease;

/**
 * One model call run by
 * {@link LlmFallbackChain#executeAsync(String, io.github.llmquota.core.QuotaRequest, AsyncFallbackCall)}
 * for the model the chain admitted: it starts the call and returns at once.
 * <p>
 * The lease is ended as for a {@link FallbackCall}: by the call itself, which is the way
 * to hand the chain the provider's answer, or otherwise by the chain once the stage
 * completes, settled at what it reserved on success or released as failed on failure. A
 * call that throws instead of returning a stage failed the same way.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface AsyncFallbackCall<T> {

	/**
	 * Start the call to the model.
	 * @param model the model to call, a configured model name
	 * @param lease the admission to call it; already charged
	 * @return the stage that completes with the call's result; never {@code null}
	 * @throws Throwable when the call cannot be started
	 */
	CompletionStage<T> call(String model, QuotaLease lease) throws Throwable;

}
