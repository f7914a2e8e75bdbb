package io.github.llmquota.batch;

/**
 * Receives the results of deferred calls whose caller is gone: the instance that deferred
 * them stopped (or restarted) before the batch ended, so no future waits for them any
 * more. Declare a bean to handle them; each result reaches exactly one listener call in
 * the fleet. Called on the valve's own thread: hand long work to an executor.
 */
@FunctionalInterface
public interface BatchResultListener {

	/**
	 * Handle the result of a deferred call whose caller is gone.
	 * @param result the result
	 */
	void orphaned(BatchItemResult result);

}
