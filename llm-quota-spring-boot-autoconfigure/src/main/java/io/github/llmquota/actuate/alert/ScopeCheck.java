package io.github.llmquota.actuate.alert;

import java.time.Instant;
import java.util.Map;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ScopeState;

import org.springframework.lang.Nullable;

/**
 * What the last check found for one scope, read once per check from the first of its
 * pools whose state could be read.
 *
 * @param scope the scope
 * @param checkedAt when the check ran, by this JVM's clock
 * @param state the scope's state as the check read it, or {@code null} when none of its
 * pools' state could be read
 * @param statuses the dimensions that are not {@link QuotaStatus#OK}, with their status
 * after hysteresis; kept from the previous check when the state could not be read
 */
public record ScopeCheck(String scope, Instant checkedAt, @Nullable ScopeState state,
		Map<Dimension, QuotaStatus> statuses) {

	/**
	 * Return the scope's status: the worst status of any of its dimensions.
	 * @return the scope's status
	 */
	public QuotaStatus status() {
		return this.statuses.values().stream().reduce(QuotaStatus.OK, QuotaStatus::worse);
	}

	/**
	 * Whether the scope's state could be read.
	 * @return whether the check reached the scope's state
	 */
	public boolean isReachable() {
		return this.state != null;
	}

}
