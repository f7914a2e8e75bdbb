package io.github.llmquota.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A waiting caller pushed out of a full waiting room by higher-priority work learns it at
 * once, whether the store's news arrives or only the heartbeat finds out; and the engine
 * runs as a lifecycle bean between the web server and the Redis connection.
 */
class QuotaEngineLifecycleAndSheddingTests {

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void waitingCallerShedByHigherPriorityWorkIsRejectedAsShed() {
		QuotaSettings settings = fullAfterOneWaiter(Duration.ofHours(1));
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		this.engine.acquire(request(Priority.CRITICAL, Duration.ZERO));
		CompletableFuture<QuotaLease> background = this.engine
			.acquireAsync(request(Priority.BACKGROUND, Duration.ofMinutes(1)));

		this.engine.acquireAsync(request(Priority.CRITICAL, Duration.ofMinutes(1)));

		assertThat(background).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOfSatisfying(QuotaRejectedException.class, (ex) -> {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.SHED);
				assertThat(ex.getMessage()).contains("shed", "higher-priority");
			});
	}

	@Test
	void waitingCallerWhoseTicketTheHeartbeatFindsGoneIsRejectedWithoutWaitingForItsDeadline() {
		QuotaSettings settings = fullAfterOneWaiter(Duration.ofMillis(100));
		this.engine = new DefaultQuotaEngine(settings, new ForwardingQuotaStore(new InMemoryQuotaStore(settings)) {

			@Override
			public void start(String workerId, AdmissionListener listener) {
				// Deaf to news: only the heartbeat learns what became of the ticket.
				super.start(workerId, AdmissionListener.none());
			}

		});
		this.engine.acquire(request(Priority.CRITICAL, Duration.ZERO));
		CompletableFuture<QuotaLease> background = this.engine
			.acquireAsync(request(Priority.BACKGROUND, Duration.ofMinutes(1)));

		this.engine.acquireAsync(request(Priority.CRITICAL, Duration.ofMinutes(1)));

		assertThat(background).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOfSatisfying(QuotaRejectedException.class,
					(ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE));
	}

	@Test
	void engineRunsAfterItsFirstRequestUntilStoppedAndStopsBeforeTheRedisConnection() {
		QuotaSettings settings = TestSettings.pool("lifecycle").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		this.engine.acquire(request(Priority.CRITICAL, Duration.ZERO));

		assertThat(this.engine.isRunning()).isTrue();
		assertThat(this.engine.getSettings()).isSameAs(settings);
		assertThat(this.engine.getPhase()).isGreaterThan(0);

		this.engine.stop();

		assertThat(this.engine.isRunning()).isFalse();
	}

	@Test
	void requestAfterTheEngineStoppedIsRejectedAsCancelledAndDoesNotStartItAgain() {
		QuotaSettings settings = TestSettings.pool("lifecycle").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		this.engine.acquire(request(Priority.CRITICAL, Duration.ZERO));
		this.engine.stop();

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(request(Priority.CRITICAL, Duration.ZERO)))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.CANCELLED))
			.withMessageContaining("stopped");
		assertThat(this.engine.isRunning()).isFalse();
	}

	// One call in flight at a time, and room for one waiting ticket in the whole pool.
	private static QuotaSettings fullAfterOneWaiter(Duration heartbeat) {
		QuotaSettings built = TestSettings.pool("full")
			.limit(Dimension.REQUESTS_PER_MINUTE, 100)
			.maxConcurrency(1)
			.queueCapacity(1)
			.build();
		return new QuotaSettings(built.models(), built.classes(), "NORMAL", built.leaseTimeout(), built.queueCapacity(),
				heartbeat, built.feedback(), built.admissionLookahead());
	}

	private static QuotaRequest request(String priority, Duration maxWait) {
		return QuotaRequest.builder("model").priority(priority).maxWait(maxWait).build();
	}

}
