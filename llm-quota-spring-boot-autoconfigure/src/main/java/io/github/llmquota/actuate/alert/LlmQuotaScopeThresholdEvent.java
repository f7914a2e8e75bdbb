package io.github.llmquota.actuate.alert;

import io.github.llmquota.core.Dimension;

import org.springframework.context.ApplicationEvent;

/**
 * Published when a dimension of a scope (an organisation, project or workspace above
 * pools) crosses a utilisation threshold, as {@link LlmQuotaThresholdEvent} is for a
 * pool, with the same thresholds and hysteresis. A scope's utilisation is its bucket's
 * level as a share of the bucket (see {@link io.github.llmquota.core.ScopeState}). Every
 * JVM of the fleet reads the same level and publishes its own events.
 */
public class LlmQuotaScopeThresholdEvent extends ApplicationEvent {

	private final String scope;

	private final Dimension dimension;

	private final QuotaStatus previousStatus;

	private final QuotaStatus status;

	private final double utilisation;

	/**
	 * Create an event.
	 * @param source the component that noticed the crossing
	 * @param scope the scope
	 * @param dimension the dimension
	 * @param previousStatus the status the dimension left
	 * @param status the status it entered
	 * @param utilisation the utilisation that moved it
	 */
	public LlmQuotaScopeThresholdEvent(Object source, String scope, Dimension dimension, QuotaStatus previousStatus,
			QuotaStatus status, double utilisation) {
		super(source);
		this.scope = scope;
		this.dimension = dimension;
		this.previousStatus = previousStatus;
		this.status = status;
		this.utilisation = utilisation;
	}

	/**
	 * Return the scope.
	 * @return the scope name
	 */
	public String getScope() {
		return this.scope;
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
	 * Return the utilisation that moved the status, as a share of the scope's bucket.
	 * @return the utilisation
	 */
	public double getUtilisation() {
		return this.utilisation;
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[scope=" + this.scope + ", dimension=" + this.dimension + ", "
				+ this.previousStatus + " -> " + this.status + ", utilisation=" + this.utilisation + "]";
	}

}
