package io.github.llmquota.fallback;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.github.llmquota.core.QuotaRequest;

/**
 * Runs calls that return a {@link Mono} or {@link Flux} through a
 * {@link LlmFallbackChain}, one subscription being one call, without blocking a thread.
 * Kept apart from {@link FallbackChainHandler} so that Reactor is loaded only when it is
 * present.
 * <p>
 * A model's call falls back only while it has emitted nothing: after the first element,
 * the subscriber already holds part of that model's answer, and another model would
 * repeat or contradict it, so a later error propagates as it is. Cancelling the
 * subscription withdraws a ticket that waits and releases the lease in hand.
 */
final class ReactorFallback {

	// A wait for admission ends on a thread of the engine, which must never run the call.
	private static final Executor afterWait = (task) -> Schedulers.boundedElastic().schedule(task);

	private ReactorFallback() {
	}

	static Mono<Object> mono(LlmFallbackChain chain, String name, QuotaRequest request,
			FallbackCall<? extends Publisher<?>, ? extends Throwable> call) {
		return flux(chain, name, request, call).singleOrEmpty();
	}

	static Flux<Object> flux(LlmFallbackChain chain, String name, QuotaRequest request,
			FallbackCall<? extends Publisher<?>, ? extends Throwable> call) {
		return Flux.defer(() -> {
			LlmFallbackChain.Run run = chain.run(name, request);
			// Runs before the cancellation reaches the call, so that the lease it
			// releases tells the breaker nothing.
			return attempt(run, call).doOnCancel(run::cancel);
		});
	}

	private static Flux<Object> attempt(LlmFallbackChain.Run run,
			FallbackCall<? extends Publisher<?>, ? extends Throwable> call) {
		// Run#cancel withdraws the ticket; cancelling the derived future would not.
		return Mono.fromFuture(() -> run.nextAsync(afterWait), true)
			.switchIfEmpty(Mono.error(run::failure))
			.flatMapMany((admission) -> {
				AtomicBoolean emitted = new AtomicBoolean();
				return Flux.defer(() -> {
					admission.sent();
					try {
						return Flux.<Object>from(call.call(admission.model(), admission.lease()));
					}
					catch (Throwable ex) {
						return Flux.error(ex);
					}
				})
					.doOnNext((element) -> emitted.set(true))
					.doOnComplete(admission::completed)
					.onErrorResume((failure) -> !emitted.get(), (failure) -> {
						Throwable stop = run.callFailed(admission, failure);
						return (stop != null) ? Flux.error(stop) : attempt(run, call);
					});
			});
	}

}
