package io.github.llmquota.provider;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Turns what an LLM call returned or threw into {@link ProviderFeedback}: the first
 * {@link ProviderResponseExtractor} that recognises the value supplies the HTTP answer,
 * and the {@link ProviderFeedbackParser} reads it. Never throws; thread-safe.
 */
public class ProviderFeedbackResolver {

	private final List<ProviderResponseExtractor> extractors;

	private final ProviderFeedbackParser parser;

	private final Clock clock;

	/**
	 * Create a resolver.
	 * @param extractors the extractors, tried in order
	 * @param parser the parser
	 * @param clock the clock that relative resets and HTTP dates are measured against
	 */
	public ProviderFeedbackResolver(List<? extends ProviderResponseExtractor> extractors, ProviderFeedbackParser parser,
			Clock clock) {
		this.extractors = List.copyOf(extractors);
		this.parser = parser;
		this.clock = clock;
	}

	/**
	 * Read the feedback in a call's result or failure.
	 * @param pool the pool the call was charged to, for warnings
	 * @param provider the provider of the model
	 * @param resultOrFailure what the call returned or threw; may be {@code null}
	 * @return the feedback, {@link ProviderFeedback#none()} when nothing recognises the
	 * value
	 */
	public ProviderFeedback resolve(String pool, Provider provider, Object resultOrFailure) {
		if (resultOrFailure == null) {
			return ProviderFeedback.none();
		}
		for (ProviderResponseExtractor extractor : this.extractors) {
			Optional<ProviderResponse> response;
			try {
				response = extractor.extract(resultOrFailure);
			}
			catch (RuntimeException ex) {
				continue;
			}
			if (response.isPresent()) {
				ProviderResponse answer = response.get();
				return this.parser.parse(pool, provider, answer.status(), answer.headers(), answer.body(),
						this.clock.instant());
			}
		}
		return ProviderFeedback.none();
	}

}
