package io.github.llmquota.fallback;

import io.github.llmquota.aop.LlmFallbackHandler;
import io.github.llmquota.aop.LlmRateLimited;

/**
 * Runs {@link LlmRateLimited @LlmRateLimited} methods that name a fallback chain through the
 * {@link LlmFallbackChain}: the chain chooses and admits a model, and the method runs under
 * that lease with the model in its {@code @LlmModel} parameter. Only methods with a plain
 * return type fall back; a {@code CompletionStage}, {@code Mono} or {@code Flux} method runs
 * on the annotated model, since the chain waits on the caller's thread.
 */
public class FallbackChainHandler implements LlmFallbackHandler {

	private final LlmFallbackChain chain;

	/**
	 * Create a handler.
	 * @param chain the fallback chain bean
	 */
	public FallbackChainHandler(LlmFallbackChain chain) {
		this.chain = chain;
	}

	@Override
	public Object invoke(String chain, String model, Attempt attempt) throws Throwable {
		if (!attempt.blocking()) {
			return attempt.call(model);
		}
		return this.chain.<Object, Throwable>execute(chain, attempt.request(model), attempt::call);
	}

}
