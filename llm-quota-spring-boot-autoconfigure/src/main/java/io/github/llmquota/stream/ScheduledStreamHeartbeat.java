package io.github.llmquota.stream;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The heartbeat of every stream of this JVM: one daemon thread, started at the first
 * stream. A beat that finds its stream charged lately costs no store call, so one thread
 * serves many streams; only streams that stay silent for half a charge interval make a
 * store call at a beat.
 */
final class ScheduledStreamHeartbeat implements StreamHeartbeat {

	static final ScheduledStreamHeartbeat SHARED = new ScheduledStreamHeartbeat();

	private ScheduledThreadPoolExecutor scheduler;

	private ScheduledStreamHeartbeat() {
	}

	@Override
	public Runnable start(Duration period, Runnable beat) {
		long nanos = period.toNanos();
		ScheduledFuture<?> beats = scheduler().scheduleWithFixedDelay(beat, nanos, nanos, TimeUnit.NANOSECONDS);
		return () -> beats.cancel(false);
	}

	private synchronized ScheduledThreadPoolExecutor scheduler() {
		if (this.scheduler == null) {
			this.scheduler = new ScheduledThreadPoolExecutor(1, (task) -> {
				Thread thread = new Thread(task, "llm-quota-stream-heartbeat");
				thread.setDaemon(true);
				return thread;
			});
			// A stream that ends drops its beats at once, not at their next due time.
			this.scheduler.setRemoveOnCancelPolicy(true);
		}
		return this.scheduler;
	}

}
