package io.github.llmquota.engine;

import io.github.llmquota.core.GateLimit;
import io.github.llmquota.core.RejectionReason;

/**
 * The store's answer to an acquire.
 *
 * @param status granted, waiting or rejected
 * @param reason why it was rejected, or {@code null}
 * @param delayMillis for a rejection, the earliest a retry could fit (-1 when unknown);
 * for a waiting ticket that is the head of its queue, how long until it fits (-1 when
 * that depends on a lease ending); otherwise -2
 * @param headTicket when this JVM owns the blocked head of the queue, its ticket id; the
 * timer armed for it is dropped once that ticket is granted
 * @param arrival for a granted or waiting ticket, its place in the pool's arrival order
 * (see {@link Ticket#arrival()}); 0 for a rejection, or when the store keeps no order
 * @param shadow for a ticket admitted in shadow mode, what enforcement would have
 * decided; otherwise {@code null}
 * @param gateLimit for a rejection by the ticket's own gate (its user's or tenant's
 * limits), the limit that binds; otherwise {@code null}
 */
public record Admission(Status status, RejectionReason reason, long delayMillis, String headTicket, long arrival,
		Shadow shadow, GateLimit gateLimit) {

	/** Sentinel for "no delay applies". */
	public static final long NONE = -2;

	/** Sentinel for "not known: waits for a lease to end". */
	public static final long UNKNOWN = -1;

	/**
	 * The ticket was admitted by a store that keeps no arrival order.
	 * @return the admission
	 */
	public static Admission granted() {
		return granted(0);
	}

	/**
	 * The ticket was admitted.
	 * @param arrival its place in the pool's arrival order
	 * @return the admission
	 */
	public static Admission granted(long arrival) {
		return new Admission(Status.GRANTED, null, NONE, null, arrival, null, null);
	}

	/**
	 * The ticket was admitted in shadow mode, whatever enforcement would have decided.
	 * @param arrival its place in the pool's arrival order
	 * @param shadow what enforcement would have decided
	 * @return the admission
	 */
	public static Admission shadowed(long arrival, Shadow shadow) {
		return new Admission(Status.GRANTED, null, NONE, null, arrival, shadow, null);
	}

	/**
	 * The ticket waits in the queue.
	 * @param headDelayMillis when the ticket is the head of the queue, how long until it
	 * fits, {@link #UNKNOWN} if that depends on a lease ending; {@link #NONE} otherwise
	 * @param headTicket the id of the blocked head when this JVM owns it, or {@code null}
	 * @param arrival the ticket's place in the pool's arrival order
	 * @return the admission
	 */
	public static Admission waiting(long headDelayMillis, String headTicket, long arrival) {
		return new Admission(Status.WAITING, null, headDelayMillis, headTicket, arrival, null, null);
	}

	/**
	 * The ticket was rejected and holds nothing.
	 * @param reason the reason
	 * @param retryAfterMillis the earliest a retry could fit, or {@link #UNKNOWN}
	 * @return the admission
	 */
	public static Admission rejected(RejectionReason reason, long retryAfterMillis) {
		return new Admission(Status.REJECTED, reason, retryAfterMillis, null, 0, null, null);
	}

	/**
	 * The ticket was rejected by its own gate, its user's or tenant's limits, and holds
	 * nothing.
	 * @param reason {@link RejectionReason#USER_LIMIT} or
	 * {@link RejectionReason#TENANT_LIMIT}
	 * @param retryAfterMillis the earliest a retry could fit
	 * @param gateLimit the limit that binds
	 * @return the admission
	 */
	public static Admission rejectedAtGate(RejectionReason reason, long retryAfterMillis, GateLimit gateLimit) {
		return new Admission(Status.REJECTED, reason, retryAfterMillis, null, 0, null, gateLimit);
	}

	/**
	 * The outcome of an acquire.
	 */
	public enum Status {

		/** Admitted: the lease is held. */
		GRANTED,

		/** Queued: a grant, a drop or the deadline will follow. */
		WAITING,

		/** Rejected: nothing is held. */
		REJECTED

	}

	/**
	 * What enforcement would have decided for a ticket admitted in shadow mode. The store
	 * decides it as an acquire would, without queuing: a ticket that would have waited
	 * behind others reports what it needed itself.
	 *
	 * @param status granted, waiting or rejected
	 * @param reason why it would have been rejected, or {@code null}
	 * @param waitMillis how long it would have waited before it fitted, or been told to
	 * retry after; {@link #UNKNOWN} when that depends on a lease ending, 0 when granted
	 */
	public record Shadow(Status status, RejectionReason reason, long waitMillis) {
	}

}
