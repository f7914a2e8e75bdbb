package io.github.llmquota.estimate;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.github.llmquota.core.Provider;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * {@link TokenEstimator} that corrects another estimator with a per-model ratio learned
 * from the input tokens providers actually report. Estimates are the delegate's,
 * multiplied by the model's current ratio and rounded up.
 * <p>
 * The ratio absorbs what text counting cannot see: a tokenizer that is only approximated,
 * per-message framing tokens, and system prompts or tool definitions outside the
 * arguments. It starts at 1.0 and follows an exponentially weighted moving average of the
 * ratio each settled call shows. Each observation is clamped to [{@value #MIN_RATIO},
 * {@value #MAX_RATIO}] first, so one absurd report moves the ratio by at most the
 * smoothing factor times that range, and the ratio itself never leaves it.
 * <p>
 * Thread-safe: each model's ratio is updated atomically. State is local to this JVM and
 * one entry is kept per model that has settled a call.
 */
public class CalibratingTokenEstimator implements TokenEstimator {

	/** Lowest correction ratio: estimates are never cut below half the delegate's. */
	public static final double MIN_RATIO = 0.5;

	/**
	 * Highest correction ratio: estimates never grow beyond three times the delegate's.
	 */
	public static final double MAX_RATIO = 3.0;

	/** Weight of the newest observation: about the last 10 to 20 calls dominate. */
	public static final double DEFAULT_SMOOTHING_FACTOR = 0.1;

	private static final double INITIAL_RATIO = 1.0;

	private final TokenEstimator delegate;

	private final double smoothingFactor;

	private final ConcurrentMap<String, Double> ratios = new ConcurrentHashMap<>();

	/**
	 * Create an estimator that corrects the given one with the
	 * {@link #DEFAULT_SMOOTHING_FACTOR default smoothing factor}.
	 * @param delegate the estimator whose estimates are corrected
	 */
	public CalibratingTokenEstimator(TokenEstimator delegate) {
		this(delegate, DEFAULT_SMOOTHING_FACTOR);
	}

	/**
	 * Create an estimator that corrects the given one.
	 * @param delegate the estimator whose estimates are corrected
	 * @param smoothingFactor the weight, in (0, 1], of each new observation: higher
	 * adapts faster and is noisier
	 * @throws IllegalArgumentException if {@code delegate} is {@code null} or
	 * {@code smoothingFactor} is outside (0, 1]
	 */
	public CalibratingTokenEstimator(TokenEstimator delegate, double smoothingFactor) {
		Assert.notNull(delegate, "'delegate' must not be null");
		Assert.isTrue(smoothingFactor > 0 && smoothingFactor <= 1,
				() -> "'smoothingFactor' must be in (0, 1], was " + smoothingFactor);
		this.delegate = delegate;
		this.smoothingFactor = smoothingFactor;
	}

	@Override
	public long estimateInputTokens(String model, Provider provider, @Nullable Object[] arguments) {
		long estimate = this.delegate.estimateInputTokens(model, provider, arguments);
		return (long) Math.ceil(estimate * getCorrectionRatio(model));
	}

	/**
	 * Learn from a settled call. A call estimated at zero tokens is ignored: it shows no
	 * ratio.
	 * @param model the model the call went to
	 * @param estimated the value {@link #estimateInputTokens} returned for the call
	 * @param actual every input token the provider reported for the call, cached or not
	 * @throws IllegalArgumentException if {@code model} is {@code null} or a count is
	 * negative
	 */
	@Override
	public void recordActual(String model, long estimated, long actual) {
		Assert.notNull(model, "'model' must not be null");
		Assert.isTrue(estimated >= 0, () -> "'estimated' must not be negative, was " + estimated);
		Assert.isTrue(actual >= 0, () -> "'actual' must not be negative, was " + actual);
		if (estimated == 0) {
			return;
		}
		this.ratios.compute(model, (name, current) -> {
			double ratio = (current != null) ? current : INITIAL_RATIO;
			// The estimate already carries the ratio; the delegate's error is relative to
			// what it would have said alone
			double observed = clamp(ratio * actual / estimated);
			return ratio + this.smoothingFactor * (observed - ratio);
		});
	}

	/**
	 * Return the ratio currently applied to the given model's estimates.
	 * @param model the model
	 * @return the ratio, 1.0 for a model that has not settled a call yet
	 */
	public double getCorrectionRatio(String model) {
		return this.ratios.getOrDefault(model, INITIAL_RATIO);
	}

	/**
	 * Return a snapshot of the ratio of every model that has settled a call.
	 * @return an unmodifiable map of model name to ratio, sorted by model name
	 */
	public Map<String, Double> getCorrectionRatios() {
		return Collections.unmodifiableMap(new TreeMap<>(this.ratios));
	}

	private static double clamp(double ratio) {
		return Math.max(MIN_RATIO, Math.min(MAX_RATIO, ratio));
	}

}
