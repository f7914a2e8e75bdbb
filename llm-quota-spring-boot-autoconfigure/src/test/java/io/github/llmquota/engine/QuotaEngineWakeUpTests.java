package io.github.llmquota.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How a waiting caller is woken: by the store's news, by the timer armed for the blocked
 * head, or by its own deadline. The heartbeat only repairs lost news, so most tests here
 * run with a heartbeat of an hour: a caller that still gets its answer cannot have been
 * woken by it.
 */
class QuotaEngineWakeUpTests {

	private static final Duration NO_HEARTBEAT = Duration.ofHours(1);

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void callerBlockedOnTheConcurrencyLimitIsWokenByTheStoresNewsWhenACallEnds() {
		QuotaSettings settings = settings(
				TestSettings.pool("news").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1), NO_HEARTBEAT);
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		QuotaLease first = this.engine.acquire(request(Duration.ZERO));
		CompletableFuture<QuotaLease> second = this.engine.acquireAsync(request(Duration.ofMinutes(1)));

		first.settle(TokenUsage.of(1, 1));

		assertThat(second).succeedsWithin(Duration.ofSeconds(10)).satisfies(this::release);
	}

	@Test
	void blockedHeadIsAdmittedByItsTimerWhenTheBucketHasRefilled() {
		// Ten requests a second at most: the eleventh fits 100 ms later.
		QuotaSettings settings = settings(TestSettings.pool("timer")
			.limit(Dimension.REQUESTS_PER_MINUTE, 600)
			.burstHorizon(Duration.ofSeconds(1)), NO_HEARTBEAT);
		// The store's clock moves only when the test says so: however slow the machine,
		// the eleventh request waits, and only a poll after the clock moved can admit it.
		AtomicLong clock = new AtomicLong(1_700_000_000_000L);
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings, clock::get));
		for (int i = 0; i < 10; i++) {
			this.engine.acquire(critical(Duration.ZERO)).settle(TokenUsage.of(0, 0));
		}
		CompletableFuture<QuotaLease> head = this.engine.acquireAsync(critical(Duration.ofMinutes(1)));
		assertThat(head).isNotDone();

		clock.addAndGet(100);

		assertThat(head).succeedsWithin(Duration.ofSeconds(10)).satisfies(this::release);
	}

	@Test
	void waitEndsAtItsDeadlineWithADeadlineRejection() {
		QuotaSettings settings = settings(
				TestSettings.pool("deadline").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1),
				NO_HEARTBEAT);
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		this.engine.acquire(request(Duration.ZERO));

		CompletableFuture<QuotaLease> waiting = this.engine.acquireAsync(request(Duration.ofMillis(200)));

		assertThat(waiting).failsWithin(Duration.ofSeconds(10))
			.withThrowableThat()
			.havingCause()
			.isInstanceOfSatisfying(QuotaRejectedException.class, (ex) -> {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE);
				assertThat(ex.getPool()).isEqualTo("deadline");
			});
	}

	@Test
	void heartbeatAdmitsAWaitingCallerWhoseNewsWasLost() {
		QuotaSettings settings = settings(
				TestSettings.pool("lost-news").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1),
				Duration.ofMillis(100));
		this.engine = new DefaultQuotaEngine(settings, new DeafStore(new InMemoryQuotaStore(settings)));
		QuotaLease first = this.engine.acquire(request(Duration.ZERO));
		CompletableFuture<QuotaLease> second = this.engine.acquireAsync(request(Duration.ofMinutes(1)));

		first.settle(TokenUsage.of(1, 1));

		assertThat(second).succeedsWithin(Duration.ofSeconds(10)).satisfies(this::release);
	}

	@Test
	void interruptedCallerIsToldWhichPoolItWasWaitingFor() throws Exception {
		QuotaSettings settings = settings(
				TestSettings.pool("interrupted").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1),
				NO_HEARTBEAT);
		InMemoryQuotaStore store = new InMemoryQuotaStore(settings);
		this.engine = new DefaultQuotaEngine(settings, store);
		this.engine.acquire(request(Duration.ZERO));
		AtomicReference<QuotaRejectedException> failure = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(1);
		Thread waiter = new Thread(() -> {
			try {
				this.engine.acquire(request(Duration.ofMinutes(1)));
			}
			catch (QuotaRejectedException ex) {
				failure.set(ex);
			}
			done.countDown();
		});
		waiter.start();
		PoolSpec pool = settings.pools().get("interrupted");
		await().atMost(Duration.ofSeconds(10)).until(() -> store.snapshot(pool).queued()[2] == 1);

		waiter.interrupt();

		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(failure.get().getPool()).isEqualTo("interrupted");
		assertThat(failure.get().getReason()).isEqualTo(RejectionReason.CANCELLED);
	}

	@Test
	void closingTheEngineWithdrawsItsWaitingTicketsAndStopsTheStoreOnce() {
		QuotaSettings settings = settings(
				TestSettings.pool("closing").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1), NO_HEARTBEAT);
		InMemoryQuotaStore memory = new InMemoryQuotaStore(settings);
		AtomicInteger stops = new AtomicInteger();
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, new ForwardingQuotaStore(memory) {

			@Override
			public void stop() {
				stops.incrementAndGet();
				super.stop();
			}

		});
		engine.acquire(request(Duration.ZERO));
		engine.acquireAsync(request(Duration.ofMinutes(1)));
		PoolSpec pool = settings.pools().get("closing");
		assertThat(memory.snapshot(pool).queued()[2]).isOne();

		engine.close();

		// The first close does the work, not merely the second.
		assertThat(memory.snapshot(pool).queued()[2]).isZero();
		assertThat(stops).hasValue(1);
		engine.close();
		assertThat(stops).hasValue(1);
	}

	@Test
	void engineThreadNeverKeepsTheJvmAlive() {
		QuotaSettings settings = settings(TestSettings.pool("daemon").limit(Dimension.REQUESTS_PER_MINUTE, 100),
				NO_HEARTBEAT);
		this.engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings));
		release(this.engine.acquire(request(Duration.ZERO)));

		assertThat(Thread.getAllStackTraces().keySet())
			.filteredOn((thread) -> thread.getName().equals("llm-quota-" + this.engine.getWorkerId()))
			.isNotEmpty()
			.allMatch(Thread::isDaemon);
	}

	private void release(QuotaLease lease) {
		lease.release(CallOutcome.NOT_SENT);
	}

	private static QuotaSettings settings(TestSettings pool, Duration heartbeat) {
		QuotaSettings built = pool.build();
		return new QuotaSettings(built.models(), built.classes(), "NORMAL", built.leaseTimeout(), built.queueCapacity(),
				heartbeat, built.feedback(), built.admissionLookahead());
	}

	private static QuotaRequest request(Duration maxWait) {
		return QuotaRequest.builder("model").maxWait(maxWait).build();
	}

	private static QuotaRequest critical(Duration maxWait) {
		return QuotaRequest.builder("model").priority(Priority.CRITICAL).maxWait(maxWait).build();
	}

	/**
	 * A store whose news never arrives, as when a pub/sub message is lost.
	 */
	private static final class DeafStore extends ForwardingQuotaStore {

		DeafStore(QuotaStore delegate) {
			super(delegate);
		}

		@Override
		public void start(String workerId, AdmissionListener listener) {
			super.start(workerId, AdmissionListener.none());
		}

	}

}
