package io.github.llmquota.fallback;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;

/**
 * The model a fallback chain chose for a call, and the lease that admits the call to it,
 * returned by {@link LlmFallbackChain#admit(String, QuotaRequest)}. The call is made by
 * the caller, who ends the lease as usual; ending it also records the call in the model's
 * circuit breaker:
 * <ul>
 * <li>{@code settle(...)}: a success;</li>
 * <li>{@code release(NOT_SENT)}: nothing, the call never reached the provider;</li>
 * <li>{@code release(FAILED, feedback)}: a failure when the feedback reports an overload
 * or a server error; neither success nor failure for a 429, an exhausted quota, a request
 * too large or another client error, which are about quota or the request, not the
 * model's health;</li>
 * <li>{@code release(FAILED)} without feedback: a failure, unless
 * {@link #failed(Throwable)} said what went wrong;</li>
 * <li>a call its caller cancelled: nothing, whatever the lease ended with after the
 * cancellation.</li>
 * </ul>
 * Thread-safe; the outcome is recorded once.
 */
public final class FallbackAdmission {

	private final String chain;

	private final String requestedModel;

	private final QuotaRequest request;

	private final CircuitBreaker breaker;

	private final RecordingLease lease;

	private final Function<Throwable, ProviderFeedback> feedbackOf;

	private final long admittedNanos = System.nanoTime();

	private final AtomicBoolean recorded = new AtomicBoolean();

	private volatile Throwable failure;

	private volatile ProviderFeedback endFeedback;

	private volatile boolean sent;

	private volatile boolean cancelled;

	FallbackAdmission(String chain, String requestedModel, QuotaRequest request, QuotaLease lease,
			CircuitBreaker breaker, Function<Throwable, ProviderFeedback> feedbackOf) {
		this.feedbackOf = feedbackOf;
		this.chain = chain;
		this.requestedModel = requestedModel;
		this.request = request;
		this.breaker = breaker;
		this.lease = new RecordingLease(lease);
	}

	/**
	 * Return the name of the chain that chose the model.
	 * @return the chain
	 */
	public String chain() {
		return this.chain;
	}

	/**
	 * Return the model to call.
	 * @return the model name
	 */
	public String model() {
		return this.request.model();
	}

	/**
	 * Return the model the call asked for.
	 * @return the requested model name
	 */
	public String requestedModel() {
		return this.requestedModel;
	}

	/**
	 * Whether the chain chose another model than the one asked for.
	 * @return whether this is a fallback
	 */
	public boolean isFallback() {
		return !this.requestedModel.equals(model());
	}

	/**
	 * Return the lease that admits the call. End it exactly once, as any lease.
	 * @return the lease
	 */
	public QuotaLease lease() {
		return this.lease;
	}

	/**
	 * End a call that failed: release the lease as {@link CallOutcome#FAILED} unless it
	 * was already ended, with the provider's answer when the failure is (or wraps) a
	 * {@link ProviderCallException} or an exception of a client library that a
	 * {@link io.github.llmquota.provider.ProviderResponseExtractor} understands, and
	 * record the failure in the model's breaker unless it is about quota (a 429, a
	 * {@link io.github.llmquota.core.NonRetryableQuotaException}) or the request.
	 * @param failure what the call threw
	 */
	public void failed(Throwable failure) {
		end(failure);
	}

	/**
	 * End a failed call and tell what the failure means for the chain.
	 */
	Failure end(Throwable failure) {
		if (!this.lease.isEnded()) {
			this.failure = failure;
			this.lease.release(CallOutcome.FAILED, this.feedbackOf.apply(failure));
		}
		return Failure.of(this.endFeedback, failure);
	}

	/**
	 * End a call that returned: a lease the call left open is settled at what it
	 * reserved, since nothing better is known.
	 */
	void completed() {
		if (!this.lease.isEnded()) {
			this.lease.settle(TokenUsage.of(this.request.inputTokens(), this.request.maxOutputTokens()));
		}
	}

	/**
	 * Note that the call is about to be made, so that a cancellation from now on releases
	 * the lease as {@link CallOutcome#FAILED}.
	 */
	void sent() {
		this.sent = true;
	}

	/**
	 * End the admission of a call its caller gave up: the lease is released, unless it
	 * already ended, as {@link CallOutcome#NOT_SENT} before the call was made and as
	 * {@link CallOutcome#FAILED} after, and the breaker is told neither a success nor a
	 * failure: giving up says nothing about the model's health.
	 */
	void cancelled() {
		this.cancelled = true;
		if (!this.lease.isEnded()) {
			this.lease.release(this.sent ? CallOutcome.FAILED : CallOutcome.NOT_SENT);
		}
	}

	/**
	 * Return the provider's answer the lease ended with.
	 */
	ProviderFeedback endFeedback() {
		return this.endFeedback;
	}

	private void record(boolean settled, CallOutcome outcome, ProviderFeedback feedback) {
		this.endFeedback = feedback;
		if (!this.recorded.compareAndSet(false, true)) {
			return;
		}
		long duration = System.nanoTime() - this.admittedNanos;
		if (settled && feedback.getErrorClass() == ErrorClass.NONE) {
			this.breaker.onSuccess(duration, TimeUnit.NANOSECONDS);
			return;
		}
		if (outcome == CallOutcome.NOT_SENT || this.cancelled) {
			this.breaker.releasePermission();
			return;
		}
		Throwable failure = this.failure;
		if (Failure.of(feedback, failure).isBreakerFailure()) {
			// The breaker's own record/ignore configuration still applies to the
			// exception.
			this.breaker.onError(duration, TimeUnit.NANOSECONDS, (failure != null) ? failure
					: new ProviderCallException("Call to model '" + model() + "' failed", feedback, null));
		}
		else {
			this.breaker.releasePermission();
		}
	}

	@Override
	public String toString() {
		return "FallbackAdmission[chain=" + this.chain + ", model=" + model() + ", requestedModel="
				+ this.requestedModel + "]";
	}

	/**
	 * The engine's lease, telling the admission how it ended.
	 */
	private final class RecordingLease implements QuotaLease {

		private final QuotaLease delegate;

		private final AtomicBoolean ended = new AtomicBoolean();

		RecordingLease(QuotaLease delegate) {
			this.delegate = delegate;
		}

		@Override
		public String id() {
			return this.delegate.id();
		}

		@Override
		public String model() {
			return this.delegate.model();
		}

		@Override
		public String pool() {
			return this.delegate.pool();
		}

		@Override
		public String apiKey() {
			return this.delegate.apiKey();
		}

		@Override
		public boolean charge(long outputTokens) {
			return !this.ended.get() && this.delegate.charge(outputTokens);
		}

		@Override
		public void settle(TokenUsage usage, ProviderFeedback feedback) {
			if (this.ended.compareAndSet(false, true)) {
				try {
					this.delegate.settle(usage, feedback);
				}
				finally {
					record(true, null, feedback);
				}
			}
		}

		@Override
		public void release(CallOutcome outcome, ProviderFeedback feedback) {
			if (this.ended.compareAndSet(false, true)) {
				try {
					this.delegate.release(outcome, feedback);
				}
				finally {
					record(false, outcome, feedback);
				}
			}
		}

		@Override
		public boolean isEnded() {
			return this.ended.get();
		}

		@Override
		public String toString() {
			return this.delegate.toString();
		}

	}

}
