package io.github.llmquota.actuate;

import java.time.Instant;
import java.util.Map;

import io.github.llmquota.core.Dimension;

import org.springframework.lang.Nullable;

/**
 * What the last check of one pool found.
 *
 * @param pool the pool
 * @param checkedAt when the check ran, by this JVM's clock
 * @param utilisation the utilisation read, or {@code null} when the pool's state could not be
 * read
 * @param statuses the dimensions that are not {@link QuotaStatus#OK}, with their status
 * after hysteresis; kept from the previous check when the state could not be read
 * @param failure why the pool's state could not be read, or {@code null}
 * @param shedding whether this JVM sheds the pool's lowest priority class
 */
public record PoolCheck(String pool, Instant checkedAt, @Nullable PoolUtilisation utilisation,
		Map<Dimension, QuotaStatus> statuses, @Nullable String failure, boolean shedding) {

	/**
	 * Return the worst status of any dimension of the pool.
	 * @return the pool's status
	 */
	public QuotaStatus status() {
		return this.statuses.values().stream().reduce(QuotaStatus.OK, QuotaStatus::worse);
	}

	/**
	 * Whether the pool's state could be read.
	 * @return whether the check reached the quota state
	 */
	public boolean isReachable() {
		return this.failure == null;
	}

}
