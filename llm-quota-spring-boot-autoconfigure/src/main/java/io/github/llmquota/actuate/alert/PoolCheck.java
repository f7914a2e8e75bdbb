package io.github.llmquota.actuate.alert;

import java.time.Instant;
import java.util.Map;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.PoolState;

import org.springframework.lang.Nullable;

/**
 * What the last check of one pool found.
 *
 * @param pool the pool
 * @param checkedAt when the check ran, by this JVM's clock
 * @param state the pool's state as the check read it, or {@code null} when it could not
 * be read
 * @param statuses the dimensions that are not {@link QuotaStatus#OK}, with their status
 * after hysteresis; kept from the previous check when the state could not be read
 * @param failure why the pool's state could not be read, or {@code null}
 * @param shedding whether this JVM sheds the pool's lowest priority class
 */
public record PoolCheck(String pool, Instant checkedAt, @Nullable PoolState state, Map<Dimension, QuotaStatus> statuses,
		@Nullable String failure, boolean shedding) {

	/**
	 * Return the pool's status: {@link QuotaStatus#EXHAUSTED} while the check saw it
	 * marked exhausted, {@link QuotaStatus#COOLDOWN} while it saw it cool down, otherwise
	 * the worst status of any of its dimensions.
	 * @return the pool's status
	 */
	public QuotaStatus status() {
		if (exhaustedUntil() != null) {
			return QuotaStatus.EXHAUSTED;
		}
		QuotaStatus worst = this.statuses.values().stream().reduce(QuotaStatus.OK, QuotaStatus::worse);
		return (cooldownUntil() != null) ? QuotaStatus.COOLDOWN : worst;
	}

	/**
	 * Return until when the pool is marked exhausted after a provider said its quota is
	 * used up, as the check saw it.
	 * @return the end of the mark by this JVM's clock, or {@code null} when the pool was
	 * not exhausted or its state could not be read
	 */
	@Nullable
	public Instant exhaustedUntil() {
		if (this.state == null || !this.state.isExhausted()) {
			return null;
		}
		return this.checkedAt.plus(this.state.exhausted());
	}

	/**
	 * Return why the pool is marked exhausted, in the provider's words.
	 * @return the provider's message, or {@code null} when the pool is not exhausted or
	 * the provider gave none
	 */
	@Nullable
	public String exhaustedReason() {
		return (exhaustedUntil() != null) ? this.state.exhaustedReason() : null;
	}

	/**
	 * Return until when the pool cools down after a provider rate limit, as the check saw
	 * it.
	 * @return the end of the cooldown by this JVM's clock, or {@code null} when the pool
	 * was not cooling down or its state could not be read
	 */
	@Nullable
	public Instant cooldownUntil() {
		if (this.state == null || !this.state.isCoolingDown()) {
			return null;
		}
		return this.checkedAt.plus(this.state.cooldown());
	}

	/**
	 * Whether the pool's state could be read.
	 * @return whether the check reached the quota state
	 */
	public boolean isReachable() {
		return this.failure == null;
	}

}
