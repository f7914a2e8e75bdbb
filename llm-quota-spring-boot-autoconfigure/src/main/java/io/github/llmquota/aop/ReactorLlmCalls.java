package io.github.llmquota.aop;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.aopalliance.intercept.MethodInvocation;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

import io.github.llmquota.aop.RateLimitedMethod.Call;
import io.github.llmquota.attempt.LeaseHandOver;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.batch.ReactorBatchCalls;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.stream.StreamMeter;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;

/**
 * Governs methods that return a {@link Mono} or {@link Flux}. Kept apart from
 * {@link LlmRateLimitedInterceptor} so that Reactor is loaded only when it is present.
 * <p>
 * Each subscription is one call: it asks for admission, invokes the method once admitted,
 * and ends the lease with the signal that ends the call. Cancelling a subscription that
 * waits withdraws its ticket; one that is cancelled after admission releases its lease as
 * {@link CallOutcome#NOT_SENT} if the method was not invoked yet; a {@code Mono} invoked
 * already releases it as {@link CallOutcome#FAILED}, a {@code Flux} settles what it
 * received (its last usage report, or the input estimate and the output its text makes).
 * A lease granted in the instant of cancellation is discarded by Reactor and released
 * too, so none is left behind.
 * <p>
 * A {@code Flux} is charged as its elements arrive (usage reports, and the text of text
 * chunks and of Spring AI {@code ChatResponse}s), through a {@link StreamMeter} fed on
 * {@code Schedulers.boundedElastic()}: the charge is a store call, which must not block
 * the element's thread.
 */
final class ReactorLlmCalls {

	private static final boolean SPRING_AI = ClassUtils.isPresent("org.springframework.ai.chat.model.ChatResponse",
			ReactorLlmCalls.class.getClassLoader());

	private final QuotaEngine engine;

	private final LlmRateLimitedInterceptor interceptor;

	/**
	 * Return the call of a deferrable method that returns a {@code Mono}: direct, or
	 * deferred to the batch API under pressure.
	 * @param valve the valve
	 * @param request the call's quota request
	 * @param body the call's batch body
	 * @param batchable decodes the batch's result
	 * @param direct makes the direct call, which returns a {@code Mono}
	 * @return the call
	 */
	@SuppressWarnings("unchecked")
	Mono<Object> deferrable(BatchValve valve, QuotaRequest request, String body, BatchableMethod batchable,
			LlmRateLimitedInterceptor.DirectCall direct) {
		Mono<Object> mono;
		try {
			mono = (Mono<Object>) direct.call();
		}
		catch (Throwable ex) {
			mono = Mono.error(ex);
		}
		return ReactorBatchCalls.call(valve, request, body, batchable::decode, mono);
	}

	ReactorLlmCalls(QuotaEngine engine, LlmRateLimitedInterceptor interceptor) {
		this.engine = engine;
		this.interceptor = interceptor;
	}

	Mono<Object> mono(MethodInvocation invocation, Call call) {
		return Mono.defer(() -> {
			CompletableFuture<QuotaLease> admission = this.engine.acquireAsync(call.request());
			boolean waited = !admission.isDone();
			return Mono.fromFuture(admission).flatMap((lease) -> {
				Mono<Object> result = mono(invocation, call, lease);
				return waited ? result.subscribeOn(Schedulers.boundedElastic()) : result;
			});
		}).doOnDiscard(QuotaLease.class, (lease) -> lease.release(CallOutcome.NOT_SENT));
	}

	/**
	 * Return a Mono that invokes the method on subscription under a lease already held,
	 * and ends the lease with the signal that ends the call.
	 */
	Mono<Object> mono(MethodInvocation invocation, Call call, QuotaLease lease) {
		AtomicBoolean invoked = new AtomicBoolean();
		LeaseHandOver handOver = LeaseHandOver.of(lease);
		LlmCallContext context = LlmRateLimitedInterceptor.callContext(call, handOver);
		return Mono.defer(() -> {
			invoked.set(true);
			return Mono.from(invoke(invocation, context));
		}).contextWrite(Context.of(LlmCallContext.REACTOR_CONTEXT_KEY, context)).doOnSuccess((value) -> {
			if (handOver.reclaim()) {
				this.interceptor.settle(call, lease, this.interceptor.usage(call, value), value);
			}
		}).doOnError((failure) -> {
			if (handOver.reclaim()) {
				this.interceptor.failed(lease, failure);
			}
		}).doOnCancel(() -> {
			if (handOver.reclaim()) {
				lease.release(invoked.get() ? CallOutcome.FAILED : CallOutcome.NOT_SENT);
			}
		});
	}

	Flux<Object> flux(MethodInvocation invocation, Call call) {
		return Flux.defer(() -> {
			CompletableFuture<QuotaLease> admission = this.engine.acquireAsync(call.request());
			boolean waited = !admission.isDone();
			return Mono.fromFuture(admission).flatMapMany((lease) -> {
				Flux<Object> result = flux(invocation, call, lease);
				return waited ? result.subscribeOn(Schedulers.boundedElastic(), false) : result;
			});
		}).doOnDiscard(QuotaLease.class, (lease) -> lease.release(CallOutcome.NOT_SENT));
	}

	/**
	 * Return a Flux that invokes the method on subscription under a lease already held,
	 * and ends the lease with the signal that ends the call.
	 */
	Flux<Object> flux(MethodInvocation invocation, Call call, QuotaLease lease) {
		AtomicBoolean invoked = new AtomicBoolean();
		LeaseHandOver handOver = LeaseHandOver.of(lease);
		LlmCallContext context = LlmRateLimitedInterceptor.callContext(call, handOver);
		// Streams report cumulative usage, so the last report is the call's.
		AtomicReference<TokenUsage> usage = new AtomicReference<>();
		// Charged as elements arrive, on a thread that may block on the store; made at
		// subscription, when the stream opens and its heartbeat starts.
		AtomicReference<StreamMeter> meter = new AtomicReference<>();
		return Flux.defer(() -> {
			invoked.set(true);
			meter.set(new StreamMeter(lease, call.request().inputTokens(), this.interceptor.streamStep(),
					this.interceptor.profile(call)));
			return Flux.from(invoke(invocation, context));
		}).contextWrite(Context.of(LlmCallContext.REACTOR_CONTEXT_KEY, context)).doOnNext((element) -> {
			TokenUsage reported = this.interceptor.usage(call, element);
			if (reported != null) {
				usage.set(reported);
				Schedulers.boundedElastic().schedule(() -> meter.get().reportedOutput(reported.outputTokens()));
			}
			// Both, where an element has both: the meter counts the larger.
			String chunk = text(element);
			if (chunk != null) {
				Schedulers.boundedElastic().schedule(() -> meter.get().text(chunk));
			}
		}).doOnComplete(() -> {
			if (handOver.reclaim()) {
				this.interceptor.settle(call, lease, usage.get(), null);
			}
		}).doOnError((failure) -> {
			if (handOver.reclaim()) {
				this.interceptor.failed(lease, failure);
			}
		}).doOnCancel(() -> {
			if (!handOver.reclaim()) {
				return;
			}
			if (invoked.get()) {
				// Cancelled mid-stream: what it consumed, as last reported or as
				// received.
				TokenUsage reported = usage.get();
				this.interceptor.settle(call, lease, (reported != null) ? reported
						: TokenUsage.of(call.request().inputTokens(), meter.get().outputTokens()), null);
			}
			else {
				lease.release(CallOutcome.NOT_SENT);
			}
		});
	}

	/**
	 * The text an element of a stream brings: a text chunk's, or a Spring AI
	 * {@code ChatResponse}'s output, or {@code null}.
	 */
	@Nullable
	private static String text(Object element) {
		if (element instanceof CharSequence text) {
			return text.toString();
		}
		return SPRING_AI ? SpringAiChunks.text(element) : null;
	}

	/**
	 * Reads Spring AI's chunks; loaded only where Spring AI is.
	 */
	private static final class SpringAiChunks {

		@Nullable
		static String text(Object element) {
			if (element instanceof ChatResponse response && response.getResult() != null
					&& response.getResult().getOutput() != null) {
				return response.getResult().getOutput().getText();
			}
			return null;
		}

	}

	/**
	 * Invoke the method with its context bound to the thread too, for provider calls it
	 * makes while it assembles its publisher.
	 */
	@SuppressWarnings("unchecked")
	private static Publisher<Object> invoke(MethodInvocation invocation, LlmCallContext context) {
		try (LlmCallContext.Scope scope = context.open()) {
			MethodInvocation copy = LlmRateLimitedInterceptor.copy(invocation);
			return (Publisher<Object>) LlmRateLimitedInterceptor.proceed(copy);
		}
		catch (Throwable ex) {
			return Mono.error(ex);
		}
	}

}
