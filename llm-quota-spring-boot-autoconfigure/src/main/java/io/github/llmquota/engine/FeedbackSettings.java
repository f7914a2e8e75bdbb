package io.github.llmquota.engine;

import java.time.Duration;

/**
 * How provider feedback moves the shared state.
 *
 * @param multiplierCut the factor a 429 multiplies the adaptive multiplier by, in (0, 1)
 * @param multiplierFloor the lowest the multiplier goes, in (0, 1]
 * @param multiplierRecovery how much each successful call adds back, up to 1
 * @param overloadCooldown the first cooldown of a model after an overload or server error;
 * it doubles with each further failure
 * @param maxOverloadCooldown the longest overload cooldown
 */
public record FeedbackSettings(double multiplierCut, double multiplierFloor, double multiplierRecovery,
		Duration overloadCooldown, Duration maxOverloadCooldown) {

	/** The defaults: cut to 70 %, never below 10 %, recover 1 % per success, 1 s to 30 s. */
	public static final FeedbackSettings DEFAULTS = new FeedbackSettings(0.7, 0.1, 0.01, Duration.ofSeconds(1),
			Duration.ofSeconds(30));

}
