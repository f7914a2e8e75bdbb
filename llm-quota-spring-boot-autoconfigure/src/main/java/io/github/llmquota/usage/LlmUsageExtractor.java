package io.github.llmquota.usage;

import java.util.Optional;

import io.github.llmquota.core.TokenUsage;

import org.springframework.lang.Nullable;

/**
 * {@link UsageExtractor} for return values that implement {@link LlmUsage}. Thread-safe.
 */
public class LlmUsageExtractor implements UsageExtractor {

	@Override
	public Optional<TokenUsage> extract(@Nullable Object returnValue) {
		if (returnValue instanceof LlmUsage usage) {
			return Usages.of(usage.inputTokens(), usage.cacheCreationInputTokens(), usage.cacheReadInputTokens(),
					usage.outputTokens());
		}
		return Optional.empty();
	}

}
