package io.github.llmquota.sample.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The token usage Anthropic reports for one call. {@code inputTokens} excludes the tokens
 * written to or read from the prompt cache.
 *
 * @param inputTokens uncached input tokens
 * @param cacheCreationInputTokens input tokens written to the prompt cache
 * @param cacheReadInputTokens input tokens read from the prompt cache
 * @param outputTokens generated output tokens
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Usage(@JsonProperty("input_tokens") long inputTokens,
		@JsonProperty("cache_creation_input_tokens") long cacheCreationInputTokens,
		@JsonProperty("cache_read_input_tokens") long cacheReadInputTokens,
		@JsonProperty("output_tokens") long outputTokens) {

}
