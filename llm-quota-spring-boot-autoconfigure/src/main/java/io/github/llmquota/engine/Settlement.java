package io.github.llmquota.engine;

/**
 * How a lease ends, as the store applies it in one atomic step.
 *
 * @param leaseId the lease
 * @param model the model that was called
 * @param delta actual minus charged, per rate dimension of the pool (negative refunds)
 * @param user the user charge of the lease, or {@code null}
 * @param userDelta actual minus charged, per user limit, or {@code null}
 * @param feedback what the provider's answer says about the shared state
 */
public record Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
		PoolFeedback feedback) {
}
