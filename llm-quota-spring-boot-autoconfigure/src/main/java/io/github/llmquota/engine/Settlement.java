package io.github.llmquota.engine;

import java.util.List;

/**
 * How a lease ends, as the store applies it in one atomic step.
 *
 * @param leaseId the lease
 * @param model the model that was called
 * @param delta actual minus charged, per rate dimension of the pool (negative refunds)
 * @param user the user charge of the lease, or {@code null}
 * @param userDelta actual minus charged, per user limit, or {@code null}
 * @param feedback what the provider's answer says about the shared state
 * @param budgets what the call spent in each cost budget window it falls under, and the
 * reservation that ends, or {@code null} for none
 */
public record Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
		PoolFeedback feedback, List<BudgetCharge> budgets) {

	/**
	 * Create a settlement outside every cost budget.
	 * @param leaseId the lease
	 * @param model the model that was called
	 * @param delta actual minus charged, per rate dimension of the pool
	 * @param user the user charge of the lease, or {@code null}
	 * @param userDelta actual minus charged, per user limit, or {@code null}
	 * @param feedback what the provider's answer says about the shared state
	 */
	public Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
			PoolFeedback feedback) {
		this(leaseId, model, delta, user, userDelta, feedback, null);
	}

}
