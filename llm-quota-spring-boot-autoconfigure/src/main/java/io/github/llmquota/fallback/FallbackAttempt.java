package io.github.llmquota.fallback;

import java.time.Duration;

import io.github.llmquota.core.RejectionReason;

/**
 * What happened to one model of a chain during one call: why it did not serve the call.
 *
 * @param model the model
 * @param pool its pool
 * @param outcome what happened
 * @param reason the engine's reason, for {@link Outcome#REJECTED}; otherwise {@code null}
 * @param retryAfter how long until the model could take the call, as known when it was
 * tried; {@code null} when unknown or never
 * @param detail a message for people
 */
public record FallbackAttempt(String model, String pool, Outcome outcome, RejectionReason reason, Duration retryAfter,
		String detail) {

	/**
	 * Why a model did not serve the call.
	 */
	public enum Outcome {

		/**
		 * Its circuit breaker did not permit a call. The retry-after is the breaker's
		 * configured wait in the open state, an upper bound.
		 */
		CIRCUIT_OPEN,

		/** Its pool was cooling down after a 429, or the model after overload errors. */
		COOLING_DOWN,

		/** Its pool did not admit the call within the wait the chain gave it. */
		REJECTED,

		/** It was admitted, but the call failed in a way another model may not. */
		CALL_FAILED,

		/**
		 * Skipped without a call: the quota of its provider account is exhausted, as
		 * another model of the same provider and key reported during this call, or as its
		 * pool's fleet-wide exhausted mark says.
		 */
		PROVIDER_EXHAUSTED

	}

	@Override
	public String toString() {
		return this.model + ": " + this.detail;
	}

}
