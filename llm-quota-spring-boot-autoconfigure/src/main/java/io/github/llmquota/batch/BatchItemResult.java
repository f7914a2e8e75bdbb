package io.github.llmquota.batch;

/**
 * What a provider's batch answered for one deferred call.
 *
 * @param id the call's id
 * @param outcome how the call ended
 * @param body the provider's response body in JSON when it succeeded (for Anthropic, the
 * message), otherwise {@code null}
 * @param error the provider's explanation when it did not succeed, otherwise {@code null}
 * @param model the model that answered, as the provider names it, or {@code null}
 * @param inputTokens the input tokens the provider billed, 0 when unknown
 * @param outputTokens the output tokens the provider billed, 0 when unknown
 */
public record BatchItemResult(String id, Outcome outcome, String body, String error, String model, long inputTokens,
		long outputTokens) {

	/**
	 * Return a successful result.
	 * @param id the call's id
	 * @param body the response body
	 * @param model the model that answered, or {@code null}
	 * @param inputTokens the input tokens billed
	 * @param outputTokens the output tokens billed
	 * @return the result
	 */
	public static BatchItemResult succeeded(String id, String body, String model, long inputTokens, long outputTokens) {
		return new BatchItemResult(id, Outcome.SUCCEEDED, body, null, model, inputTokens, outputTokens);
	}

	/**
	 * Return a result that did not succeed.
	 * @param id the call's id
	 * @param outcome how it ended, not {@link Outcome#SUCCEEDED}
	 * @param error the provider's explanation
	 * @return the result
	 */
	public static BatchItemResult failed(String id, Outcome outcome, String error) {
		return new BatchItemResult(id, outcome, null, error, null, 0, 0);
	}

	/**
	 * How a deferred call ended.
	 */
	public enum Outcome {

		/** The provider answered the call. */
		SUCCEEDED,

		/** The provider answered the call with an error. */
		ERRORED,

		/** The batch ended (24 hours) before the provider reached the call. */
		EXPIRED,

		/** The batch was cancelled before the provider reached the call. */
		CANCELED,

		/**
		 * No result reached the caller in time ({@link BatchSettings#resultTimeout()}): a
		 * result that comes later goes to the {@link BatchResultListener}.
		 */
		TIMED_OUT

	}

}
