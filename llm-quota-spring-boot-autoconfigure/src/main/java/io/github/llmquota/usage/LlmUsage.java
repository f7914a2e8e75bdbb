package io.github.llmquota.usage;

/**
 * Implemented by an application's own return types to expose the usage the provider
 * reported, so that {@link LlmUsageExtractor} can settle the call. The counts follow
 * {@link io.github.llmquota.core.TokenUsage}: {@link #inputTokens()} excludes the tokens
 * written to or read from a prompt cache. A record with components of these names
 * implements it without further code.
 * <p>
 * A negative count makes the whole usage unusable: the call settles at its estimate.
 */
public interface LlmUsage {

	/**
	 * Return the input tokens that were neither written to nor read from a prompt cache.
	 * For a provider that reports one prompt count including cached tokens (OpenAI's
	 * {@code prompt_tokens}), that is the prompt count minus
	 * {@link #cacheReadInputTokens()}.
	 * @return the uncached input tokens
	 */
	long inputTokens();

	/**
	 * Return the input tokens written to the prompt cache.
	 * @return the cache-creation input tokens, 0 by default
	 */
	default long cacheCreationInputTokens() {
		return 0;
	}

	/**
	 * Return the input tokens read from the prompt cache.
	 * @return the cache-read input tokens, 0 by default
	 */
	default long cacheReadInputTokens() {
		return 0;
	}

	/**
	 * Return the generated output tokens.
	 * @return the output tokens
	 */
	long outputTokens();

}
