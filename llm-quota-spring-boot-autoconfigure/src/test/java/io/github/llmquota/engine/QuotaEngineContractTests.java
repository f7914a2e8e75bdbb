package io.github.llmquota.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * What a caller of any {@link DefaultQuotaEngine} sees, on real time: waiting, grants,
 * deadlines, interruption and bad input. Subclasses supply the store.
 */
public abstract class QuotaEngineContractTests {

	private DefaultQuotaEngine engine;

	/**
	 * Create the store under test on real time.
	 * @param settings the settings
	 * @return a store, not yet started
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings);

	/**
	 * Return how many tickets wait in a pool, as the store itself records them.
	 * @param pool the pool
	 * @return the number of waiting tickets
	 */
	protected abstract long waitingTickets(String pool);

	@AfterEach
	protected void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
			this.engine = null;
		}
	}

	@Test
	void blockedCallerIsAdmittedAsSoonAsAnotherCallSettles() throws Exception {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("settle-wakes").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1));
		QuotaLease first = engine.acquire(request(Priority.INTERACTIVE, Duration.ofSeconds(20)));
		CompletableFuture<QuotaLease> second = engine
			.acquireAsync(request(Priority.INTERACTIVE, Duration.ofSeconds(20)));
		assertThat(second).isNotDone();

		first.settle(TokenUsage.of(10, 10));

		QuotaLease lease = second.get(10, TimeUnit.SECONDS);
		assertThat(lease.pool()).isEqualTo("settle-wakes");
		lease.settle(TokenUsage.of(10, 10));
	}

	@Test
	void waitBudgetRunsOutWithADeadlineRejectionAndLeavesNoTicket() {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("deadline").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1));
		engine.acquire(request(Priority.INTERACTIVE, Duration.ZERO));

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> engine.acquire(request(Priority.INTERACTIVE, Duration.ofMillis(300))))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE))
			.withMessageContaining("deadline");
		assertThat(waitingTickets("deadline")).isZero();
	}

	@Test
	void interruptedWaiterWithdrawsItsTicketAndKeepsTheInterruptFlag() throws Exception {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("interrupt").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1));
		engine.acquire(request(Priority.INTERACTIVE, Duration.ZERO));
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicBoolean stillInterrupted = new AtomicBoolean();
		CountDownLatch done = new CountDownLatch(1);
		Thread waiter = new Thread(() -> {
			try {
				engine.acquire(request(Priority.INTERACTIVE, Duration.ofSeconds(30)));
			}
			catch (RuntimeException ex) {
				failure.set(ex);
				stillInterrupted.set(Thread.currentThread().isInterrupted());
			}
			done.countDown();
		});
		waiter.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> waitingTickets("interrupt") == 1);

		waiter.interrupt();

		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(failure.get()).isInstanceOfSatisfying(QuotaRejectedException.class,
				(ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.CANCELLED));
		assertThat(stillInterrupted).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> waitingTickets("interrupt") == 0);
	}

	@Test
	void cancellingTheFutureWithdrawsTheTicketAndHoldsNoCapacity() throws Exception {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("cancel").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1));
		QuotaLease first = engine.acquire(request(Priority.INTERACTIVE, Duration.ZERO));
		CompletableFuture<QuotaLease> waiting = engine
			.acquireAsync(request(Priority.INTERACTIVE, Duration.ofSeconds(30)));

		waiting.cancel(true);
		await().atMost(Duration.ofSeconds(10)).until(() -> waitingTickets("cancel") == 0);
		first.settle(TokenUsage.of(1, 1));

		assertThat(engine.acquire(request(Priority.INTERACTIVE, Duration.ofSeconds(5)))).isNotNull();
	}

	@Test
	void requestThatCanNeverFitIsRejectedAtOnceNamingTheArgumentAndTheLimit() {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("too-large").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 30_000));
		QuotaRequest request = QuotaRequest.builder("model").inputTokens(40_000).maxWait(Duration.ofMinutes(5)).build();

		long start = System.nanoTime();
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> engine.acquire(request))
			.satisfies((ex) -> {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.CANNOT_FIT);
				assertThat(ex.isRetryable()).isFalse();
			})
			.withMessageContaining("inputTokens=40000")
			.withMessageContaining("allows only 30000")
			.withMessageContaining("INPUT_TOKENS_PER_MINUTE");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
		assertThat(waitingTickets("too-large")).isZero();
	}

	@Test
	void requestLargerThanTheConfiguredLimitIsAdmittedOnceAnOperatorRaisedIt() {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("raised").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 30_000));
		QuotaRequest request = QuotaRequest.builder("model").inputTokens(40_000).maxWait(Duration.ZERO).build();

		engine.changeLive("raised",
				new LiveSettings(Map.of(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000L), null, null, null));

		engine.acquire(request).release(CallOutcome.NOT_SENT);
	}

	@Test
	void requestWithinTheConfiguredLimitCanNeverFitOnceAnOperatorLoweredIt() {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("lowered").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 30_000));
		QuotaRequest request = QuotaRequest.builder("model").inputTokens(20_000).maxWait(Duration.ofMinutes(5)).build();

		engine.changeLive("lowered",
				new LiveSettings(Map.of(Dimension.INPUT_TOKENS_PER_MINUTE, 10_000L), null, null, null));

		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> engine.acquire(request))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.CANNOT_FIT))
			.withMessageContaining("allows only 10000");
		assertThat(waitingTickets("lowered")).isZero();
	}

	@Test
	void unknownModelOrPriorityClassIsAnImmediateArgumentError() {
		DefaultQuotaEngine engine = engine(TestSettings.pool("names").limit(Dimension.REQUESTS_PER_MINUTE, 10));

		assertThatIllegalArgumentException().isThrownBy(() -> engine.acquire(QuotaRequest.builder("gpt-9").build()))
			.withMessageContaining("Unknown model 'gpt-9'")
			.withMessageContaining("llm.quota.models");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> engine.acquire(QuotaRequest.builder("model").priority("URGENT").build()))
			.withMessageContaining("Unknown priority class 'URGENT'")
			.withMessageContaining("INTERACTIVE");
	}

	@Test
	void sheddingTheLowestClassRejectsAndWithdrawsItWhileHigherClassesKeepWaiting() {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("shed-lowest").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1));
		QuotaLease first = engine.acquire(request(Priority.INTERACTIVE, Duration.ZERO));
		CompletableFuture<QuotaLease> background = engine
			.acquireAsync(request(Priority.BACKGROUND, Duration.ofSeconds(30)));
		CompletableFuture<QuotaLease> normal = engine.acquireAsync(request(Priority.NORMAL, Duration.ofSeconds(30)));

		engine.shedLowestClass("shed-lowest", true);

		assertThat(background).failsWithin(Duration.ofSeconds(5))
			.withThrowableThat()
			.havingCause()
			.isInstanceOfSatisfying(QuotaRejectedException.class,
					(ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.SHED));
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> engine.acquire(request(Priority.BACKGROUND, Duration.ofSeconds(30))))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.SHED));
		first.settle(TokenUsage.of(1, 1));
		assertThat(normal).succeedsWithin(Duration.ofSeconds(10)).isNotNull();
		assertThat(waitingTickets("shed-lowest")).isZero();
		engine.shedLowestClass("shed-lowest", false);
	}

	@Test
	void negativeTokenCountsAreRejectedNamingTheArgument() {
		assertThatIllegalArgumentException().isThrownBy(() -> QuotaRequest.builder("model").inputTokens(-1).build())
			.withMessageContaining("inputTokens");
		assertThatIllegalArgumentException().isThrownBy(() -> QuotaRequest.builder("model").maxOutputTokens(-5).build())
			.withMessageContaining("maxOutputTokens");
	}

	@Test
	void callThatReEntersWithItsLeasesArrivalIsAdmittedBeforeALaterCallOfItsClassAndKeepsThatArrival()
			throws Exception {
		DefaultQuotaEngine engine = engine(
				TestSettings.pool("re-entry").limit(Dimension.REQUESTS_PER_MINUTE, 100).maxConcurrency(1));
		QuotaLease first = engine.acquire(request(Priority.NORMAL, Duration.ZERO));
		assertThat(first.arrival()).isPositive();
		CompletableFuture<QuotaLease> later = engine.acquireAsync(request(Priority.NORMAL, Duration.ofSeconds(20)));
		// The governor's re-entry after a 429, made here while the slot is still held.
		CompletableFuture<QuotaLease> reEntry = engine.acquireAsync(QuotaRequest.builder("model")
			.priority(Priority.NORMAL)
			.inputTokens(10)
			.maxOutputTokens(10)
			.maxWait(Duration.ofSeconds(20))
			.arrival(first.arrival())
			.build());

		first.release(CallOutcome.FAILED);

		QuotaLease reEntered = reEntry.get(10, TimeUnit.SECONDS);
		assertThat(later).isNotDone();
		assertThat(reEntered.arrival()).isEqualTo(first.arrival());
		reEntered.settle(TokenUsage.of(10, 10));
		QuotaLease afterwards = later.get(10, TimeUnit.SECONDS);
		assertThat(afterwards.arrival()).isGreaterThan(first.arrival());
		afterwards.settle(TokenUsage.of(10, 10));
	}

	@Test
	void negativeArrivalIsRejectedAsBadInput() {
		assertThatIllegalArgumentException().isThrownBy(() -> QuotaRequest.builder("model").arrival(-1).build())
			.withMessageContaining("arrival");
	}

	private DefaultQuotaEngine engine(TestSettings settings) {
		QuotaSettings built = settings.build();
		this.engine = new DefaultQuotaEngine(built, createStore(built));
		return this.engine;
	}

	private static QuotaRequest request(String priority, Duration maxWait) {
		return QuotaRequest.builder("model")
			.priority(priority)
			.inputTokens(10)
			.maxOutputTokens(10)
			.maxWait(maxWait)
			.build();
	}

}
