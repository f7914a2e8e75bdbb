package io.github.llmquota.engine;

import java.time.Duration;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;

/**
 * Observes what the engine decides for this JVM's requests, for metrics and logs. Methods
 * run on the thread that completed the decision, so they must be quick and must not
 * throw; an exception is logged and ignored.
 */
public interface QuotaEngineListener {

	/**
	 * A request was admitted.
	 * @param model the model
	 * @param request the request
	 * @param waited how long it waited for admission
	 */
	default void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
	}

	/**
	 * A request was admitted in shadow mode: {@link #admitted} follows, whatever
	 * enforcement would have decided.
	 * @param model the model
	 * @param request the request
	 * @param decision what enforcement would have decided
	 */
	default void shadowed(ModelSpec model, QuotaRequest request, Admission.Shadow decision) {
	}

	/**
	 * A request was not admitted.
	 * @param model the model
	 * @param request the request
	 * @param reason why
	 * @param waited how long it waited before the rejection
	 */
	default void rejected(ModelSpec model, QuotaRequest request, RejectionReason reason, Duration waited) {
	}

	/**
	 * A lease ended.
	 * @param model the model
	 * @param request the request the lease was admitted for
	 * @param usage the usage the provider reported, or {@code null} when the lease was
	 * released
	 * @param feedback what the provider's answer said about the shared state
	 */
	default void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
	}

}
