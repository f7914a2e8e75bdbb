package io.github.llmquota.estimate;

import io.github.llmquota.core.Provider;

import org.springframework.lang.Nullable;

/**
 * Estimates how many input tokens a model call will use, before it is sent, so that the
 * limiter can charge the call against the provider's token limits up front. The estimate
 * is trued up to the provider-reported usage when the call settles, so it should be close
 * rather than exact; erring high only holds capacity until settlement, while erring low
 * risks a provider 429.
 * <p>
 * Implementations must be safe for concurrent use: one instance serves every call of the
 * application.
 *
 * @see DefaultTokenEstimator
 * @see CalibratingTokenEstimator
 */
@FunctionalInterface
public interface TokenEstimator {

	/**
	 * Estimate the input (prompt) tokens of one call.
	 * @param model the model the call goes to, as configured
	 * @param provider the provider serving the model
	 * @param arguments the arguments of the intercepted method, {@code null} or empty
	 * when it takes none
	 * @return the estimated number of input tokens, never negative
	 * @throws IllegalArgumentException if {@code model} or {@code provider} is
	 * {@code null}
	 */
	long estimateInputTokens(String model, Provider provider, @Nullable Object[] arguments);

	/**
	 * Feed back what the provider reported for a call this estimator estimated, so that
	 * an estimator that learns can correct itself. Called once per settled call; the
	 * default implementation ignores it.
	 * @param model the model the call went to
	 * @param estimated the value {@link #estimateInputTokens} returned for the call
	 * @param actual every input token the provider reported for the call, cached or not
	 * ({@link io.github.llmquota.core.TokenUsage#totalInputTokens()}), because the
	 * estimate counts the whole prompt
	 * @throws IllegalArgumentException if {@code model} is {@code null} or a count is
	 * negative (implementations that learn)
	 */
	default void recordActual(String model, long estimated, long actual) {
	}

}
