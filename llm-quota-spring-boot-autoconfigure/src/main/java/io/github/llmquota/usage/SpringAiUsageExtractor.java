package io.github.llmquota.usage;

import java.util.Optional;

import io.github.llmquota.core.TokenUsage;

import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * {@link UsageExtractor} for Spring AI's {@link ChatResponse}.
 * <p>
 * Spring AI's {@link Usage} has only prompt and completion counts, plus the provider's
 * native usage object. The native usage is offered to a delegate first, so that when it
 * is one the delegate understands (such as the OpenAI or Anthropic SDK's usage types,
 * with {@link OpenAiUsageExtractor} or {@link AnthropicUsageExtractor}) the cache split
 * is kept. Otherwise the prompt count becomes {@link TokenUsage#inputTokens()} with no
 * cache counts: the total stays right for providers whose prompt count includes cached
 * tokens (OpenAI), but cache-creation tokens are lost for those that report them apart
 * (Spring AI's own Anthropic client). Counts that are absent or all zero mean the
 * provider reported nothing: Spring AI turns unreported counts into 0 (as in its
 * {@code EmptyUsage}), and no real call uses no tokens at all.
 * <p>
 * Usable only when {@code org.springframework.ai:spring-ai-model} is on the classpath.
 * Thread-safe when the delegate is.
 */
public class SpringAiUsageExtractor implements UsageExtractor {

	private final UsageExtractor nativeUsageExtractor;

	/**
	 * Create an extractor that reads only Spring AI's prompt and completion counts.
	 */
	public SpringAiUsageExtractor() {
		this((nativeUsage) -> Optional.empty());
	}

	/**
	 * Create an extractor that first offers the native usage to the given extractor.
	 * @param nativeUsageExtractor the extractor for {@link Usage#getNativeUsage()}
	 * @throws IllegalArgumentException if {@code nativeUsageExtractor} is {@code null}
	 */
	public SpringAiUsageExtractor(UsageExtractor nativeUsageExtractor) {
		Assert.notNull(nativeUsageExtractor, "'nativeUsageExtractor' must not be null");
		this.nativeUsageExtractor = nativeUsageExtractor;
	}

	@Override
	public Optional<TokenUsage> extract(@Nullable Object returnValue) {
		if (!(returnValue instanceof ChatResponse response)) {
			return Optional.empty();
		}
		ChatResponseMetadata metadata = response.getMetadata();
		Usage usage = (metadata != null) ? metadata.getUsage() : null;
		if (usage == null) {
			return Optional.empty();
		}
		Object nativeUsage = usage.getNativeUsage();
		Optional<TokenUsage> fromNative = (nativeUsage != null) ? this.nativeUsageExtractor.extract(nativeUsage)
				: Optional.empty();
		if (fromNative.isPresent()) {
			return fromNative;
		}
		long promptTokens = orZero(usage.getPromptTokens());
		long completionTokens = orZero(usage.getCompletionTokens());
		if (promptTokens == 0 && completionTokens == 0) {
			return Optional.empty();
		}
		return Usages.of(promptTokens, 0, 0, completionTokens);
	}

	private static long orZero(@Nullable Integer count) {
		return (count != null) ? count : 0;
	}

}
