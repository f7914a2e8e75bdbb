package io.github.llmquota.usage;

import java.util.Optional;

import io.github.llmquota.core.TokenUsage;

/**
 * Builds usages from provider counts without throwing.
 */
final class Usages {

	private Usages() {
	}

	/**
	 * A negative count is a provider or mapping error, never a real count: rather than fail
	 * the settlement, report no usage so that the call settles at its estimate.
	 */
	static Optional<TokenUsage> of(long inputTokens, long cacheCreationInputTokens, long cacheReadInputTokens,
			long outputTokens) {
		if (inputTokens < 0 || cacheCreationInputTokens < 0 || cacheReadInputTokens < 0 || outputTokens < 0) {
			return Optional.empty();
		}
		return Optional.of(new TokenUsage(inputTokens, cacheCreationInputTokens, cacheReadInputTokens, outputTokens));
	}

}
