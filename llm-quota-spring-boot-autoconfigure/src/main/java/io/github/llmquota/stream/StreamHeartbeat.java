package io.github.llmquota.stream;

import java.time.Duration;

/**
 * Beats for the streams that are open in this JVM, so that a stream that brings nothing
 * for a while still keeps its lease (see {@link StreamMeter}). Its beats stop with the
 * JVM: a stream whose worker died charges no more, and its lease expires.
 */
@FunctionalInterface
interface StreamHeartbeat {

	/**
	 * Call {@code beat} every {@code period}, from a thread that may block on the store,
	 * until the returned handle is run.
	 * @param period the time between two beats, positive
	 * @param beat what to do at each beat; it must not throw
	 * @return stops the beats; running it again does nothing
	 */
	Runnable start(Duration period, Runnable beat);

}
