package io.github.llmquota.core;

/**
 * Token usage of one model call, as the provider reported it. The split follows
 * Anthropic's usage block, which is the finest any provider reports: {@code inputTokens}
 * are the prompt tokens that were neither written to nor read from a prompt cache.
 * Providers that report a single prompt count including cached tokens (OpenAI's
 * {@code prompt_tokens}) are mapped as {@code inputTokens = prompt - cached} and
 * {@code cacheReadInputTokens = cached}.
 *
 * @param inputTokens uncached input tokens, never negative
 * @param cacheCreationInputTokens input tokens written to the prompt cache, never
 * negative
 * @param cacheReadInputTokens input tokens read from the prompt cache, never negative
 * @param outputTokens generated output tokens, never negative
 */
public record TokenUsage(long inputTokens, long cacheCreationInputTokens, long cacheReadInputTokens,
		long outputTokens) {

	/**
	 * Create a usage, rejecting negative counts.
	 * @throws IllegalArgumentException if any count is negative
	 */
	public TokenUsage {
		requireNonNegative("inputTokens", inputTokens);
		requireNonNegative("cacheCreationInputTokens", cacheCreationInputTokens);
		requireNonNegative("cacheReadInputTokens", cacheReadInputTokens);
		requireNonNegative("outputTokens", outputTokens);
	}

	/**
	 * Usage with no prompt caching involved.
	 * @param inputTokens input tokens
	 * @param outputTokens output tokens
	 * @return the usage
	 */
	public static TokenUsage of(long inputTokens, long outputTokens) {
		return new TokenUsage(inputTokens, 0, 0, outputTokens);
	}

	/**
	 * Return every input token the prompt held: uncached, cache-creation and cache-read.
	 * @return the total prompt size in tokens
	 */
	public long totalInputTokens() {
		return this.inputTokens + this.cacheCreationInputTokens + this.cacheReadInputTokens;
	}

	private static void requireNonNegative(String name, long value) {
		if (value < 0) {
			throw new IllegalArgumentException(name + " must not be negative, was " + value);
		}
	}

}
