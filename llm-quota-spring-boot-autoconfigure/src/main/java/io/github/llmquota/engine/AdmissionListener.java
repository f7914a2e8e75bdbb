package io.github.llmquota.engine;

/**
 * Receives what a store decides about waiting tickets after their acquire returned. A
 * store may deliver the same news twice (a push and a heartbeat); listeners must be
 * idempotent.
 */
public interface AdmissionListener {

	/**
	 * Return a listener that ignores everything, for stores used without an engine.
	 * @return the listener
	 */
	static AdmissionListener none() {
		return new AdmissionListener() {

			@Override
			public void granted(String pool, String ticketId, long arrival) {
			}

			@Override
			public void dropped(String pool, String ticketId, boolean shed) {
			}

			@Override
			public void exhausted(String pool, String ticketId) {
			}

			@Override
			public void head(String pool, long delayMillis, String ticketId) {
			}

		};
	}

	/**
	 * A waiting ticket was admitted; its lease is held.
	 * @param pool the pool
	 * @param ticketId the ticket
	 * @param arrival the ticket's place in the pool's arrival order, as its acquire
	 * reported it; this news can arrive before that acquire returns. 0 when the news does
	 * not say (a heartbeat's), and the acquire's answer stands.
	 */
	void granted(String pool, String ticketId, long arrival);

	/**
	 * A waiting ticket left the waiting room without a grant.
	 * @param pool the pool
	 * @param ticketId the ticket
	 * @param shed whether it was pushed out by a higher class (otherwise it expired)
	 */
	void dropped(String pool, String ticketId, boolean shed);

	/**
	 * A waiting ticket left the waiting room because the pool was marked exhausted
	 * fleet-wide: waiting cannot admit it.
	 * @param pool the pool
	 * @param ticketId the ticket
	 */
	void exhausted(String pool, String ticketId);

	/**
	 * A ticket of this JVM became the blocked head of its pool's queue: arm a timer.
	 * @param pool the pool
	 * @param delayMillis how long until it fits, or {@link Admission#UNKNOWN}
	 * @param ticketId the head ticket
	 */
	void head(String pool, long delayMillis, String ticketId);

}
