package io.github.llmquota.fallback;

import java.util.concurrent.CompletionStage;

import org.reactivestreams.Publisher;

import io.github.llmquota.aop.LlmFallbackHandler;
import io.github.llmquota.aop.LlmRateLimited;
import io.github.llmquota.core.QuotaRequest;

/**
 * Runs {@link LlmRateLimited @LlmRateLimited} methods that name a fallback chain through
 * the {@link LlmFallbackChain}: the chain chooses and admits a model, and the method runs
 * under that lease with the model in its {@code @LlmModel} parameter. Every return type
 * falls back: a plain method through
 * {@link LlmFallbackChain#execute(String, QuotaRequest, FallbackCall)} on the calling
 * thread; a {@code CompletionStage}, {@code Mono} or {@code Flux} method without blocking
 * a thread, each model's admission awaited asynchronously. A {@code Flux} falls back only
 * before its first element: once the subscriber has part of one model's answer, another
 * model would duplicate it, so an error after that propagates as it is.
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
	@SuppressWarnings("unchecked")
	public Object invoke(String chain, String model, Attempt attempt) throws Throwable {
		QuotaRequest request = attempt.request(model);
		return switch (attempt.returnKind()) {
			case PLAIN -> this.chain.<Object, Throwable>execute(chain, request, attempt::call);
			case COMPLETION_STAGE -> this.chain.executeAsync(chain, request,
					(chosen, lease) -> (CompletionStage<Object>) attempt.call(chosen, lease));
			case MONO -> ReactorFallback.mono(this.chain, chain, request,
					(chosen, lease) -> (Publisher<?>) attempt.call(chosen, lease));
			case FLUX -> ReactorFallback.flux(this.chain, chain, request,
					(chosen, lease) -> (Publisher<?>) attempt.call(chosen, lease));
		};
	}

}
