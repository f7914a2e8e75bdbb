package io.github.llmquota.actuate.alert;

import io.github.llmquota.core.Dimension;

import org.springframework.context.ApplicationEvent;

/**
 * Published when a dimension of a pool or scope crosses a utilisation threshold: into
 * {@link QuotaStatus#WARN} or {@link QuotaStatus#CRITICAL}, back down from
 * {@link QuotaStatus#CRITICAL} to {@link QuotaStatus#WARN}, or back to
 * {@link QuotaStatus#OK}. Crossings back are subject to hysteresis, so a utilisation
 * hovering at a threshold publishes one event, not one per check. Listen to a subclass
 * for one kind, or to this class for both.
 */
public abstract class DimensionThresholdEvent extends ApplicationEvent {

	private final Dimension dimension;

	private final QuotaStatus previousStatus;

	private final QuotaStatus status;

	private final double utilisation;

	/**
	 * Create an event.
	 * @param source the component that noticed the crossing
	 * @param dimension the dimension
	 * @param previousStatus the status the dimension left
	 * @param status the status it entered
	 * @param utilisation the utilisation that moved it
	 */
	protected DimensionThresholdEvent(Object source, Dimension dimension, QuotaStatus previousStatus,
			QuotaStatus status, double utilisation) {
		super(source);
		this.dimension = dimension;
		this.previousStatus = previousStatus;
		this.status = status;
		this.utilisation = utilisation;
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
	 * Return the utilisation that moved the status, as a share of the limit it is read
	 * against (see the subclass).
	 * @return the utilisation
	 */
	public double getUtilisation() {
		return this.utilisation;
	}

	/**
	 * Return what crossed, for {@link #toString()}: {@code pool=<name>} or
	 * {@code scope=<name>}.
	 * @return the subject
	 */
	protected abstract String subject();

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + subject() + ", dimension=" + this.dimension + ", "
				+ this.previousStatus + " -> " + this.status + ", utilisation=" + this.utilisation + "]";
	}

}
