package io.github.llmquota.usage;

import java.util.List;
import java.util.Optional;

import org.springframework.http.HttpEntity;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

import io.github.llmquota.core.TokenUsage;

/**
 * {@link UsageExtractor} that asks several extractors in order and returns the first
 * usage found. Thread-safe when its extractors are.
 */
public class CompositeUsageExtractor implements UsageExtractor {

	private static final boolean WEB_PRESENT = ClassUtils.isPresent("org.springframework.http.HttpEntity",
			CompositeUsageExtractor.class.getClassLoader());

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
		if (WEB_PRESENT && returnValue instanceof HttpEntity<?> entity) {
			// A ResponseEntity carries the provider's headers; the usage is in its body.
			return extract(entity.getBody());
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
