package io.github.llmquota.engine;

import java.time.Duration;

import io.github.llmquota.provider.ProviderFeedbackParser;

/**
 * How provider feedback moves the shared state.
 *
 * @param multiplierCut the factor a 429 multiplies the adaptive multiplier by, in (0, 1)
 * @param multiplierFloor the lowest the multiplier goes, in (0, 1]
 * @param multiplierRecovery how much each successful call adds back, up to 1
 * @param overloadCooldown the first cooldown of a model after an overload or server
 * error; it doubles with each further failure
 * @param maxOverloadCooldown the longest overload cooldown
 * @param maxCooldown the longest cooldown a provider's retry delay can put a pool in; the
 * engine clamps every delay it hands to the store to it, so that one garbage or hostile
 * header cannot stop a pool for the whole fleet
 * @param exhaustedHold how long a pool stays marked exhausted when the provider said its
 * quota is used up without naming a reset
 */
public record FeedbackSettings(double multiplierCut, double multiplierFloor, double multiplierRecovery,
		Duration overloadCooldown, Duration maxOverloadCooldown, Duration maxCooldown, Duration exhaustedHold) {

	/** The default {@link #exhaustedHold()}. */
	public static final Duration DEFAULT_EXHAUSTED_HOLD = Duration.ofMinutes(5);

	/**
	 * The defaults: cut to 70 %, never below 10 %, recover 1 % per success, 1 s to 30 s,
	 * and a pool cooldown of at most {@link ProviderFeedbackParser#DEFAULT_MAX_DELAY},
	 * and an exhausted pool held for {@link #DEFAULT_EXHAUSTED_HOLD} when the provider
	 * names no reset.
	 */
	public static final FeedbackSettings DEFAULTS = new FeedbackSettings(0.7, 0.1, 0.01, Duration.ofSeconds(1),
			Duration.ofSeconds(30));

	/**
	 * Create settings with the default {@link #exhaustedHold()}.
	 * @param multiplierCut the factor a 429 multiplies the adaptive multiplier by, in (0,
	 * 1)
	 * @param multiplierFloor the lowest the multiplier goes, in (0, 1]
	 * @param multiplierRecovery how much each successful call adds back, up to 1
	 * @param overloadCooldown the first cooldown of a model after an overload or server
	 * error
	 * @param maxOverloadCooldown the longest overload cooldown
	 * @param maxCooldown the longest cooldown a provider's retry delay can put a pool in
	 */
	public FeedbackSettings(double multiplierCut, double multiplierFloor, double multiplierRecovery,
			Duration overloadCooldown, Duration maxOverloadCooldown, Duration maxCooldown) {
		this(multiplierCut, multiplierFloor, multiplierRecovery, overloadCooldown, maxOverloadCooldown, maxCooldown,
				DEFAULT_EXHAUSTED_HOLD);
	}

	/**
	 * Create settings with the default {@link #maxCooldown()} and
	 * {@link #exhaustedHold()}.
	 * @param multiplierCut the factor a 429 multiplies the adaptive multiplier by, in (0,
	 * 1)
	 * @param multiplierFloor the lowest the multiplier goes, in (0, 1]
	 * @param multiplierRecovery how much each successful call adds back, up to 1
	 * @param overloadCooldown the first cooldown of a model after an overload or server
	 * error
	 * @param maxOverloadCooldown the longest overload cooldown
	 */
	public FeedbackSettings(double multiplierCut, double multiplierFloor, double multiplierRecovery,
			Duration overloadCooldown, Duration maxOverloadCooldown) {
		this(multiplierCut, multiplierFloor, multiplierRecovery, overloadCooldown, maxOverloadCooldown,
				ProviderFeedbackParser.DEFAULT_MAX_DELAY);
	}

	/**
	 * Return how long an exhausted provider quota marks the pool exhausted: the reset the
	 * provider named, clamped like a cooldown, or else {@link #exhaustedHold()}.
	 * @param resetMillis the delay the provider named, in milliseconds, or 0 for none
	 * @return the time to keep the mark, in milliseconds, positive
	 */
	long exhaustedFor(long resetMillis) {
		return (resetMillis > 0) ? clampCooldown(resetMillis) : this.exhaustedHold.toMillis();
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
