package io.github.llmquota.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import reactor.core.publisher.Mono;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link BatchValve} and {@link BatchLedger}, on a real Redis shared by several
 * valves that stand for the instances of a fleet, and a provider's batch API in memory
 * ({@link StubBatchProvider}).
 */
class BatchValveTests {

	private static final Duration IMMEDIATELY = Duration.ZERO;

	private static final Duration A_DAY = Duration.ofDays(1);

	private final String prefix = "b" + UUID.randomUUID().toString().substring(0, 8);

	private final QuotaSettings quotaSettings = TestSettings.pool("pool")
		.limit(Dimension.REQUESTS_PER_MINUTE, 3)
		.noReserves()
		.build();

	private final StubBatchProvider provider = new StubBatchProvider();

	private final List<BatchItemResult> orphans = Collections.synchronizedList(new ArrayList<>());

	private final List<CompletableFuture<QuotaLease>> waiting = new ArrayList<>();

	private LettuceConnectionFactory factory;

	private StringRedisTemplate redis;

	private DefaultQuotaEngine engine;

	@BeforeEach
	void connect() {
		this.factory = TestRedis.shared().connectionFactory();
		this.redis = new StringRedisTemplate(this.factory);
		this.engine = new DefaultQuotaEngine(this.quotaSettings,
				new RedisQuotaStore(this.factory, this.quotaSettings, this.prefix));
	}

	@AfterEach
	void close() {
		this.waiting.forEach((future) -> future.cancel(false));
		this.engine.close();
		this.factory.destroy();
	}

	@Test
	void deferrableCallIsMadeDirectlyWhileItsPoolIsNotUnderPressure() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		useUp(3);

		String answer = valve.call(deferrable(true), "summary", String::valueOf, () -> "direct").join();

		assertThat(answer).as("at its ceiling with nobody waiting, not under pressure").isEqualTo("direct");
		assertThat(valve.deferredCount()).isZero();
		valve.work();
		assertThat(this.provider.batches).isEmpty();
	}

	@Test
	void underPressureADeferrableCallGoesToTheBatchApiAndCompletesWhenItsBatchEnds() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		putUnderPressure();

		CompletableFuture<String> deferred = valve.call(deferrable(true), "summary", String::valueOf, () -> "direct");
		String direct = valve.call(deferrable(false), "chat", String::valueOf, () -> "direct").join();

		assertThat(direct).as("a call that is not deferrable is never deferred").isEqualTo("direct");
		assertThat(deferred).isNotDone();
		valve.work();
		assertThat(this.provider.batches).singleElement()
			.satisfies((batch) -> assertThat(batch).extracting(BatchItem::body).containsExactly("summary"));
		assertThat(valve.ledger().batches("pool")).isOne();
		assertThat(deferred).isNotDone();

		this.provider.ended = true;
		workUntilDone(valve, deferred);
		assertThat(deferred.join()).isEqualTo("SUMMARY");
		assertThat(valve.ledger().batches("pool")).isZero();
		assertThat(valve.ledger().queued("pool")).isZero();
	}

	@Test
	void underPressureACallOfAProviderWithoutABatchApiHereIsMadeDirectly() {
		StubBatchProvider openAi = new StubBatchProvider() {

			@Override
			public Provider provider() {
				return Provider.OPENAI;
			}

		};
		BatchValve valve = new BatchValve(this.engine, this.quotaSettings, settings(10, IMMEDIATELY, 100),
				new BatchLedger(this.redis, this.prefix), List.of(openAi), this.orphans::add, BatchPrices.NONE);
		putUnderPressure();

		String answer = valve.call(deferrable(true), "summary", String::valueOf, () -> "direct").join();

		assertThat(answer).as("the pool is Anthropic's, the valve has OpenAI's batch API only").isEqualTo("direct");
		assertThat(ReactorBatchCalls.call(valve, deferrable(true), "summary", String::valueOf, Mono.just("direct"))
			.block()).isEqualTo("direct");
		assertThat(valve.batches("model")).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> valve.defer("model", "summary"))
			.withMessageContaining("ANTHROPIC")
			.withMessageContaining("no batch API");
		valve.work();
		assertThat(openAi.batches).isEmpty();
	}

	@Test
	void twoBatchApisForOneProviderAreRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new BatchValve(this.engine, this.quotaSettings, settings(10, IMMEDIATELY, 100),
					new BatchLedger(this.redis, this.prefix), List.of(this.provider, new StubBatchProvider()), null,
					BatchPrices.NONE))
			.withMessageContaining("Two batch APIs for provider ANTHROPIC");
	}

	@Test
	void deferrableCallShedWhileItWaitedGoesToTheBatchApiAndOtherRejectionsStay() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		Supplier<String> shed = () -> {
			throw new QuotaRejectedException("pool", RejectionReason.SHED, Duration.ofSeconds(1), "shed");
		};
		Supplier<String> userLimit = () -> {
			throw new QuotaRejectedException("pool", RejectionReason.USER_LIMIT, Duration.ofSeconds(1), "user");
		};

		CompletableFuture<String> deferred = valve.call(deferrable(true), "summary", String::valueOf, shed);
		CompletableFuture<String> notDeferrable = valve.call(deferrable(false), "chat", String::valueOf, shed);
		CompletableFuture<String> overItsOwnLimit = valve.call(deferrable(true), "mine", String::valueOf, userLimit);

		assertThat(failure(notDeferrable)).isInstanceOf(QuotaRejectedException.class);
		assertThat(failure(overItsOwnLimit)).isInstanceOf(QuotaRejectedException.class);
		assertThat(valve.deferredCount()).isOne();
		this.provider.ended = true;
		workUntilDone(valve, deferred);
		assertThat(deferred.join()).isEqualTo("SUMMARY");
	}

	@Test
	void reactiveCallerGetsAMonoThatIsDirectWithoutPressureAndDeferredUnderIt() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		assertThat(ReactorBatchCalls.call(valve, deferrable(true), "summary", String::valueOf, Mono.just("direct"))
			.block(Duration.ofSeconds(30))).isEqualTo("direct");
		// Without pressure, a direct call that is shed goes to the batch API too.
		this.provider.ended = true;
		CompletableFuture<String> shed = ReactorBatchCalls
			.call(valve, deferrable(true), "shed", String::valueOf,
					Mono.error(new QuotaRejectedException("pool", RejectionReason.SHED, Duration.ZERO, "shed")))
			.toFuture();
		workUntilDone(valve, shed);
		assertThat(shed.join()).isEqualTo("SHED");
		putUnderPressure();

		CompletableFuture<String> deferred = ReactorBatchCalls
			.call(valve, deferrable(true), "summary", String::valueOf, Mono.error(new AssertionError("not direct")))
			.toFuture();
		await().atMost(Duration.ofSeconds(30)).until(() -> valve.deferredCount() == 2);

		workUntilDone(valve, deferred);
		assertThat(deferred.join()).isEqualTo("SUMMARY");

	}

	@Test
	void deferredCallsAreGroupedUpToTheBatchSizeAndTheRestWaitsForItsAge() {
		BatchValve valve = valve(settings(3, Duration.ofHours(1), 100));
		for (int i = 0; i < 7; i++) {
			valve.defer("model", "call " + i);
		}

		valve.work();

		assertThat(this.provider.batches).extracting(List::size).containsExactly(3, 3);
		assertThat(valve.ledger().pending("pool")).isOne();

		BatchValve aged = valve(settings(3, IMMEDIATELY, 100));
		aged.work();
		assertThat(this.provider.batches).extracting(List::size).containsExactly(3, 3, 1);
		assertThat(this.provider.batches.stream().flatMap(List::stream).map(BatchItem::body))
			.containsExactlyInAnyOrder("call 0", "call 1", "call 2", "call 3", "call 4", "call 5", "call 6");
	}

	@Test
	void processingQueueLimitIsCountedFleetWideAndFreedWhenABatchEnds() {
		BatchValve first = valve(settings(10, IMMEDIATELY, 2));
		BatchValve second = valve(settings(10, IMMEDIATELY, 2));
		CompletableFuture<BatchItemResult> a = first.defer("model", "a");
		CompletableFuture<BatchItemResult> b = second.defer("model", "b");
		first.work();
		CompletableFuture<BatchItemResult> c = second.defer("model", "c");

		second.work();

		assertThat(this.provider.submittedCalls()).isEqualTo(2);
		assertThat(first.ledger().queued("pool")).isEqualTo(2);
		assertThat(first.ledger().pending("pool")).isOne();

		this.provider.ended = true;
		workUntilDone(first, a);
		workUntilDone(second, b);
		second.work();
		assertThat(this.provider.submittedCalls()).isEqualTo(3);
		workUntilDone(second, c);
		assertThat(c.join().body()).isEqualTo("C");
	}

	@Test
	void enqueuedTokenLimitIsCountedFleetWideAndFreedWhenABatchEnds() {
		BatchSettings tokens = new BatchSettings(IMMEDIATELY, 10, IMMEDIATELY, 100, Duration.ofMillis(1),
				Duration.ofMillis(1), Duration.ofSeconds(1), A_DAY, 100);
		BatchValve first = valve(tokens);
		BatchValve second = valve(tokens);
		CompletableFuture<BatchItemResult> a = first.defer("model", "a", 60);
		CompletableFuture<BatchItemResult> b = second.defer("model", "b", 60);

		first.work();
		second.work();

		assertThat(this.provider.submittedCalls()).as("b's 60 tokens do not fit beside a's 60 in 100").isOne();
		assertThat(first.ledger().queuedTokens("pool")).isEqualTo(60);
		assertThat(first.ledger().pending("pool")).isOne();
		this.provider.ended = true;
		workUntilDone(first, a);
		workUntilDone(second, b);
		assertThat(this.provider.batches).extracting(List::size).containsExactly(1, 1);
		assertThat(first.ledger().queuedTokens("pool")).isZero();

		// One call larger than the whole limit still goes, alone, into an empty queue.
		CompletableFuture<BatchItemResult> large = first.defer("model", "large", 500);
		workUntilDone(first, large);
		assertThat(large.join().body()).isEqualTo("LARGE");
	}

	@Test
	void enqueuedTokenCheckCatchesAValveThatIgnoresTheLimit() {
		// The property the test above guards, broken: no token limit passed to the
		// ledger.
		BatchValve unlimited = valve(settings(10, IMMEDIATELY, 100));
		unlimited.defer("model", "a", 60);
		unlimited.defer("model", "b", 60);

		unlimited.work();

		assertThat(this.provider.submittedCalls()).as("what the token-limit assertion would reject").isEqualTo(2);
		assertThat(unlimited.ledger().queuedTokens("pool")).isEqualTo(120);
	}

	@Test
	void refusedBatchIsSentAgainLater() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		CompletableFuture<BatchItemResult> deferred = valve.defer("model", "summary");
		this.provider.refusal = new IllegalStateException("batch endpoint down");

		valve.work();

		assertThat(valve.ledger().pending("pool")).isOne();
		assertThat(valve.ledger().queued("pool")).isZero();
		this.provider.refusal = null;
		this.provider.ended = true;
		workUntilDone(valve, deferred);
		assertThat(deferred.join().body()).isEqualTo("SUMMARY");
	}

	@Test
	void batchTheProviderEndedUnrunIsSentAgainAndItsCallsComplete() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		CompletableFuture<BatchItemResult> deferred = valve.defer("model", "summary", 40);
		valve.work();
		this.provider.refuseNextPoll = true;
		this.provider.ended = true;

		workUntilDone(valve, deferred);

		assertThat(deferred.join().body()).isEqualTo("SUMMARY");
		assertThat(this.provider.batches).as("the refused batch, then the same call again").hasSize(2);
		assertThat(valve.ledger().queued("pool")).isZero();
		assertThat(valve.ledger().queuedTokens("pool")).isZero();
		assertThat(valve.ledger().requeue("pool", "msgbatch_0")).as("requeued once only").isFalse();
	}

	@Test
	void aCallerWaitsNoLongerThanTheResultTimeoutAndALaterResultGoesToTheListener() {
		BatchValve valve = valve(new BatchSettings(IMMEDIATELY, 10, IMMEDIATELY, 100, Duration.ofMillis(1),
				Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ofMillis(50)));
		CompletableFuture<BatchItemResult> slow = valve.defer("model", "slow");
		valve.work();

		// A guard against waiting forever, not a speed target.
		assertThat(slow).failsWithin(Duration.ofSeconds(30));
		assertThat(failure(slow)).hasMessageContaining("llm.quota.batch.result-timeout")
			.satisfies((ex) -> assertThat(((DeferredCallException) ex).getResult().outcome())
				.isEqualTo(BatchItemResult.Outcome.TIMED_OUT));

		this.provider.ended = true;
		for (int i = 0; i < 50 && this.orphans.isEmpty(); i++) {
			valve.work();
		}
		assertThat(this.orphans).extracting(BatchItemResult::body).containsExactly("SLOW");
	}

	@Test
	void erroredAndExpiredCallsComeBackAsClearErrors() {
		BatchValve valve = valve(settings(10, IMMEDIATELY, 100));
		this.provider.outcomes.put("bad", BatchItemResult.Outcome.ERRORED);
		this.provider.outcomes.put("late", BatchItemResult.Outcome.EXPIRED);
		CompletableFuture<BatchItemResult> bad = valve.defer("model", "bad");
		CompletableFuture<BatchItemResult> late = valve.defer("model", "late");
		this.provider.ended = true;

		workUntilDone(valve, late);
		workUntilDone(valve, bad);

		assertThat(failure(late)).hasMessageContaining("was not answered by the provider's batch: expired")
			.satisfies((ex) -> assertThat(((DeferredCallException) ex).getResult().outcome())
				.isEqualTo(BatchItemResult.Outcome.EXPIRED));
		assertThat(failure(bad)).hasMessageContaining("errored (stub says ERRORED)");
	}

	@Test
	void pollingBacksOffByDoublingUpToTheLongestInterval() {
		BatchSettings settings = new BatchSettings(IMMEDIATELY, 10, IMMEDIATELY, 100, Duration.ofMillis(1),
				Duration.ofMillis(16), Duration.ofSeconds(1), A_DAY);
		BatchValve valve = valve(settings);
		valve.defer("model", "summary");
		valve.work();

		await().atMost(Duration.ofSeconds(30)).until(() -> {
			valve.work();
			return this.provider.polls.get() >= 6;
		});

		String record = (String) this.redis.opsForHash().get(this.prefix + ":{pool}:b:k", "msgbatch_0");
		assertThat(record).startsWith("16;");
	}

	@Test
	void batchInFlightWhenItsInstanceStopsIsDeliveredByAnotherToTheListenerExactlyOnce() throws Exception {
		BatchSettings quick = stopInstanceWithABatchInFlight();

		// Two other instances race to poll, complete and deliver, many times over.
		BatchValve other = valve(quick);
		BatchValve third = valve(quick);
		ExecutorService threads = Executors.newFixedThreadPool(2);
		CountDownLatch start = new CountDownLatch(1);
		try {
			List<Future<?>> runs = new ArrayList<>();
			for (BatchValve valve : List.of(other, third)) {
				runs.add(threads.submit(() -> {
					start.await();
					// Until both results are delivered, each round trip pacing the next;
					// the
					// deadline only guards against a hang.
					long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
					while (this.orphans.size() < 2 && System.nanoTime() < deadline) {
						valve.work();
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> run : runs) {
				run.get();
			}
		}
		finally {
			threads.shutdownNow();
		}
		other.work();
		third.work();

		assertThat(this.orphans).extracting(BatchItemResult::body).containsExactlyInAnyOrder("ONE", "TWO");
	}

	@Test
	void moneySavedIsCountedOncePerBatchAtHalfTheListPrice() {
		// Each stub answer bills 1M input and 100k output tokens of claude-sonnet-4-5.
		BatchPrices prices = new BatchPrices(Map.of("claude-sonnet-4-5", 3.0), Map.of("claude-sonnet-4-5", 15.0));
		BatchValve valve = new BatchValve(this.engine, this.quotaSettings, settings(10, IMMEDIATELY, 100),
				new BatchLedger(this.redis, this.prefix), this.provider, this.orphans::add, prices);
		BatchValve other = new BatchValve(this.engine, this.quotaSettings, settings(10, IMMEDIATELY, 100),
				new BatchLedger(this.redis, this.prefix), this.provider, this.orphans::add, prices);
		CompletableFuture<BatchItemResult> first = valve.defer("model", "a");
		CompletableFuture<BatchItemResult> second = valve.defer("model", "b");
		valve.work();
		this.provider.ended = true;

		workUntilDone(valve, first);
		workUntilDone(valve, second);
		other.work();

		assertThat(valve.saved() + other.saved()).isCloseTo(2 * 0.5 * (3.0 + 1.5), within(1e-9));
		assertThat(valve.batchesInFlight()).containsEntry("pool", 0L);
	}

	@Test
	void exactlyOnceCheckCatchesALedgerThatHandsAResultOutTwice() {
		// The property the test above guards, broken: a claim that reads without taking.
		BatchLedger leaky = new BatchLedger(this.redis, this.prefix) {

			private List<String> handedOut = List.of();

			@Override
			public List<String> orphans(String pool, String owner, Duration stale) {
				List<String> claimed = super.orphans(pool, owner, stale);
				if (!claimed.isEmpty()) {
					this.handedOut = claimed;
				}
				return this.handedOut;
			}

		};
		BatchSettings quick = stopInstanceWithABatchInFlight();
		BatchValve other = new BatchValve(this.engine, this.quotaSettings, quick, leaky, this.provider,
				this.orphans::add);

		await().atMost(Duration.ofSeconds(30)).until(() -> {
			other.work();
			return this.orphans.size() >= 2;
		});
		other.work();

		assertThat(this.orphans).extracting(BatchItemResult::body)
			.as("what the exactly-once assertion would reject")
			.hasSizeGreaterThan(2)
			.contains("ONE", "TWO");
	}

	@Test
	void orphanedResultsAreClaimedAtomically() {
		BatchLedger ledger = new BatchLedger(this.redis, this.prefix);
		ledger.defer("pool", new BatchItem("c1", "x"), "gone");
		List<BatchItem> taken = ledger.take("pool", 10, IMMEDIATELY, 100, Duration.ofMinutes(1));
		ledger.submitted("pool", "batch", Duration.ofMinutes(1), taken.stream().map(BatchItem::id).toList());
		assertThat(ledger.complete("pool", "batch", List.of(BatchItemResult.succeeded("c1", "X", null, 0, 0)),
				(r) -> r.body()))
			.isTrue();
		assertThat(ledger.complete("pool", "batch", List.of(BatchItemResult.succeeded("c1", "X", null, 0, 0)),
				(r) -> r.body()))
			.as("a second completion of the same batch")
			.isFalse();

		assertThat(ledger.orphans("pool", "me", IMMEDIATELY)).containsExactly("c1", "X");
		assertThat(ledger.orphans("pool", "me", IMMEDIATELY)).isEmpty();
		assertThat(ledger.claim("pool", "gone")).isEmpty();
	}

	/**
	 * An instance defers two calls, submits their batch and stops; the batch then ends.
	 * @return settings under which the stopped instance is soon silent long enough
	 */
	private BatchSettings stopInstanceWithABatchInFlight() {
		BatchSettings quick = new BatchSettings(IMMEDIATELY, 10, IMMEDIATELY, 100, Duration.ofMillis(1),
				Duration.ofMillis(1), Duration.ofMillis(10), A_DAY);
		BatchValve stopped = valve(quick);
		stopped.defer("model", "one");
		stopped.defer("model", "two");
		stopped.work();
		assertThat(this.provider.submittedCalls()).isEqualTo(2);
		this.provider.ended = true;
		return quick;
	}

	private BatchValve valve(BatchSettings settings) {
		return new BatchValve(this.engine, this.quotaSettings, settings, new BatchLedger(this.redis, this.prefix),
				this.provider, this.orphans::add);
	}

	private static BatchSettings settings(int maxBatchSize, Duration maxBatchAge, long maxQueued) {
		return new BatchSettings(IMMEDIATELY, maxBatchSize, maxBatchAge, maxQueued, Duration.ofMillis(1),
				Duration.ofMillis(1), Duration.ofSeconds(1), A_DAY);
	}

	private static QuotaRequest deferrable(boolean deferrable) {
		return QuotaRequest.builder("model").priority(Priority.BACKGROUND).deferrable(deferrable).build();
	}

	private void useUp(int requests) {
		for (int i = 0; i < requests; i++) {
			this.engine.acquire(QuotaRequest.builder("model").priority(Priority.CRITICAL).build())
				.settle(TokenUsage.of(0, 0));
		}
	}

	// The bucket is empty (it refills one request in 20 s) and a call waits: with a
	// bound of zero, that is pressure.
	private void putUnderPressure() {
		useUp(3);
		CompletableFuture<QuotaLease> future = this.engine.acquireAsync(
				QuotaRequest.builder("model").priority(Priority.CRITICAL).maxWait(Duration.ofMinutes(1)).build());
		assertThat(future).isNotDone();
		this.waiting.add(future);
	}

	private static void workUntilDone(BatchValve valve, CompletableFuture<?> future) {
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			valve.work();
			return future.isDone();
		});
	}

	private static Throwable failure(CompletableFuture<?> future) {
		return catchThrowableOfType(future::join, CompletionException.class).getCause();
	}

}
