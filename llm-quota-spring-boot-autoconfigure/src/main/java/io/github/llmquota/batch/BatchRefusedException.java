package io.github.llmquota.batch;

/**
 * Thrown by {@link BatchProvider#poll(String)} when the provider ended a batch it had
 * accepted without running any of its calls, for a reason that passes, such as OpenAI's
 * {@code token_limit_exceeded} when other work filled the batch queue: the valve returns
 * the batch's calls to pending, and they are submitted again in a later batch.
 */
public class BatchRefusedException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message the provider's reason
	 */
	public BatchRefusedException(String message) {
		super(message);
	}

}
