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
	 * A negative count is a provider or mapping error, never a real count: rather than
	 * fail the settlement, report no usage so that the call settles at its estimate.
	 */
	static Optional<TokenUsage> of(long inputTokens, long cacheCreationInputTokens, long cacheReadInputTokens,
			long outputTokens) {
		if (inputTokens < 0 || cacheCreationInputTokens < 0 || cacheReadInputTokens < 0 || outputTokens < 0) {
			return Optional.empty();
		}
		return Optional.of(new TokenUsage(inputTokens, cacheCreationInputTokens, cacheReadInputTokens, outputTokens));
	}

	/**
	 * Split a prompt count that includes cached tokens, as OpenAI reports it. Cached
	 * counts are capped at what the prompt holds, so the total input always equals the
	 * prompt.
	 */
	static Optional<TokenUsage> fromPromptIncludingCache(long promptTokens, long cacheWriteTokens, long cachedTokens,
			long outputTokens) {
		if (promptTokens < 0 || cacheWriteTokens < 0 || cachedTokens < 0) {
			return Optional.empty();
		}
		long cacheRead = Math.min(cachedTokens, promptTokens);
		long cacheCreation = Math.min(cacheWriteTokens, promptTokens - cacheRead);
		return of(promptTokens - cacheRead - cacheCreation, cacheCreation, cacheRead, outputTokens);
	}

}
