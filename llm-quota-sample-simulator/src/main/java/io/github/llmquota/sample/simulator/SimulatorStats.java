package io.github.llmquota.sample.simulator;

import java.util.Map;

/**
 * What the simulator received, served and refused since it started or was last reset.
 * Every configured model is present, with zeros if it saw no traffic. Each model's
 * figures are read together, so they are consistent with each other; the totals are read
 * on their own, so a snapshot taken while requests arrive may be off by those requests.
 *
 * @param requests every {@code POST /v1/messages} and {@code POST /v1/chat/completions},
 * whatever its answer: the count to compare with what the clients' quota admitted
 * @param overloaded the requests answered {@code 529 overloaded_error}, over all models
 * @param models the figures of each model, by model name
 */
public record SimulatorStats(long requests, long overloaded, Map<String, ModelStats> models) {

	/**
	 * Return the figures of one model.
	 * @param model the model name
	 * @return the figures
	 * @throws IllegalArgumentException if the simulator does not serve the model
	 */
	public ModelStats model(String model) {
		ModelStats stats = this.models.get(model);
		if (stats == null) {
			throw new IllegalArgumentException("The simulator does not serve model '" + model + "'");
		}
		return stats;
	}

	/**
	 * The figures of one model. Token counts are those of completed requests, as reported
	 * in their {@code usage}; a 429 is counted under the one limit its message names.
	 *
	 * @param served the requests answered with a 200
	 * @param rateLimitedByRequests the 429s for the requests-per-minute limit
	 * @param rateLimitedByInputTokens the 429s for the input-tokens-per-minute limit
	 * @param rateLimitedByOutputTokens the 429s for the output-tokens-per-minute limit
	 * @param inputTokens the uncached input tokens
	 * @param outputTokens the output tokens
	 * @param cacheCreationInputTokens the input tokens written to the prompt cache
	 * @param cacheReadInputTokens the input tokens read from the prompt cache
	 */
	public record ModelStats(long served, long rateLimitedByRequests, long rateLimitedByInputTokens,
			long rateLimitedByOutputTokens, long inputTokens, long outputTokens, long cacheCreationInputTokens,
			long cacheReadInputTokens) {

		/**
		 * Return all 429s, whichever limit they named.
		 * @return the number of 429s
		 */
		public long rateLimited() {
			return this.rateLimitedByRequests + this.rateLimitedByInputTokens + this.rateLimitedByOutputTokens;
		}

	}

}
