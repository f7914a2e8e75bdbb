package io.github.llmquota.engine;

import java.util.List;

import io.github.llmquota.core.TenantDemand;

/**
 * Holds the shared state of the pools and makes every decision about it atomically: one
 * call per acquire, one per settle. Waiting is not the store's business beyond keeping
 * the waiting room: it reports grants to the {@link AdmissionListener} and the engine
 * does the rest. Implementations are thread-safe.
 */
public interface QuotaStore {

	/**
	 * Identify this JVM to the store and receive news about its waiting tickets.
	 * @param workerId the id of this JVM
	 * @param listener the listener
	 */
	void start(String workerId, AdmissionListener listener);

	/**
	 * Stop delivering news and release resources.
	 */
	void stop();

	/**
	 * Admit the ticket now if it fits and nothing ranks before it; otherwise queue it, or
	 * reject it when queuing cannot help.
	 * @param pool the pool
	 * @param ticket the ticket
	 * @return the admission
	 */
	Admission acquire(PoolSpec pool, Ticket ticket);

	/**
	 * End a lease: free its concurrency slot, apply the difference between what the call
	 * really cost and what was charged (negative values refund), and apply the provider's
	 * feedback.
	 * @param pool the pool
	 * @param settlement how the lease ends
	 */
	void settle(PoolSpec pool, Settlement settlement);

	/**
	 * Withdraw a waiting ticket. If it was admitted in the meantime, its lease is ended
	 * and its whole charge refunded.
	 * @param pool the pool
	 * @param ticketId the ticket
	 */
	void cancel(PoolSpec pool, String ticketId);

	/**
	 * Prove this JVM alive, admit whatever fits, and report on this JVM's waiting
	 * tickets. Repairs lost pushes.
	 * @param pool the pool
	 * @param ticketIds the tickets this JVM waits for in the pool
	 * @return their states, in the same order, and the head delay when this JVM owns the
	 * blocked head
	 */
	PollResult poll(PoolSpec pool, List<String> ticketIds);

	/**
	 * Charge a streaming lease's step while the stream is alive: add {@code delta} to the
	 * pool's buckets as a settle would (the lease's charge so far is the caller's to
	 * keep), note the stream's output so far for {@link PoolSnapshot#streamOutput()}, and
	 * keep the lease for a whole {@code lease-timeout} from now. A lease that already
	 * expired or ended is not brought back and nothing is charged. A lease of a user or a
	 * tenant with limits of its own charges their buckets too, as it flows, and the
	 * step's cost so far moves from the reservation to the spend of the cost budget
	 * windows the call falls under, in the same atomic step.
	 * @param pool the pool
	 * @param leaseId the lease
	 * @param delta per rate dimension of the pool, what to add to its bucket
	 * @param outputTokens the stream's output tokens so far
	 * @param user the user charge of the lease, or {@code null}
	 * @param userDelta per user limit, what to add to the user's bucket, or {@code null}
	 * @param budgets what the step spent in each budget window and the reservation it
	 * ends, or {@code null} for none
	 * @param tenantLimit the charge to the tenant's own limits of the lease, or
	 * {@code null}
	 * @param tenantDelta per tenant limit, what to add to the tenant's bucket, or
	 * {@code null}
	 * @return whether the lease was still held
	 * @throws UnsupportedOperationException if this store cannot charge streams
	 */
	default boolean charge(PoolSpec pool, String leaseId, long[] delta, long outputTokens, UserCharge user,
			long[] userDelta, List<BudgetCharge> budgets, UserCharge tenantLimit, long[] tenantDelta) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot charge streams");
	}

	/**
	 * Read cost budget windows of a pool without changing them. A window the store does
	 * not hold reads as its floor, or as nothing spent.
	 * @param pool the pool whose keys hold the windows
	 * @param budgets the windows ({@link BudgetCharge#amountMicros()} is not used)
	 * @return their levels, in the same order
	 * @throws UnsupportedOperationException if this store keeps no budgets
	 */
	default List<BudgetLevel> budgetLevels(PoolSpec pool, List<BudgetCharge> budgets) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no cost budgets");
	}

	/**
	 * Return the store's wall-clock time, epoch milliseconds: the time cost budget
	 * windows are computed from, so that every JVM of the fleet ends a window at the same
	 * moment (Redis {@code TIME} where the store reads it).
	 * @return the time
	 */
	default long timeMillis() {
		return System.currentTimeMillis();
	}

	/**
	 * Read the pool's shared state without changing it.
	 * @param pool the pool
	 * @return the snapshot
	 */
	PoolSnapshot snapshot(PoolSpec pool);

	/**
	 * Read the tenants with the most tokens waiting in a pool, then those with the most
	 * tokens admitted in the current and the previous minute, without changing it.
	 * @param pool the pool
	 * @param limit the most tenants to return, positive
	 * @return the tenants, most tokens waiting first, then most admitted (then by key
	 * hash), each with its share of every tenant's admitted tokens, each named by the key
	 * hash of its {@link TenantShare}; empty where this store keeps no tenants
	 */
	default List<TenantDemand> waitingTenants(PoolSpec pool, int limit) {
		return List.of();
	}

	/**
	 * Return the live settings the fleet applies to a pool over its configuration.
	 * @param pool the pool as configured
	 * @return the live settings, {@link LiveSettings#NONE} when nothing was changed
	 */
	default LiveSettings live(PoolSpec pool) {
		return LiveSettings.NONE;
	}

	/**
	 * Return the pool with the limits this store last decided on (its live settings'
	 * limits over the configured ones, and its scopes' over theirs), without a store
	 * call: after a {@link #snapshot(PoolSpec) snapshot} they are the fleet's.
	 * @param pool the pool as configured
	 * @return the pool as decided on
	 */
	default PoolSpec liveLimits(PoolSpec pool) {
		return pool;
	}

	/**
	 * Replace the live settings of a pool for every JVM that shares the store, from each
	 * one's next decision on, until they are replaced again; {@link LiveSettings#NONE}
	 * reverts the pool to its configuration. The settings must be
	 * {@link LiveSettings#validate valid}.
	 * @param pool the pool as configured
	 * @param live the new live settings
	 * @throws UnsupportedOperationException if this store cannot change a pool at runtime
	 */
	default void changeLive(PoolSpec pool, LiveSettings live) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot change pools at runtime");
	}

	/**
	 * Return the live settings the fleet applies to a scope over its configuration: its
	 * limits only.
	 * @param pool a pool under the scope, as configured (its tree names the scope's keys)
	 * @param scope the scope as configured
	 * @return the live settings, {@link LiveSettings#NONE} when nothing was changed
	 */
	default LiveSettings scopeLive(PoolSpec pool, ScopeSpec scope) {
		return LiveSettings.NONE;
	}

	/**
	 * Replace the live limits of a scope for every JVM that shares the store, from each
	 * one's next decision of any pool under it on, until they are replaced again;
	 * {@link LiveSettings#NONE} reverts the scope to its configuration. The settings must
	 * be {@link LiveSettings#validateScope valid}. {@link #liveLimits(PoolSpec)} then
	 * shows them in the chain of every pool under the scope.
	 * @param pool a pool under the scope, as configured
	 * @param scope the scope as configured
	 * @param live the new live settings
	 * @throws UnsupportedOperationException if this store cannot change a scope at
	 * runtime
	 */
	default void changeScopeLive(PoolSpec pool, ScopeSpec scope, LiveSettings live) {
		throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot change scopes at runtime");
	}

	/**
	 * What a poll found.
	 *
	 * @param states the states of the polled tickets, in order
	 * @param headDelayMillis when a ticket of this JVM is the blocked head, how long
	 * until it fits ({@link Admission#UNKNOWN} if that depends on a lease ending);
	 * otherwise {@link Admission#NONE}
	 * @param headTicket the id of that head, or {@code null}
	 */
	record PollResult(List<TicketState> states, long headDelayMillis, String headTicket) {
	}

}
