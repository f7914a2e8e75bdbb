package io.github.llmquota.engine;

import java.time.Instant;

/**
 * Optionally implemented by a {@link QuotaStore} that keeps deciding requests by a fail
 * mode while the shared state cannot be read. The engine's read side asks it what decides
 * a pool's requests meanwhile, so that readers of
 * {@link io.github.llmquota.core.QuotaEngine#state(String)} need not know the store.
 * Implementations are thread-safe.
 */
public interface FailModeStore {

	/**
	 * Return why and since when the shared state cannot be read.
	 * @return the outage, or {@code null} while the shared state can be read
	 */
	Outage outage();

	/**
	 * Return what a local limiter decides a pool's requests with while the shared state
	 * cannot be read, without any call to the shared store.
	 * @param pool the pool
	 * @return the local limiter's limits and state of the pool, or {@code null} while the
	 * shared state can be read or when no local limiter decides
	 */
	LocalReading localReading(PoolSpec pool);

	/**
	 * Why and since when the shared state cannot be read.
	 *
	 * @param failMode the fail mode that decides requests meanwhile, in lower case
	 * ({@code local}, {@code open} or {@code closed})
	 * @param since when a call to the shared store first failed
	 * @param cause what failed
	 */
	record Outage(String failMode, Instant since, String cause) {
	}

	/**
	 * What a local limiter decides one pool's requests with.
	 *
	 * @param limits the pool with this JVM's share of its limits: each rate's capacity
	 * and refill, and the concurrency, scaled by the share; the provider limits unchanged
	 * @param snapshot the local limiter's state of the pool, which counts this JVM's
	 * requests only
	 */
	record LocalReading(PoolSpec limits, PoolSnapshot snapshot) {
	}

}
