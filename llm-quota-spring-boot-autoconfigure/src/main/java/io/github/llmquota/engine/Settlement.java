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
 * @param tenantLimit the charge to the tenant's own limits of the lease, or {@code null}
 * @param tenantDelta actual minus charged, per tenant limit, or {@code null}
 * @param streamed whether the lease charged stream steps, so that the store holds output
 * in flight for it to clear; {@code false} spares a store the clearing of nothing
 */
public record Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
		PoolFeedback feedback, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta,
		boolean streamed) {

	/**
	 * Create a settlement of a lease that may have streamed.
	 * @param leaseId the lease
	 * @param model the model that was called
	 * @param delta actual minus charged, per rate dimension of the pool
	 * @param user the user charge of the lease, or {@code null}
	 * @param userDelta actual minus charged, per user limit, or {@code null}
	 * @param feedback what the provider's answer says about the shared state
	 * @param budgets what the call spent in each cost budget window it falls under, and
	 * the reservation that ends, or {@code null} for none
	 * @param tenantLimit the charge to the tenant's own limits of the lease, or
	 * {@code null}
	 * @param tenantDelta actual minus charged, per tenant limit, or {@code null}
	 */
	public Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
			PoolFeedback feedback, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
		this(leaseId, model, delta, user, userDelta, feedback, budgets, tenantLimit, tenantDelta, true);
	}

	/**
	 * Create a settlement outside every cost budget, of a lease whose tenant has no
	 * limits of its own.
	 * @param leaseId the lease
	 * @param model the model that was called
	 * @param delta actual minus charged, per rate dimension of the pool
	 * @param user the user charge of the lease, or {@code null}
	 * @param userDelta actual minus charged, per user limit, or {@code null}
	 * @param feedback what the provider's answer says about the shared state
	 */
	public Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
			PoolFeedback feedback) {
		this(leaseId, model, delta, user, userDelta, feedback, null, null, null);
	}

	/**
	 * Create a settlement of a lease whose tenant has no limits of its own.
	 * @param leaseId the lease
	 * @param model the model that was called
	 * @param delta actual minus charged, per rate dimension of the pool
	 * @param user the user charge of the lease, or {@code null}
	 * @param userDelta actual minus charged, per user limit, or {@code null}
	 * @param feedback what the provider's answer says about the shared state
	 * @param budgets what the call spent in each cost budget window it falls under, and
	 * the reservation that ends, or {@code null} for none
	 */
	public Settlement(String leaseId, String model, long[] delta, UserCharge user, long[] userDelta,
			PoolFeedback feedback, List<BudgetCharge> budgets) {
		this(leaseId, model, delta, user, userDelta, feedback, budgets, null, null);
	}

}
