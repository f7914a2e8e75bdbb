package io.github.llmquota.engine;

import java.util.List;

/**
 * A request as the store sees it: who asks, in which class, for how much, and, for an
 * attempt that re-enters the waiting room, when the call first arrived.
 *
 * @param id the ticket id, unique across the fleet; an admitted ticket's lease has the
 * same id
 * @param worker the id of the JVM that waits for it
 * @param rank the priority class rank, 0 being the highest
 * @param cost the charge per rate dimension of the pool, in the pool's order
 * @param maxWaitMillis how long the ticket may wait; 0 means admit now or reject
 * @param model the model the call goes to
 * @param user the charge to the user's own limits, or {@code null}
 * @param arrival the arrival an earlier attempt of the same call was given by this pool,
 * so that the ticket waits in that place within its class; 0 for a new arrival. A number
 * the pool has not issued yet (another pool's, or one from before its state was lost)
 * counts as a new arrival.
 * @param tenant the ticket's part in its class's fair sharing between tenants, or
 * {@code null} where its pool has no {@link TenantWeights}
 * @param budgets the worst-case cost reserved in each cost budget window the call falls
 * under, or {@code null} for none
 * @param tenantLimit the charge to the tenant's own limits, or {@code null}
 */
public record Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis, String model, UserCharge user,
		long arrival, TenantShare tenant, List<BudgetCharge> budgets, UserCharge tenantLimit) {

	/**
	 * Create a ticket whose tenant has no limits of its own.
	 * @param id the ticket id
	 * @param worker the id of the JVM that waits for it
	 * @param rank the priority class rank
	 * @param cost the charge per rate dimension
	 * @param maxWaitMillis how long the ticket may wait
	 * @param model the model the call goes to
	 * @param user the charge to the user's own limits, or {@code null}
	 * @param arrival the arrival of an earlier attempt, or 0
	 * @param tenant the ticket's part in fair sharing between tenants, or {@code null}
	 * @param budgets the worst-case cost reserved in each cost budget window the call
	 * falls under, or {@code null} for none
	 */
	public Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis, String model, UserCharge user,
			long arrival, TenantShare tenant, List<BudgetCharge> budgets) {
		this(id, worker, rank, cost, maxWaitMillis, model, user, arrival, tenant, budgets, null);
	}

	/**
	 * Create a ticket outside every cost budget, whose tenant has no limits of its own.
	 * @param id the ticket id
	 * @param worker the id of the JVM that waits for it
	 * @param rank the priority class rank
	 * @param cost the charge per rate dimension
	 * @param maxWaitMillis how long the ticket may wait
	 * @param model the model the call goes to
	 * @param user the charge to the user's own limits, or {@code null}
	 * @param arrival the arrival of an earlier attempt, or 0
	 * @param tenant the ticket's part in fair sharing between tenants, or {@code null}
	 */
	public Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis, String model, UserCharge user,
			long arrival, TenantShare tenant) {
		this(id, worker, rank, cost, maxWaitMillis, model, user, arrival, tenant, null, null);
	}

	/**
	 * Create a ticket outside fair sharing between tenants.
	 * @param id the ticket id
	 * @param worker the id of the JVM that waits for it
	 * @param rank the priority class rank
	 * @param cost the charge per rate dimension
	 * @param maxWaitMillis how long the ticket may wait
	 * @param model the model the call goes to
	 * @param user the charge to the user's own limits, or {@code null}
	 * @param arrival the arrival of an earlier attempt, or 0
	 */
	public Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis, String model, UserCharge user,
			long arrival) {
		this(id, worker, rank, cost, maxWaitMillis, model, user, arrival, null);
	}

	/**
	 * Create a ticket for a new arrival.
	 * @param id the ticket id
	 * @param worker the id of the JVM that waits for it
	 * @param rank the priority class rank
	 * @param cost the charge per rate dimension
	 * @param maxWaitMillis how long the ticket may wait
	 * @param model the model the call goes to
	 * @param user the charge to the user's own limits, or {@code null}
	 */
	public Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis, String model, UserCharge user) {
		this(id, worker, rank, cost, maxWaitMillis, model, user, 0);
	}

}
