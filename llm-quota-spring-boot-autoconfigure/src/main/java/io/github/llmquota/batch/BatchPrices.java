package io.github.llmquota.batch;

import java.util.Map;

/**
 * The list prices of models, to report what the batch discount saved: batch calls cost
 * half of them ({@link #BATCH_DISCOUNT}). Prices are per million tokens in any one
 * currency; a model without a price saves nothing that can be reported.
 *
 * @param inputPerMillion per model as the provider names it, the price of a million input
 * tokens
 * @param outputPerMillion per model, the price of a million output tokens
 */
public record BatchPrices(Map<String, Double> inputPerMillion, Map<String, Double> outputPerMillion) {

	/** The share of the list price that Anthropic's and OpenAI's batch APIs take off. */
	public static final double BATCH_DISCOUNT = 0.5;

	/** No prices: nothing saved is reported. */
	public static final BatchPrices NONE = new BatchPrices(Map.of(), Map.of());

	/**
	 * Create prices, copying the maps.
	 * @throws IllegalArgumentException on a negative price
	 */
	public BatchPrices {
		inputPerMillion = Map.copyOf(inputPerMillion);
		outputPerMillion = Map.copyOf(outputPerMillion);
		inputPerMillion.forEach(BatchPrices::requireNotNegative);
		outputPerMillion.forEach(BatchPrices::requireNotNegative);
	}

	private static void requireNotNegative(String model, Double price) {
		if (price < 0) {
			throw new IllegalArgumentException("The price of " + model + " must not be negative, was " + price);
		}
	}

	/**
	 * Return what the batch discount saved on one result.
	 * @param result the result
	 * @return the money saved, 0 for a call that did not succeed or a model without a
	 * price
	 */
	public double saved(BatchItemResult result) {
		if (result.outcome() != BatchItemResult.Outcome.SUCCEEDED || result.model() == null) {
			return 0;
		}
		double list = result.inputTokens() * this.inputPerMillion.getOrDefault(result.model(), 0.0)
				+ result.outputTokens() * this.outputPerMillion.getOrDefault(result.model(), 0.0);
		return list / 1_000_000 * BATCH_DISCOUNT;
	}

}
