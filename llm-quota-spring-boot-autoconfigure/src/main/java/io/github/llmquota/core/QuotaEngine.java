package io.github.llmquota.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Admits model calls against the shared provider limits of their pool. Every configured
 * dimension of the pool (and of the user, where per-user limits are configured) is
 * checked and consumed atomically; requests that do not fit wait in a fleet-wide waiting
 * room, in strict priority-class order and FIFO within a class, until they fit or their
 * wait budget runs out. A model configured with several API keys
 * ({@code llm.quota.models.<model>.api-keys}) has one pool per key: a request is queued
 * on the key whose pool has the most headroom, and {@link QuotaLease#apiKey()} tells
 * which key to call with. Implementations are thread-safe.
 */
public interface QuotaEngine {

	/**
	 * Wait for admission, blocking the calling thread for at most the request's wait
	 * budget.
	 * @param request the request
	 * @return the lease to settle or release once the call is done
	 * @throws QuotaRejectedException if the request is not admitted; if the thread is
	 * interrupted the ticket is withdrawn, the interrupt flag is restored and the reason
	 * is {@link RejectionReason#CANCELLED}
	 * @throws NonRetryableQuotaException if the pool is marked exhausted fleet-wide (its
	 * error class is {@code QUOTA_EXHAUSTED}), whether at once or while the request
	 * waited: waiting cannot help, see
	 * {@link QuotaLease#release(CallOutcome, ProviderFeedback)}
	 * @throws IllegalArgumentException for an unknown model or priority class
	 */
	QuotaLease acquire(QuotaRequest request);

	/**
	 * Ask for admission without blocking. Cancelling the returned future withdraws the
	 * ticket; if admission raced with the cancellation, the lease is released as
	 * {@link CallOutcome#NOT_SENT}.
	 * @param request the request
	 * @return a future completed with the lease, or exceptionally with a
	 * {@link QuotaRejectedException}, or with a {@link NonRetryableQuotaException} when
	 * the pool is marked exhausted fleet-wide
	 * @throws IllegalArgumentException for an unknown model or priority class
	 */
	CompletableFuture<QuotaLease> acquireAsync(QuotaRequest request);

	/**
	 * Read how busy a model's pool is across the fleet: a summary of
	 * {@link #state(String) its pool's state}, read the same way. For a model with
	 * several API keys, the pool of its first key.
	 * @param model the model
	 * @return the pool's backpressure
	 * @throws IllegalArgumentException for an unknown model
	 * @throws QuotaStateUnavailableException if the pool's shared state cannot be read
	 */
	Backpressure backpressure(String model);

	/**
	 * Return the names of every pool this engine admits requests to, including the pool
	 * of each API key of a model with several.
	 * @return the pool names, sorted
	 */
	List<String> pools();

	/**
	 * Read a pool's fleet-wide state: its use and utilisation per dimension, its one
	 * utilisation and headroom, its queues, calls in flight, multiplier and cooldowns.
	 * Each call reads the shared state afresh, in one read-only store call (one Redis
	 * round trip with the Redis store), so callers that poll should do so at an interval
	 * rather than per request. Thread-safe.
	 * @param pool the pool name, one of {@link #pools()}
	 * @return the pool's state, as of this call
	 * @throws IllegalArgumentException if {@code pool} names no pool
	 * @throws QuotaStateUnavailableException if the pool's shared state cannot be read;
	 * it tells which fail mode decides requests meanwhile, and with what local state
	 */
	PoolState state(String pool);

	/**
	 * Read the tenants with the most tokens waiting in a pool, then those with the most
	 * tokens admitted lately, across the fleet, where the pool shares its classes between
	 * tenants: for display, such as the endpoint's (tenant ids are never metric tags).
	 * Each carries its share of what the pool admitted. One read-only store call that
	 * reads every waiting request, so not for use per request. Thread-safe.
	 * @param pool the pool name, one of {@link #pools()}
	 * @param limit the most tenants to return, positive
	 * @return the tenants, most tokens waiting first, then most admitted; empty where the
	 * pool does not share its classes between tenants or the engine does not know
	 * @throws IllegalArgumentException if {@code pool} names no pool
	 */
	default List<TenantDemand> waitingTenants(String pool, int limit) {
		return List.of();
	}

}
