package io.github.llmquota.stream;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM's stream heartbeat beats on a daemon thread, which dies with the JVM, until it
 * is stopped.
 */
class ScheduledStreamHeartbeatTests {

	@Test
	void beatsOnADaemonThreadUntilStopped() throws InterruptedException {
		CountDownLatch beats = new CountDownLatch(3);
		AtomicReference<Thread> beater = new AtomicReference<>();
		Runnable stop = ScheduledStreamHeartbeat.SHARED.start(Duration.ofMillis(1), () -> {
			beater.set(Thread.currentThread());
			beats.countDown();
		});
		try {
			// A deadline against a hang only.
			assertThat(beats.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			stop.run();
		}
		assertThat(beater.get().isDaemon()).isTrue();
		assertThat(beater.get().getName()).isEqualTo("llm-quota-stream-heartbeat");
		// Stopping drops the beats at once: a second stream starts on the same thread.
		CountDownLatch next = new CountDownLatch(1);
		Runnable stopNext = ScheduledStreamHeartbeat.SHARED.start(Duration.ofMillis(1), next::countDown);
		try {
			assertThat(next.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			stopNext.run();
			stopNext.run();
		}
	}

}
