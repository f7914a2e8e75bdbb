package io.github.llmquota.actuate.alert;

/**
 * How close a pool dimension is to its provider limit, from best to worst, and for a
 * whole pool whether the provider stopped it.
 *
 * @see QuotaThresholds
 */
public enum QuotaStatus {

	/** Below the warn threshold. */
	OK,

	/** At or above the warn threshold, below the critical one. */
	WARN,

	/** At or above the critical threshold. */
	CRITICAL,

	/**
	 * The provider answered a rate limit with a delay, and the pool admits nothing until
	 * that cooldown ends, whatever its utilisation. A pool's status only: a dimension is
	 * never in cooldown, and no threshold leads here.
	 */
	COOLDOWN,

	/**
	 * The provider said the quota behind the pool is exhausted (a spend cap, billing,
	 * {@code insufficient_quota}), and the pool rejects every request at once,
	 * fleet-wide, until the time the endpoint shows. A pool's status only, and the worst:
	 * waiting does not bring it back before then.
	 */
	EXHAUSTED;

	/**
	 * Return the worse of this status and another.
	 * @param other the other status
	 * @return the worse status
	 */
	public QuotaStatus worse(QuotaStatus other) {
		return (other.ordinal() > ordinal()) ? other : this;
	}

}
