package io.github.llmquota.batch;

import java.util.function.Function;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.github.llmquota.core.QuotaRequest;

/**
 * The batch valve for reactive callers, kept apart from {@link BatchValve} so that
 * Reactor is loaded only where it is used. No thread of the caller's pipeline blocks: the
 * pool's state is read on Reactor's bounded elastic scheduler.
 */
public final class ReactorBatchCalls {

	private ReactorBatchCalls() {
	}

	/**
	 * Return a {@link Mono} that, on each subscription, subscribes to the direct call,
	 * or, when the request is deferrable, the valve has a batch API for its provider and
	 * its pool is under pressure (or the direct call is shed or runs out of its wait
	 * budget), defers the call to the provider's batch API and emits its decoded result
	 * when the batch answers.
	 * @param <T> the call's result
	 * @param valve the valve
	 * @param request the call's quota request
	 * @param body the request body the batch API takes
	 * @param decode turns a successful batch result's body into the call's result
	 * @param direct the direct call, governed as usual
	 * @return the call; errors with a {@link DeferredCallException} when the batch
	 * errored, expired or was cancelled
	 */
	public static <T> Mono<T> call(BatchValve valve, QuotaRequest request, String body, Function<String, T> decode,
			Mono<T> direct) {
		if (!request.deferrable() || !valve.batches(request.model())) {
			return direct;
		}
		Mono<T> deferred = Mono.fromFuture(() -> valve.defer(request.model(), body, request.inputTokens()))
			.map((result) -> decode.apply(result.body()));
		return Mono.fromCallable(() -> valve.underPressure(request.model()))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((pressure) -> pressure ? deferred
					: direct.onErrorResume(BatchValve::defersOn, (rejection) -> deferred));
	}

}
