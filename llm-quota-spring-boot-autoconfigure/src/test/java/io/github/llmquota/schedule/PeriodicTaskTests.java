package io.github.llmquota.schedule;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link PeriodicTask}.
 */
class PeriodicTaskTests {

	@Test
	void aRunThatThrowsDoesNotEndTheRunsAfterIt() {
		AtomicInteger runs = new AtomicInteger();
		PeriodicTask task = new PeriodicTask("test-task", Duration.ZERO, Duration.ofMillis(10), () -> {
			runs.incrementAndGet();
			throw new IllegalStateException("failed on purpose");
		}, LogFactory.getLog(PeriodicTaskTests.class), "test task failed");
		task.start();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() >= 2);
		}
		finally {
			task.stop();
		}
	}

	@Test
	void runsBetweenStartAndStopOnADaemonThreadAndStartsOnce() {
		AtomicInteger daemonRuns = new AtomicInteger();
		PeriodicTask task = new PeriodicTask("test-task", Duration.ZERO, Duration.ofHours(1), () -> {
			if (Thread.currentThread().isDaemon() && Thread.currentThread().getName().equals("test-task")) {
				daemonRuns.incrementAndGet();
			}
		}, LogFactory.getLog(PeriodicTaskTests.class), "test task failed");
		assertThat(task.isRunning()).isFalse();

		task.start();
		task.start();
		await().atMost(Duration.ofSeconds(30)).until(() -> daemonRuns.get() >= 1);

		assertThat(task.isRunning()).isTrue();
		task.stop();
		assertThat(task.isRunning()).isFalse();
		// A second start would have run at once too: one hour apart, only one run.
		assertThat(daemonRuns).hasValue(1);
	}

}
