package io.github.llmquota.aop;

import io.github.llmquota.core.QuotaLease;

/**
 * Told what happened to calls of {@link LlmRateLimited} methods, for feedback and
 * metrics. Every bean of this type is called, in
 * {@link org.springframework.core.annotation.Order} order, on the thread that observed
 * the outcome; implementations must be thread-safe and quick. An exception a listener
 * throws is logged and otherwise ignored: it never changes the outcome of the call.
 */
public interface LlmCallListener {

	/**
	 * Called when the method failed: it threw, or its future or publisher completed with
	 * an error, after admission. The lease is released as
	 * {@link io.github.llmquota.core.CallOutcome#FAILED} once every listener has been
	 * called, unless a listener ended it first (for example as
	 * {@link io.github.llmquota.core.CallOutcome#NOT_SENT} when the failure shows that
	 * the request never reached the provider).
	 * @param lease the lease of the call, not yet ended unless a listener ended it
	 * @param failure what the method threw, unwrapped from a
	 * {@link java.util.concurrent.CompletionException}; it propagates to the caller
	 * unchanged
	 */
	default void onFailure(QuotaLease lease, Throwable failure) {
	}

	/**
	 * Called when the method completed but no usage could be found in its result. The
	 * lease has been settled at what was reserved for the call.
	 * @param lease the lease of the call, already ended
	 */
	default void onUsageMissing(QuotaLease lease) {
	}

}
