package io.github.llmquota.fallback;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated configuration of the fallback chains.
 *
 * @param chains the models of each chain, in the order they are tried
 * @param maxQueueDrain how long the asked-for model's pool's queue may take to drain
 * before the pool is under pressure
 * ({@link io.github.llmquota.core.PoolPressure#of(io.github.llmquota.core.PoolState, Duration)}),
 * and low-priority calls try the other models first
 * @param lowPriorities the priority classes that give way to higher classes while the
 * pool is under pressure
 * @param attemptWait the longest a call waits for one model before the chain tries the
 * next
 */
public record FallbackChainSettings(Map<String, List<String>> chains, Duration maxQueueDrain, Set<String> lowPriorities,
		Duration attemptWait) {

	/**
	 * Create settings, copying the collections.
	 */
	public FallbackChainSettings {
		chains = Map.copyOf(chains);
		lowPriorities = Set.copyOf(lowPriorities);
	}

}
