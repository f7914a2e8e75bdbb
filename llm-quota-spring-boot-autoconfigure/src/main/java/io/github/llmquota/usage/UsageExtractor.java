package io.github.llmquota.usage;

import java.util.Optional;

import io.github.llmquota.core.TokenUsage;

import org.springframework.lang.Nullable;

/**
 * Finds the token usage a provider reported in the value a model call returned, so that
 * the call's charge can be settled to what it really used.
 * <p>
 * Implementations must be safe for concurrent use, and must not throw: a value they do
 * not recognise, {@code null}, a response without usage, or usage they cannot make sense
 * of (a missing or negative count) gives {@link Optional#empty()}, and the call then
 * settles at its estimate.
 *
 * @see CompositeUsageExtractor
 */
@FunctionalInterface
public interface UsageExtractor {

	/**
	 * Extract the usage reported in a call's return value.
	 * @param returnValue what the model call returned, may be {@code null}
	 * @return the usage, or empty when the value carries none this extractor understands
	 */
	Optional<TokenUsage> extract(@Nullable Object returnValue);

}
