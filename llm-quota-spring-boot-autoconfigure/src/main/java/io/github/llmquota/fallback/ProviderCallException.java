package io.github.llmquota.fallback;

import java.util.Objects;

import io.github.llmquota.core.ProviderFeedback;

/**
 * Thrown by a {@link FallbackCall} to tell the chain how the provider answered a failed
 * call, when the call does not release the lease itself. The chain releases the lease
 * with the feedback (so a 429 cools the pool fleet-wide and a 529 cools the model),
 * records the outcome in the model's circuit breaker, and decides whether another model
 * may serve the call. It is also what the breaker is told when a lease ends with a
 * failure and no exception is known, so
 * {@code resilience4j.circuitbreaker.instances.<model>.ignore-exceptions} can name it.
 */
public class ProviderCallException extends RuntimeException {

	private final transient ProviderFeedback feedback;

	/**
	 * Create an exception.
	 * @param message what failed
	 * @param feedback the parsed provider response
	 * @param cause the client's own exception, or {@code null}
	 */
	public ProviderCallException(String message, ProviderFeedback feedback, Throwable cause) {
		super(message, cause);
		this.feedback = Objects.requireNonNull(feedback, "'feedback' must not be null");
	}

	/**
	 * Return how the provider answered.
	 * @return the feedback
	 */
	public ProviderFeedback getFeedback() {
		return this.feedback;
	}

}
