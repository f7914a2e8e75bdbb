package io.github.llmquota.engine;

/**
 * A request's part in the fair sharing of its priority class between tenants, where its
 * pool shares classes by {@link TenantWeights}.
 *
 * @param keyHash a hash of the tenant id ({@link Sha256}); raw tenant input never shapes
 * a Redis key. Requests without a tenant share one hash of their own
 * @param weight the tenant's weight, positive
 * @param tokens what the request counts against its tenant's share: its prompt and
 * {@code max_tokens}, counted as at least 1
 */
public record TenantShare(String keyHash, double weight, long tokens) {

	/**
	 * Create a share.
	 * @throws IllegalArgumentException if the weight is not positive or the tokens are
	 * negative
	 */
	public TenantShare {
		if (!(weight > 0) || Double.isInfinite(weight)) {
			throw new IllegalArgumentException("weight must be positive and finite, was " + weight);
		}
		if (tokens < 0) {
			throw new IllegalArgumentException("tokens must not be negative, was " + tokens);
		}
	}

}
