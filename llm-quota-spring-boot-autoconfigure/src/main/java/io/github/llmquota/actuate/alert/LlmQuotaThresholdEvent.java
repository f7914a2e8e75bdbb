package io.github.llmquota.actuate.alert;

import io.github.llmquota.core.Dimension;

/**
 * Published when a dimension of a pool crosses a utilisation threshold (see
 * {@link DimensionThresholdEvent}); the utilisation is a share of the provider limit.
 * Every JVM of the fleet sees the same fleet-wide utilisation and publishes its own
 * events; listeners that notify people should deduplicate across the fleet or run in one
 * instance.
 */
public class LlmQuotaThresholdEvent extends DimensionThresholdEvent {

	private final String pool;

	/**
	 * Create an event.
	 * @param source the component that noticed the crossing
	 * @param pool the pool
	 * @param dimension the dimension
	 * @param previousStatus the status the dimension left
	 * @param status the status it entered
	 * @param utilisation the utilisation that moved it, a share of the provider limit
	 */
	public LlmQuotaThresholdEvent(Object source, String pool, Dimension dimension, QuotaStatus previousStatus,
			QuotaStatus status, double utilisation) {
		super(source, dimension, previousStatus, status, utilisation);
		this.pool = pool;
	}

	/**
	 * Return the pool.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

	@Override
	protected String subject() {
		return "pool=" + this.pool;
	}

}
