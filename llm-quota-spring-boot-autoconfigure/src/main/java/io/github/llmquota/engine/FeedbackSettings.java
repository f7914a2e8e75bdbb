package io.github.llmquota.engine;

import java.time.Duration;

import io.github.llmquota.provider.ProviderFeedbackParser;

/**
 * How provider feedback moves the shared state.
 *
 * @param multiplierCut the factor a 429 multiplies the adaptive multiplier by, in (0, 1)
 * @param multiplierFloor the lowest the multiplier goes, in (0, 1]
 * @param multiplierRecovery how much each successful call adds back, up to 1
 * @param overloadCooldown the first cooldown of a model after an overload or server error;
 * it doubles with each further failure
 * @param maxOverloadCooldown the longest overload cooldown
 * @param maxCooldown the longest cooldown a provider's retry delay can put a pool in; the
 * engine clamps every delay it hands to the store to it, so that one garbage or hostile
 * header cannot stop a pool for the whole fleet
 */
public record FeedbackSettings(double multiplierCut, double multiplierFloor, double multiplierRecovery,
		Duration overloadCooldown, Duration maxOverloadCooldown, Duration maxCooldown) {

	/**
	 * The defaults: cut to 70 %, never below 10 %, recover 1 % per success, 1 s to 30 s, and
	 * a pool cooldown of at most {@link ProviderFeedbackParser#DEFAULT_MAX_DELAY}.
	 */
	public static final FeedbackSettings DEFAULTS = new FeedbackSettings(0.7, 0.1, 0.01, Duration.ofSeconds(1),
			Duration.ofSeconds(30));

	/**
	 * Create settings with the default {@link #maxCooldown()}.
	 * @param multiplierCut the factor a 429 multiplies the adaptive multiplier by, in (0, 1)
	 * @param multiplierFloor the lowest the multiplier goes, in (0, 1]
	 * @param multiplierRecovery how much each successful call adds back, up to 1
	 * @param overloadCooldown the first cooldown of a model after an overload or server error
	 * @param maxOverloadCooldown the longest overload cooldown
	 */
	public FeedbackSettings(double multiplierCut, double multiplierFloor, double multiplierRecovery,
			Duration overloadCooldown, Duration maxOverloadCooldown) {
		this(multiplierCut, multiplierFloor, multiplierRecovery, overloadCooldown, maxOverloadCooldown,
				ProviderFeedbackParser.DEFAULT_MAX_DELAY);
	}

	/**
	 * Clamp the pool cooldown a provider asked for to {@link #maxCooldown()}.
	 * @param retryAfterMillis the delay the provider asked for, in milliseconds
	 * @return the delay to store, in milliseconds
	 */
	long clampCooldown(long retryAfterMillis) {
		return Math.min(retryAfterMillis, this.maxCooldown.toMillis());
	}

}
