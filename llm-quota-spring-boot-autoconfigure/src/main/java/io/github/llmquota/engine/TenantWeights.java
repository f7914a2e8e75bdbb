package io.github.llmquota.engine;

import java.util.Map;

/**
 * How a pool shares each priority class between tenants: waiting capacity goes to the
 * tenants of a class in proportion to their weights, counted in tokens. A tenant not
 * listed, and requests without a tenant, have the default weight.
 *
 * @param defaultWeight the weight of a tenant not listed, positive
 * @param weights weights by tenant id, each positive
 */
public record TenantWeights(double defaultWeight, Map<String, Double> weights) {

	/** Equal weights for every tenant. */
	public static final TenantWeights EQUAL = new TenantWeights(1, Map.of());

	/**
	 * Create the weights.
	 * @throws IllegalArgumentException if a weight is not positive and finite
	 */
	public TenantWeights {
		check("defaultWeight", defaultWeight);
		weights = Map.copyOf(weights);
		weights.forEach((tenant, weight) -> check("weights[" + tenant + "]", weight));
	}

	private static void check(String name, double weight) {
		if (!(weight > 0) || Double.isInfinite(weight)) {
			throw new IllegalArgumentException(name + " must be positive and finite, was " + weight);
		}
	}

	/**
	 * Return a tenant's weight.
	 * @param tenant the tenant id, or {@code null} for a request without one
	 * @return its weight
	 */
	public double weightOf(String tenant) {
		return (tenant != null) ? this.weights.getOrDefault(tenant, this.defaultWeight) : this.defaultWeight;
	}

}
