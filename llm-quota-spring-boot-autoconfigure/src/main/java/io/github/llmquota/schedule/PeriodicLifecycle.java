package io.github.llmquota.schedule;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.springframework.context.SmartLifecycle;

/**
 * A component whose background work is one {@link PeriodicTask}, run from the lifecycle's
 * start to its stop in a phase of its own. Subclasses say what one run does
 * ({@link #runPeriodically()}); the start, stop and running state are the task's.
 * Thread-safe; start and stop may be called again.
 */
public abstract class PeriodicLifecycle implements SmartLifecycle {

	// Its own lock, apart from any a run takes, so that stopping never waits for a slow
	// run (a store call, say).
	private final PeriodicTask task;

	private final int phase;

	/**
	 * Create a component whose task is not yet started.
	 * @param threadName the name of the task's thread
	 * @param initialDelay how long after a start the first run begins
	 * @param interval the delay between the end of a run and the start of the next
	 * @param logger where a failed run is logged
	 * @param failure what the warning of a failed run says before the exception
	 * @param phase the lifecycle phase
	 */
	protected PeriodicLifecycle(String threadName, Duration initialDelay, Duration interval, Log logger, String failure,
			int phase) {
		this.task = new PeriodicTask(threadName, initialDelay, interval, this::runPeriodically, logger, failure);
		this.phase = phase;
	}

	/**
	 * Do one run of the background work, on the task's thread. An exception is logged as
	 * a warning and the next runs still happen.
	 */
	protected abstract void runPeriodically();

	@Override
	public void start() {
		this.task.start();
	}

	@Override
	public void stop() {
		this.task.stop();
	}

	@Override
	public boolean isRunning() {
		return this.task.isRunning();
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

}
