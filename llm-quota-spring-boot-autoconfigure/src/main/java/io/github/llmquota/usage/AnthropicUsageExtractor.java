package io.github.llmquota.usage;

import java.util.Optional;

import com.anthropic.core.JsonField;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.beta.messages.BetaUsage;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.Usage;
import io.github.llmquota.core.TokenUsage;

import org.springframework.lang.Nullable;

/**
 * {@link UsageExtractor} for the official Anthropic Java SDK: a {@link Message} or
 * {@link BetaMessage} (including one accumulated from a stream), or their {@link Usage}
 * and {@link BetaUsage}. Anthropic's usage block maps one to one onto {@link TokenUsage};
 * an absent cache count is 0.
 * <p>
 * Usable only when {@code com.anthropic:anthropic-java} is on the classpath. Fields are
 * read through the SDK's raw {@code _field()} accessors, which unlike the typed ones
 * never throw on a missing or malformed value. Thread-safe.
 */
public class AnthropicUsageExtractor implements UsageExtractor {

	@Override
	public Optional<TokenUsage> extract(@Nullable Object returnValue) {
		if (returnValue instanceof Message message) {
			return message._usage().asKnown().flatMap(AnthropicUsageExtractor::toTokenUsage);
		}
		if (returnValue instanceof Usage usage) {
			return toTokenUsage(usage);
		}
		if (returnValue instanceof BetaMessage message) {
			return message._usage().asKnown().flatMap(AnthropicUsageExtractor::toTokenUsage);
		}
		if (returnValue instanceof BetaUsage usage) {
			return toTokenUsage(usage);
		}
		return Optional.empty();
	}

	private static Optional<TokenUsage> toTokenUsage(Usage usage) {
		return toTokenUsage(usage._inputTokens(), usage._cacheCreationInputTokens(), usage._cacheReadInputTokens(),
				usage._outputTokens());
	}

	private static Optional<TokenUsage> toTokenUsage(BetaUsage usage) {
		return toTokenUsage(usage._inputTokens(), usage._cacheCreationInputTokens(), usage._cacheReadInputTokens(),
				usage._outputTokens());
	}

	private static Optional<TokenUsage> toTokenUsage(JsonField<Long> input, JsonField<Long> cacheCreation,
			JsonField<Long> cacheRead, JsonField<Long> output) {
		Optional<Long> inputTokens = input.asKnown();
		Optional<Long> outputTokens = output.asKnown();
		if (inputTokens.isEmpty() || outputTokens.isEmpty()) {
			return Optional.empty();
		}
		return Usages.of(inputTokens.get(), cacheCreation.asKnown().orElse(0L), cacheRead.asKnown().orElse(0L),
				outputTokens.get());
	}

}
