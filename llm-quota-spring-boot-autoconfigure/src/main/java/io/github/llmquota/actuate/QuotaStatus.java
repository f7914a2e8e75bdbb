package io.github.llmquota.actuate;

/**
 * How close a pool dimension is to its provider limit, from best to worst.
 *
 * @see QuotaThresholds
 */
public enum QuotaStatus {

	/** Below the warn threshold. */
	OK,

	/** At or above the warn threshold, below the critical one. */
	WARN,

	/** At or above the critical threshold. */
	CRITICAL;

	/**
	 * Return the worse of this status and another.
	 * @param other the other status
	 * @return the worse status
	 */
	public QuotaStatus worse(QuotaStatus other) {
		return (other.ordinal() > ordinal()) ? other : this;
	}

}
