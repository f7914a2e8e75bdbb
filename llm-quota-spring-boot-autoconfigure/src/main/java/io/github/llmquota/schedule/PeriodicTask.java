package io.github.llmquota.schedule;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;

/**
 * A task run on a daemon thread of its own with a fixed delay between runs, from
 * {@link #start()} to {@link #stop()}, for a component's {@code SmartLifecycle}. A run
 * that throws is logged as a warning and the next runs still happen (a scheduled task
 * that throws is otherwise never run again). Thread-safe; start and stop may be called
 * again.
 */
public final class PeriodicTask {

	private final String threadName;

	private final Duration initialDelay;

	private final Duration interval;

	private final Runnable task;

	private final Log logger;

	private final String failure;

	private final Object lifecycleMonitor = new Object();

	private ScheduledExecutorService executor;

	/**
	 * Create a task, not yet started.
	 * @param threadName the name of its thread
	 * @param initialDelay how long after a start the first run begins
	 * @param interval the delay between the end of a run and the start of the next
	 * @param task what to run
	 * @param logger where a failed run is logged
	 * @param failure what the warning of a failed run says before the exception
	 */
	public PeriodicTask(String threadName, Duration initialDelay, Duration interval, Runnable task, Log logger,
			String failure) {
		this.threadName = threadName;
		this.initialDelay = initialDelay;
		this.interval = interval;
		this.task = task;
		this.logger = logger;
		this.failure = failure;
	}

	/**
	 * Start running the task, unless it runs already.
	 */
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.executor != null) {
				return;
			}
			this.executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
				Thread thread = new Thread(runnable, this.threadName);
				thread.setDaemon(true);
				return thread;
			});
			this.executor.scheduleWithFixedDelay(this::runSafely, this.initialDelay.toMillis(),
					this.interval.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	private void runSafely() {
		try {
			this.task.run();
		}
		catch (RuntimeException ex) {
			this.logger.warn(this.failure + ": " + ex);
		}
	}

	/**
	 * Stop running the task, interrupting a run in progress.
	 */
	public void stop() {
		synchronized (this.lifecycleMonitor) {
			if (this.executor != null) {
				this.executor.shutdownNow();
				this.executor = null;
			}
		}
	}

	/**
	 * Whether the task runs, between a start and a stop.
	 * @return whether it runs
	 */
	public boolean isRunning() {
		synchronized (this.lifecycleMonitor) {
			return this.executor != null;
		}
	}

}
