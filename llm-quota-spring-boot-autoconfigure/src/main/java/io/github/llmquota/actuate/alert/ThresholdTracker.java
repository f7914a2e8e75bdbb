package io.github.llmquota.actuate.alert;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import io.github.llmquota.core.Dimension;

import org.springframework.lang.Nullable;

/**
 * Remembers the status of every pool dimension and moves it with each new utilisation,
 * with {@link QuotaThresholds#next hysteresis}, reporting each crossing once. Pure: it is
 * fed utilisation values and reads no store. Not thread-safe.
 */
public final class ThresholdTracker {

	private final QuotaThresholds thresholds;

	private final Map<String, Map<Dimension, QuotaStatus>> statuses = new HashMap<>();

	/**
	 * Create a tracker that starts every dimension at {@link QuotaStatus#OK}.
	 * @param thresholds the thresholds
	 */
	public ThresholdTracker(QuotaThresholds thresholds) {
		this.thresholds = thresholds;
	}

	/**
	 * Move a dimension's status with a new utilisation.
	 * @param pool the pool (or scope)
	 * @param dimension the dimension
	 * @param utilisation its utilisation now
	 * @return the crossing, or {@code null} when the status did not change
	 */
	@Nullable
	public Crossing update(String pool, Dimension dimension, double utilisation) {
		Map<Dimension, QuotaStatus> ofPool = this.statuses.computeIfAbsent(pool,
				(name) -> new EnumMap<>(Dimension.class));
		QuotaStatus previous = ofPool.getOrDefault(dimension, QuotaStatus.OK);
		QuotaStatus next = this.thresholds.next(previous, utilisation);
		if (next == previous) {
			return null;
		}
		ofPool.put(dimension, next);
		return new Crossing(pool, dimension, previous, next, utilisation);
	}

	/**
	 * Return the status of a dimension.
	 * @param pool the pool (or scope)
	 * @param dimension the dimension
	 * @return its status, {@link QuotaStatus#OK} before any utilisation was seen
	 */
	public QuotaStatus status(String pool, Dimension dimension) {
		return this.statuses.getOrDefault(pool, Map.of()).getOrDefault(dimension, QuotaStatus.OK);
	}

	/**
	 * Return the statuses of the dimensions of a pool that are not
	 * {@link QuotaStatus#OK}.
	 * @param pool the pool (or scope)
	 * @return the statuses by dimension, a copy
	 */
	public Map<Dimension, QuotaStatus> statuses(String pool) {
		Map<Dimension, QuotaStatus> result = new EnumMap<>(Dimension.class);
		this.statuses.getOrDefault(pool, Map.of()).forEach((dimension, status) -> {
			if (status != QuotaStatus.OK) {
				result.put(dimension, status);
			}
		});
		return result;
	}

	/**
	 * Return the worst status of any dimension of a pool.
	 * @param pool the pool (or scope)
	 * @return the pool's status
	 */
	public QuotaStatus poolStatus(String pool) {
		return this.statuses.getOrDefault(pool, Map.of()).values().stream().reduce(QuotaStatus.OK, QuotaStatus::worse);
	}

	/**
	 * A change of status of one pool dimension.
	 *
	 * @param pool the pool (or scope)
	 * @param dimension the dimension
	 * @param previous the status it left
	 * @param status the status it entered
	 * @param utilisation the utilisation that moved it
	 */
	public record Crossing(String pool, Dimension dimension, QuotaStatus previous, QuotaStatus status,
			double utilisation) {

		/**
		 * Whether the status got worse.
		 * @return whether this crossing is an escalation
		 */
		public boolean isEscalation() {
			return this.status.ordinal() > this.previous.ordinal();
		}

	}

}
