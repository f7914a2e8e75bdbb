package io.github.llmquota.batch;

import java.util.List;
import java.util.Optional;

import io.github.llmquota.core.Provider;

/**
 * A provider's batch API, as the {@link BatchValve} uses it. Implementations are
 * thread-safe; any instance of the fleet may poll a batch another one submitted.
 *
 * @see AnthropicBatchProvider
 * @see OpenAiBatchProvider
 */
public interface BatchProvider {

	/**
	 * Return the provider whose batch API this is: the valve sends it the deferred calls
	 * of the pools of that provider, and no others.
	 * @return the provider
	 */
	Provider provider();

	/**
	 * Submit calls as one batch.
	 * @param items the calls, at least one
	 * @return the provider's batch id
	 * @throws RuntimeException when the provider refused the batch; the calls are then
	 * submitted again later
	 */
	String submit(List<BatchItem> items);

	/**
	 * Poll a batch.
	 * @param batchId the id {@link #submit(List)} returned
	 * @return the result of every call of the batch once it has ended, or empty while it
	 * is still processing
	 * @throws BatchRefusedException when the provider ended the batch without running any
	 * of its calls, for a reason that passes; its calls are submitted again later
	 * @throws RuntimeException when the provider could not be asked; the batch is polled
	 * again later
	 */
	Optional<List<BatchItemResult>> poll(String batchId);

}
