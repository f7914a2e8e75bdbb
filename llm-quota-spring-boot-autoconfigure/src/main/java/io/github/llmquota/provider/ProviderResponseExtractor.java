package io.github.llmquota.provider;

import java.util.Optional;

/**
 * Finds the provider's HTTP answer in what an LLM call returned or threw, so that its
 * rate limit headers and errors can correct the fleet's shared view. Implementations for
 * Spring's HTTP clients and the official Anthropic and OpenAI SDKs are registered when
 * those libraries are on the classpath; register a bean of this type for other clients.
 * Implementations must be thread-safe and must not throw.
 */
@FunctionalInterface
public interface ProviderResponseExtractor {

	/**
	 * Find the provider's answer.
	 * @param resultOrFailure the value the call returned, or the exception it threw
	 * @return the answer, or empty when this extractor does not know the type
	 */
	Optional<ProviderResponse> extract(Object resultOrFailure);

}
