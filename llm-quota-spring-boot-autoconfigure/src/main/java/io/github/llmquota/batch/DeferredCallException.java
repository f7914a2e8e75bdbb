package io.github.llmquota.batch;

/**
 * Thrown (through the future of a deferred call) when the provider's batch did not answer
 * the call: it errored, expired or was cancelled.
 */
public class DeferredCallException extends RuntimeException {

	private final transient BatchItemResult result;

	/**
	 * Create an exception for a result that did not succeed.
	 * @param result the result
	 */
	public DeferredCallException(BatchItemResult result) {
		super("Deferred call " + result.id() + " was not answered by the provider's batch: "
				+ result.outcome().name().toLowerCase(java.util.Locale.ROOT)
				+ ((result.error() != null) ? " (" + result.error() + ")" : ""));
		this.result = result;
	}

	/**
	 * Return the result that the provider's batch gave.
	 * @return the result
	 */
	public BatchItemResult getResult() {
		return this.result;
	}

}
