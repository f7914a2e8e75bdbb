package io.github.llmquota.actuate.alert;

import io.github.llmquota.core.Dimension;

/**
 * Published when a dimension of a scope (an organisation, project or workspace above
 * pools) crosses a utilisation threshold, as {@link LlmQuotaThresholdEvent} is for a
 * pool, with the same thresholds and hysteresis. A scope's utilisation is its bucket's
 * level as a share of the bucket (see {@link io.github.llmquota.core.ScopeState}). Every
 * JVM of the fleet reads the same level and publishes its own events.
 */
public class LlmQuotaScopeThresholdEvent extends DimensionThresholdEvent {

	private final String scope;

	/**
	 * Create an event.
	 * @param source the component that noticed the crossing
	 * @param scope the scope
	 * @param dimension the dimension
	 * @param previousStatus the status the dimension left
	 * @param status the status it entered
	 * @param utilisation the utilisation that moved it, a share of the scope's bucket
	 */
	public LlmQuotaScopeThresholdEvent(Object source, String scope, Dimension dimension, QuotaStatus previousStatus,
			QuotaStatus status, double utilisation) {
		super(source, dimension, previousStatus, status, utilisation);
		this.scope = scope;
	}

	/**
	 * Return the scope.
	 * @return the scope name
	 */
	public String getScope() {
		return this.scope;
	}

	@Override
	protected String subject() {
		return "scope=" + this.scope;
	}

}
