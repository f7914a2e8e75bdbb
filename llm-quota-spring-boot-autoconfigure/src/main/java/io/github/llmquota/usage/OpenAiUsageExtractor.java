package io.github.llmquota.usage;

import java.util.Optional;

import com.openai.core.JsonField;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseUsage;
import io.github.llmquota.core.TokenUsage;

import org.springframework.lang.Nullable;

/**
 * {@link UsageExtractor} for the official OpenAI Java SDK: a Chat Completions
 * {@link ChatCompletion} or a Responses API {@link Response}, or their
 * {@link CompletionUsage} and {@link ResponseUsage}.
 * <p>
 * OpenAI reports one prompt count that includes cached tokens. It is split as
 * {@code cacheReadInputTokens = cached_tokens},
 * {@code cacheCreationInputTokens = cache_write_tokens} and
 * {@code inputTokens = prompt - cached - cache_write}; each cached count is capped at
 * what the prompt holds, so {@link TokenUsage#totalInputTokens()} always equals the
 * prompt count OpenAI meters. Absent details count as 0.
 * <p>
 * Usable only when {@code com.openai:openai-java} is on the classpath. Fields are read
 * through the SDK's raw {@code _field()} accessors, which unlike the typed ones never
 * throw on a missing or malformed value. Thread-safe.
 */
public class OpenAiUsageExtractor implements UsageExtractor {

	@Override
	public Optional<TokenUsage> extract(@Nullable Object returnValue) {
		if (returnValue instanceof ChatCompletion completion) {
			return completion._usage().asKnown().flatMap(OpenAiUsageExtractor::toTokenUsage);
		}
		if (returnValue instanceof CompletionUsage usage) {
			return toTokenUsage(usage);
		}
		if (returnValue instanceof Response response) {
			return response._usage().asKnown().flatMap(OpenAiUsageExtractor::toTokenUsage);
		}
		if (returnValue instanceof ResponseUsage usage) {
			return toTokenUsage(usage);
		}
		return Optional.empty();
	}

	private static Optional<TokenUsage> toTokenUsage(CompletionUsage usage) {
		Optional<CompletionUsage.PromptTokensDetails> details = usage._promptTokensDetails().asKnown();
		return toTokenUsage(usage._promptTokens(), usage._completionTokens(),
				details.map((known) -> count(known._cacheWriteTokens())).orElse(0L),
				details.map((known) -> count(known._cachedTokens())).orElse(0L));
	}

	private static Optional<TokenUsage> toTokenUsage(ResponseUsage usage) {
		Optional<ResponseUsage.InputTokensDetails> details = usage._inputTokensDetails().asKnown();
		return toTokenUsage(usage._inputTokens(), usage._outputTokens(),
				details.map((known) -> count(known._cacheWriteTokens())).orElse(0L),
				details.map((known) -> count(known._cachedTokens())).orElse(0L));
	}

	private static Optional<TokenUsage> toTokenUsage(JsonField<Long> prompt, JsonField<Long> output,
			long cacheWriteTokens, long cachedTokens) {
		Optional<Long> promptTokens = prompt.asKnown();
		Optional<Long> outputTokens = output.asKnown();
		if (promptTokens.isEmpty() || outputTokens.isEmpty()) {
			return Optional.empty();
		}
		return Usages.fromPromptIncludingCache(promptTokens.get(), cacheWriteTokens, cachedTokens, outputTokens.get());
	}

	private static long count(JsonField<Long> field) {
		return field.asKnown().orElse(0L);
	}

}
