package io.github.llmquota.fallback;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated configuration of the fallback chains.
 *
 * @param chains the models of each chain, in the order they are tried
 * @param criticalThreshold the utilisation, in (0, 1], of any dimension of the asked-for
 * model's pool at which low-priority calls try the other models first
 * @param lowPriorities the priority classes that give way to higher classes at the
 * critical threshold
 * @param attemptWait the longest a call waits for one model before the chain tries the
 * next
 */
public record FallbackChainSettings(Map<String, List<String>> chains, double criticalThreshold,
		Set<String> lowPriorities, Duration attemptWait) {

	/**
	 * Create settings, copying the collections.
	 */
	public FallbackChainSettings {
		chains = Map.copyOf(chains);
		lowPriorities = Set.copyOf(lowPriorities);
	}

}
