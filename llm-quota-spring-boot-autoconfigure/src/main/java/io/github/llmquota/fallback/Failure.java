package io.github.llmquota.fallback;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.ProviderFeedback;

/**
 * What a failed call means for the breaker and for the rest of the chain, decided from
 * the provider's answer when there is one and from the exception otherwise.
 */
enum Failure {

	/**
	 * The model is unhealthy: overloaded, a server error, a timeout or a broken
	 * connection. A breaker failure; the next model may serve.
	 */
	HEALTH(true, true),

	/** A 429: quota, not health. The pool now cools down; the next model may serve. */
	RATE_LIMITED(false, true),

	/**
	 * The provider account's quota is gone: quota, not health. Models of another provider
	 * or key may serve.
	 */
	QUOTA_EXHAUSTED(false, true),

	/** The request is too large for the provider: no model is tried after it. */
	REQUEST_TOO_LARGE(false, false),

	/**
	 * The provider refused the request itself (4xx): the caller's problem, not the
	 * model's.
	 */
	CLIENT_ERROR(false, false),

	/**
	 * Anything else, such as a bug in the calling code. The breaker is told, and its own
	 * configuration decides whether it counts; no other model is tried.
	 */
	UNKNOWN(true, false);

	private final boolean breakerFailure;

	private final boolean fallsBack;

	Failure(boolean breakerFailure, boolean fallsBack) {
		this.breakerFailure = breakerFailure;
		this.fallsBack = fallsBack;
	}

	/**
	 * Whether the breaker records the call as failed; otherwise the call is neither a
	 * success nor a failure to it.
	 */
	boolean isBreakerFailure() {
		return this.breakerFailure;
	}

	/**
	 * Whether another model may serve the call.
	 */
	boolean fallsBack() {
		return this.fallsBack;
	}

	static Failure of(ProviderFeedback feedback, Throwable failure) {
		NonRetryableQuotaException nonRetryable = find(failure, NonRetryableQuotaException.class);
		if (nonRetryable != null) {
			return of(nonRetryable.getErrorClass());
		}
		ProviderFeedback answer = (feedback != null && !isEmpty(feedback)) ? feedback : feedbackOf(failure);
		if (answer != null && !isEmpty(answer)) {
			ErrorClass errorClass = answer.getErrorClass();
			if (answer.isHealthFailure()) {
				return HEALTH;
			}
			if (errorClass.cutsQuota() || errorClass.permanent()) {
				return of(errorClass);
			}
			if (answer.getStatus() >= 400) {
				// What the SDKs retry besides the above (408, 409) is a passing server
				// condition.
				return answer.isRetryable() ? HEALTH : CLIENT_ERROR;
			}
		}
		if (find(failure, TimeoutException.class) != null || find(failure, IOException.class) != null) {
			return HEALTH;
		}
		return UNKNOWN;
	}

	private static Failure of(ErrorClass errorClass) {
		return switch (errorClass) {
			case RATE_LIMITED -> RATE_LIMITED;
			case QUOTA_EXHAUSTED -> QUOTA_EXHAUSTED;
			case REQUEST_TOO_LARGE -> REQUEST_TOO_LARGE;
			case OVERLOADED -> HEALTH;
			default -> UNKNOWN;
		};
	}

	/**
	 * Return the provider's answer a failure carries, from a
	 * {@link ProviderCallException} anywhere in its causes.
	 */
	static ProviderFeedback feedbackOf(Throwable failure) {
		ProviderCallException call = find(failure, ProviderCallException.class);
		return (call != null) ? call.getFeedback() : null;
	}

	private static boolean isEmpty(ProviderFeedback feedback) {
		return feedback.getStatus() == 0 && feedback.getErrorClass() == ErrorClass.NONE;
	}

	// Client libraries wrap their exceptions freely; java.net's timeouts are
	// IOExceptions.
	private static <X extends Throwable> X find(Throwable failure, Class<X> type) {
		Throwable current = failure;
		for (int depth = 0; current != null && depth < 10; depth++) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
			current = current.getCause();
		}
		return null;
	}

}
