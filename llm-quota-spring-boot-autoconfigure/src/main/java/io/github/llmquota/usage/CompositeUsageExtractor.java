package io.github.llmquota.usage;

import java.util.List;
import java.util.Optional;

import io.github.llmquota.core.TokenUsage;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * {@link UsageExtractor} that asks several extractors in order and returns the first usage
 * found. Thread-safe when its extractors are.
 */
public class CompositeUsageExtractor implements UsageExtractor {

	private final List<UsageExtractor> extractors;

	/**
	 * Create a composite of the given extractors.
	 * @param extractors the extractors, in the order they are asked
	 * @throws IllegalArgumentException if {@code extractors} is or contains {@code null}
	 */
	public CompositeUsageExtractor(List<? extends UsageExtractor> extractors) {
		Assert.notNull(extractors, "'extractors' must not be null");
		Assert.noNullElements(extractors, "'extractors' must not contain null elements");
		this.extractors = List.copyOf(extractors);
	}

	@Override
	public Optional<TokenUsage> extract(@Nullable Object returnValue) {
		if (returnValue == null) {
			return Optional.empty();
		}
		for (UsageExtractor extractor : this.extractors) {
			Optional<TokenUsage> usage = extractor.extract(returnValue);
			if (usage.isPresent()) {
				return usage;
			}
		}
		return Optional.empty();
	}

}
