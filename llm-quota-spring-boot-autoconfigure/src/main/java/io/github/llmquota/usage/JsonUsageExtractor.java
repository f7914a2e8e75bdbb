package io.github.llmquota.usage;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.llmquota.core.TokenUsage;

import org.springframework.lang.Nullable;

/**
 * {@link UsageExtractor} for a provider's JSON response body, as Jackson reads it: a
 * {@link JsonNode} holding a {@code usage} object, or that object itself. Three shapes
 * are read:
 * <ul>
 * <li>Anthropic Messages: {@code input_tokens}, {@code output_tokens},
 * {@code cache_creation_input_tokens} and {@code cache_read_input_tokens}, one to
 * one;</li>
 * <li>OpenAI Chat Completions: {@code prompt_tokens}, {@code completion_tokens} and
 * {@code prompt_tokens_details.cached_tokens} / {@code cache_write_tokens}, split as
 * {@link OpenAiUsageExtractor} splits them;</li>
 * <li>OpenAI Responses: {@code input_tokens}, {@code output_tokens} and
 * {@code input_tokens_details.cached_tokens}, whose input count includes cached
 * tokens.</li>
 * </ul>
 * A missing, non-integral or negative count means no usage, so the call settles at what
 * it reserved; an absent cache count is 0. Never throws; thread-safe.
 */
public class JsonUsageExtractor implements UsageExtractor {

	@Override
	public Optional<TokenUsage> extract(@Nullable Object returnValue) {
		if (!(returnValue instanceof JsonNode node) || !node.isObject()) {
			return Optional.empty();
		}
		JsonNode usage = node.path("usage").isObject() ? node.path("usage") : node;
		if (usage.has("prompt_tokens")) {
			JsonNode details = usage.path("prompt_tokens_details");
			return fromPromptIncludingCache(usage.path("prompt_tokens"), usage.path("completion_tokens"),
					details.path("cache_write_tokens"), details.path("cached_tokens"));
		}
		if (usage.has("input_tokens_details")) {
			JsonNode details = usage.path("input_tokens_details");
			return fromPromptIncludingCache(usage.path("input_tokens"), usage.path("output_tokens"),
					details.path("cache_write_tokens"), details.path("cached_tokens"));
		}
		long input = count(usage.path("input_tokens"));
		long output = count(usage.path("output_tokens"));
		if (input < 0 || output < 0) {
			return Optional.empty();
		}
		return Usages.of(input, optionalCount(usage.path("cache_creation_input_tokens")),
				optionalCount(usage.path("cache_read_input_tokens")), output);
	}

	private static Optional<TokenUsage> fromPromptIncludingCache(JsonNode prompt, JsonNode output, JsonNode cacheWrite,
			JsonNode cached) {
		long promptTokens = count(prompt);
		long outputTokens = count(output);
		if (promptTokens < 0 || outputTokens < 0) {
			return Optional.empty();
		}
		return Usages.fromPromptIncludingCache(promptTokens, optionalCount(cacheWrite), optionalCount(cached),
				outputTokens);
	}

	/**
	 * Read a required count: -1 when it is missing or not a whole number, which
	 * {@link Usages} turns into no usage.
	 */
	private static long count(JsonNode node) {
		return (node.isIntegralNumber() && node.canConvertToLong()) ? node.asLong() : -1;
	}

	/**
	 * Read a count that providers leave out when it is 0; present but malformed is still
	 * -1, so that a garbled usage block settles at the reservation.
	 */
	private static long optionalCount(JsonNode node) {
		return (node.isMissingNode() || node.isNull()) ? 0 : count(node);
	}

}
