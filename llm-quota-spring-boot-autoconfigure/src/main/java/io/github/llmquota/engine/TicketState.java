package io.github.llmquota.engine;

/**
 * Where a ticket stands, as a heartbeat reports it.
 */
public enum TicketState {

	/** Still waiting. */
	WAITING,

	/** Admitted; its lease is held. */
	GRANTED,

	/** Gone from the waiting room without a grant: shed, expired or withdrawn. */
	DROPPED,

	/**
	 * Gone from the waiting room without a grant, and the pool is marked exhausted: the
	 * ticket was failed by the mark, or would be.
	 */
	EXHAUSTED

}
