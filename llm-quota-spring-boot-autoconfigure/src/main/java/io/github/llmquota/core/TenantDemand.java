package io.github.llmquota.core;

/**
 * What one tenant has waiting in a pool, and what the pool admitted for it lately, across
 * the fleet. Immutable.
 *
 * @param tenant the tenant id where the JVM that reads it has seen the tenant, else the
 * hash of the id that the shared state keeps; {@code "-"} for requests without a tenant
 * @param waitingTokens the tokens of its waiting requests, as they count against its
 * share (prompt and {@code max_tokens})
 * @param waitingRequests its waiting requests
 * @param admittedTokens the tokens of its requests admitted in the current and the
 * previous whole minute (60 to 120 seconds), counted as its share counts them
 * @param admittedShare its part of the tokens the pool admitted for all tenants in the
 * same window, in [0, 1]; 0 when nothing was admitted
 */
public record TenantDemand(String tenant, long waitingTokens, int waitingRequests, long admittedTokens,
		double admittedShare) {

	/**
	 * Return a tenant's share of what was admitted, as stores compute
	 * {@link #admittedShare()}.
	 * @param tokens the tenant's admitted tokens
	 * @param total every tenant's admitted tokens together
	 * @return {@code tokens / total}, or 0 when {@code total} is not positive
	 */
	public static double share(long tokens, long total) {
		return (total > 0) ? (double) tokens / total : 0;
	}

	/**
	 * Return this demand under another name, as a JVM that has seen the tenant's id names
	 * it.
	 * @param name the tenant id
	 * @return the same figures, named
	 */
	public TenantDemand named(String name) {
		return new TenantDemand(name, this.waitingTokens, this.waitingRequests, this.admittedTokens,
				this.admittedShare);
	}

}
