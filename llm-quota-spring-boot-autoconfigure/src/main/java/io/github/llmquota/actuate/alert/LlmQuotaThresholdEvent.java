package io.github.llmquota.actuate.alert;

import io.github.llmquota.core.Dimension;

import org.springframework.context.ApplicationEvent;

/**
 * Published when a dimension of a pool crosses a utilisation threshold: into
 * {@link QuotaStatus#WARN} or {@link QuotaStatus#CRITICAL}, back down from
 * {@link QuotaStatus#CRITICAL} to {@link QuotaStatus#WARN}, or back to
 * {@link QuotaStatus#OK}. Crossings back are subject to hysteresis, so a utilisation
 * hovering at a threshold publishes one event, not one per check. Every JVM of the fleet
 * sees the same fleet-wide utilisation and publishes its own events; listeners that
 * notify people should deduplicate across the fleet or run in one instance.
 */
public class LlmQuotaThresholdEvent extends ApplicationEvent {

	private final String pool;

	private final Dimension dimension;

	private final QuotaStatus previousStatus;

	private final QuotaStatus status;

	private final double utilisation;

	/**
	 * Create an event.
	 * @param source the component that noticed the crossing
	 * @param pool the pool
	 * @param dimension the dimension
	 * @param previousStatus the status the dimension left
	 * @param status the status it entered
	 * @param utilisation the utilisation that moved it
	 */
	public LlmQuotaThresholdEvent(Object source, String pool, Dimension dimension, QuotaStatus previousStatus,
			QuotaStatus status, double utilisation) {
		super(source);
		this.pool = pool;
		this.dimension = dimension;
		this.previousStatus = previousStatus;
		this.status = status;
		this.utilisation = utilisation;
	}

	/**
	 * Return the pool.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

	/**
	 * Return the dimension that crossed a threshold.
	 * @return the dimension
	 */
	public Dimension getDimension() {
		return this.dimension;
	}

	/**
	 * Return the status the dimension left.
	 * @return the previous status
	 */
	public QuotaStatus getPreviousStatus() {
		return this.previousStatus;
	}

	/**
	 * Return the status the dimension entered.
	 * @return the new status
	 */
	public QuotaStatus getStatus() {
		return this.status;
	}

	/**
	 * Return the utilisation that moved the status, as a share of the provider limit.
	 * @return the utilisation
	 */
	public double getUtilisation() {
		return this.utilisation;
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[pool=" + this.pool + ", dimension=" + this.dimension + ", "
				+ this.previousStatus + " -> " + this.status + ", utilisation=" + this.utilisation + "]";
	}

}
