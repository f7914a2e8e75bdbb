package io.github.llmquota.actuate.alert;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.RetryAfterSource;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link QuotaThresholdMonitor}. Utilisation is driven by real admissions (one
 * request = 1 % of a 100 requests-per-minute pool) and refunds, on a store whose clock
 * stands still, and each check is triggered by the test.
 */
@ExtendWith(OutputCaptureExtension.class)
class QuotaThresholdMonitorTests {

	private final QuotaSettings settings = TestSettings.pool("pool")
		.limit(Dimension.REQUESTS_PER_MINUTE, 100)
		.noReserves()
		.build();

	private final InMemoryQuotaStore store = new InMemoryQuotaStore(this.settings, () -> 1_000_000L);

	private final DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store);

	private final List<LlmQuotaThresholdEvent> events = new ArrayList<>();

	private final Deque<QuotaLease> leases = new ArrayDeque<>();

	private final QuotaThresholdMonitor monitor = new QuotaThresholdMonitor(this.engine, QuotaThresholds.DEFAULTS,
			Duration.ofSeconds(5), (event) -> this.events.add((LlmQuotaThresholdEvent) event), this.engine);

	@AfterEach
	void close() {
		this.monitor.stop();
		this.engine.close();
	}

	@Test
	void utilisationHoveringAroundTheWarnThresholdPublishesOneEventAndLogsOneLine(CapturedOutput output) {
		useUpTo(80);
		this.monitor.check();
		refund(2);
		this.monitor.check();
		useUpTo(81);
		this.monitor.check();
		refund(5);
		this.monitor.check();
		useUpTo(80);
		this.monitor.check();

		assertThat(this.events).singleElement().satisfies((event) -> {
			assertThat(event.getPool()).isEqualTo("pool");
			assertThat(event.getDimension()).isEqualTo(Dimension.REQUESTS_PER_MINUTE);
			assertThat(event.getPreviousStatus()).isEqualTo(QuotaStatus.OK);
			assertThat(event.getStatus()).isEqualTo(QuotaStatus.WARN);
			assertThat(event.getUtilisation()).isEqualTo(0.80);
		});
		// The capture is the whole JVM's: monitors of other tests' pools may log
		// meanwhile.
		assertThat(output.getOut().lines().filter((line) -> line.contains("pool 'pool' requests-per-minute is")))
			.singleElement()
			.satisfies((line) -> assertThat(line).contains("WARN", "pool 'pool' requests-per-minute is WARN (was OK)",
					"80.0%"));
		assertThat(this.monitor.getLastCheck("pool").status()).isEqualTo(QuotaStatus.WARN);
	}

	@Test
	void poolAtItsCeilingWithNoQueueIsCriticalButStillAdmitsItsBackgroundWorkWithinItsWaitBudget() {
		useUpTo(100);
		CompletableFuture<QuotaLease> background = waitFor(Priority.BACKGROUND);
		this.monitor.check();

		assertThat(this.events).extracting(LlmQuotaThresholdEvent::getStatus).containsExactly(QuotaStatus.CRITICAL);
		assertThat(this.monitor.getLastCheck("pool").shedding()).isFalse();
		assertThat(background).as("waits for its turn, not shed").isNotDone();
		background.cancel(false);
	}

	@Test
	void sheddingOnUtilisationAloneIsCaughtByTheCeilingTest() {
		// The rule pressure replaced: the ceiling test above must tell it apart.
		QuotaThresholdMonitor utilisationAlone = new QuotaThresholdMonitor(this.engine, QuotaThresholds.DEFAULTS,
				Duration.ofSeconds(5), (event) -> {
				}, this.engine, Clock.systemUTC(), (state, status) -> status == QuotaStatus.CRITICAL);
		useUpTo(100);
		CompletableFuture<QuotaLease> background = waitFor(Priority.BACKGROUND);
		utilisationAlone.check();

		assertThat(utilisationAlone.getLastCheck("pool").shedding()).isTrue();
		assertThat(background).isCompletedExceptionally();
	}

	@Test
	void queueThatTakesLongerThanTheBoundToDrainShedsTheLowestClassUntilItDrainsFaster(CapturedOutput output) {
		useUpTo(100);
		// One admission every 600 ms: nine waiting take 5.4 s to drain, over the 5 s
		// bound.
		List<CompletableFuture<QuotaLease>> waiting = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			waiting.add(waitFor(Priority.NORMAL));
		}
		CompletableFuture<QuotaLease> background = waitFor(Priority.BACKGROUND);
		this.monitor.check();

		assertThat(this.monitor.getLastCheck("pool").shedding()).isTrue();
		assertThat(catchThrowableOfType(background::join, CompletionException.class).getCause()).isInstanceOfSatisfying(
				QuotaRejectedException.class, (ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.SHED));
		assertThat(rejection(Priority.BACKGROUND)).isEqualTo(RejectionReason.SHED);
		assertThat(output).contains("pool 'pool' is under pressure (9 queued",
				"this JVM sheds its BACKGROUND requests");

		waiting.subList(0, 5).forEach((future) -> future.cancel(false));
		this.monitor.check();
		assertThat(this.monitor.getLastCheck("pool").shedding()).isFalse();
		assertThat(output)
			.contains("pool 'pool' is no longer under pressure: this JVM admits BACKGROUND requests again");
		waiting.forEach((future) -> future.cancel(false));
	}

	@Test
	void providerRateLimitShedsTheLowestClassAtLowUtilisation() {
		acquire(Priority.CRITICAL).release(CallOutcome.FAILED,
				ProviderFeedback.builder(429)
					.classify(ErrorClass.RATE_LIMITED)
					.retryAfter(Duration.ofSeconds(30), RetryAfterSource.RETRY_AFTER_SECONDS)
					.build());
		this.monitor.check();

		assertThat(this.monitor.getLastCheck("pool").status()).isEqualTo(QuotaStatus.COOLDOWN);
		assertThat(this.monitor.getLastCheck("pool").shedding()).isTrue();
	}

	@Test
	void withoutMitigationACriticalPoolStillAdmitsTheLowestClass() {
		QuotaThresholdMonitor observer = new QuotaThresholdMonitor(this.engine, QuotaThresholds.DEFAULTS,
				Duration.ofSeconds(5), (event) -> this.events.add((LlmQuotaThresholdEvent) event), null);
		useUpTo(95);
		observer.check();

		assertThat(observer.getLastCheck("pool").status()).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(observer.getLastCheck("pool").shedding()).isFalse();
		assertThat(acquire(Priority.BACKGROUND)).isNotNull();
	}

	@Test
	void failingEventListenerDoesNotStopTheMitigation() {
		QuotaThresholdMonitor monitor = new QuotaThresholdMonitor(this.engine, QuotaThresholds.DEFAULTS, Duration.ZERO,
				Duration.ofSeconds(5), (event) -> {
					throw new IllegalStateException("listener bug");
				}, this.engine);
		useUpTo(100);
		CompletableFuture<QuotaLease> waiting = waitFor(Priority.NORMAL);
		monitor.check();

		assertThat(monitor.getLastCheck("pool").shedding()).isTrue();
		assertThat(rejection(Priority.BACKGROUND)).isEqualTo(RejectionReason.SHED);
		waiting.cancel(false);
		monitor.stop();
	}

	@Test
	void monitorStartsAfterTheEngineAndStopsBeforeIt() {
		assertThat(QuotaThresholdMonitor.PHASE).isGreaterThan(DefaultQuotaEngine.PHASE);
	}

	@Test
	void startedMonitorChecksOnItsOwnThread() {
		useUpTo(85);
		this.monitor.start();

		await().atMost(Duration.ofSeconds(30)).until(() -> this.monitor.getLastCheck("pool") != null);
		assertThat(this.monitor.isRunning()).isTrue();
		assertThat(this.monitor.getLastCheck("pool").status()).isEqualTo(QuotaStatus.WARN);
		this.monitor.stop();
		assertThat(this.monitor.isRunning()).isFalse();
	}

	private void useUpTo(int requests) {
		while (this.leases.size() < requests) {
			this.leases.push(acquire(Priority.CRITICAL));
		}
	}

	private void refund(int requests) {
		for (int i = 0; i < requests; i++) {
			this.leases.pop().release(CallOutcome.NOT_SENT);
		}
	}

	private QuotaLease acquire(String priority) {
		return this.engine.acquire(QuotaRequest.builder("model").priority(priority).maxWait(Duration.ZERO).build());
	}

	private CompletableFuture<QuotaLease> waitFor(String priority) {
		CompletableFuture<QuotaLease> future = this.engine
			.acquireAsync(QuotaRequest.builder("model").priority(priority).maxWait(Duration.ofMinutes(1)).build());
		assertThat(future).as("waits").isNotDone();
		return future;
	}

	private RejectionReason rejection(String priority) {
		return catchThrowableOfType(() -> acquire(priority), QuotaRejectedException.class).getReason();
	}

}
