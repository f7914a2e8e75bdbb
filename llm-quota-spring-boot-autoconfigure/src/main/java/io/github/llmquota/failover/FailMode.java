package io.github.llmquota.failover;

/**
 * What the engine does while Redis cannot be reached.
 */
public enum FailMode {

	/**
	 * Each JVM limits itself, in memory, to its share of the pool: the limit times the
	 * adaptive multiplier, divided by the number of live JVMs last seen in Redis, times
	 * 0.8.
	 */
	LOCAL,

	/**
	 * Admit every request without limiting, and count it.
	 */
	OPEN,

	/**
	 * Reject every request with {@code RejectionReason.UNAVAILABLE}.
	 */
	CLOSED

}
