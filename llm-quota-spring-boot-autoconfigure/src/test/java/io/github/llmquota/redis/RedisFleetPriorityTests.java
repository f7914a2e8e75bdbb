package io.github.llmquota.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.AdmissionLog;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Three engines, each with its own connections and worker id, share one pool: the
 * fleet-wide waiting room, observed from the server's own admission log, which counts in
 * each admitting call the waiting higher-class tickets that could have been admitted
 * instead.
 */
class RedisFleetPriorityTests {

	private final String prefix = "p" + UUID.randomUUID().toString().substring(0, 8);

	private final List<LettuceConnectionFactory> factories = new ArrayList<>();

	private final List<DefaultQuotaEngine> engines = new ArrayList<>();

	private final List<RedisQuotaStore> stores = new ArrayList<>();

	private StringRedisTemplate template;

	@BeforeEach
	void fleet() {
		// 20 requests per second with a burst of 2: the pool saturates at once.
		QuotaSettings settings = TestSettings.pool("fleet")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1200)
			.burstHorizon(Duration.ofMillis(100))
			.build();
		for (int i = 0; i < 3; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			RedisQuotaStore store = new RedisQuotaStore(factory, settings, this.prefix);
			store.setAdmissionLog(true);
			this.factories.add(factory);
			this.stores.add(store);
			this.engines.add(new DefaultQuotaEngine(settings, store));
		}
		this.template = new StringRedisTemplate(this.factories.get(0));
	}

	@AfterEach
	void stop() {
		this.engines.forEach(DefaultQuotaEngine::close);
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	@Test
	void noLowerClassIsAdmittedWhileAHigherClassWaitsAnywhereInTheFleet() throws Exception {
		List<String> log = admitMixedClasses();

		assertNoInversions(log);
		assertThat(AdmissionLog.parse(log).stream().filter(AdmissionLog.Entry::wasQueued).count())
			.as("most calls had to queue, so order was decided")
			.isGreaterThan(60);
		assertFifoWithinEachClass(log);
	}

	@Test
	void fleetOrderCheckReportsInversionsWhenTheQueueIgnoresClass() throws Exception {
		this.stores.forEach((store) -> store.setArrivalOrderForTesting(true));

		List<String> log = admitMixedClasses();

		assertThat(AdmissionLog.inversions(log)).isNotEmpty();
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertNoInversions(log));
	}

	// 120 calls of mixed classes, spread over the fleet, on a pool that saturates at
	// once.
	private List<String> admitMixedClasses() throws Exception {
		List<String> priorities = List.of(Priority.CRITICAL, Priority.INTERACTIVE, Priority.NORMAL,
				Priority.BACKGROUND);
		ExecutorService callers = Executors.newFixedThreadPool(24);
		ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
		List<CompletableFuture<Void>> calls = new ArrayList<>();
		for (int i = 0; i < 120; i++) {
			DefaultQuotaEngine engine = this.engines.get(i % 3);
			String priority = priorities.get((i * 7) % 4);
			calls.add(CompletableFuture.runAsync(() -> {
				try (QuotaLease lease = engine.acquire(
						QuotaRequest.builder("model").priority(priority).maxWait(Duration.ofSeconds(30)).build())) {
					lease.settle(TokenUsage.of(0, 0));
				}
				catch (QuotaRejectedException ex) {
					unexpected.add(ex);
				}
			}, callers));
		}
		CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		callers.shutdown();
		assertThat(unexpected).isEmpty();
		List<String> log = this.stores.get(0).admissionLog("fleet");
		assertThat(log).hasSize(120);
		return log;
	}

	// The server counted, in each admitting call, the waiting higher-class tickets that
	// fitted.
	private static void assertNoInversions(List<String> log) {
		assertThat(AdmissionLog.inversions(log))
			.as("admissions that overtook a waiting higher-class ticket which could have been admitted first")
			.isEmpty();
	}

	@Test
	void rateLimitSeenByOneEngineCoolsThePoolForTheOthers() {
		QuotaLease lease = this.engines.get(0).acquire(QuotaRequest.builder("model").maxWait(Duration.ZERO).build());

		lease.release(CallOutcome.FAILED, rateLimited(30));

		QuotaRejectedException rejected = catchThrowableOfType(
				() -> this.engines.get(2).acquire(QuotaRequest.builder("model").maxWait(Duration.ofSeconds(1)).build()),
				QuotaRejectedException.class);
		assertThat(rejected.getReason()).isEqualTo(RejectionReason.DEADLINE);
		assertThat(rejected.getRetryAfter()).isGreaterThan(Duration.ofSeconds(25));
	}

	@Test
	void timedOutAndCancelledWaitsLeaveNoTraceInRedis() {
		// A provider 429 cools the pool for 30 s, so nothing can be granted during the
		// test.
		QuotaLease first = this.engines.get(1).acquire(QuotaRequest.builder("model").maxWait(Duration.ZERO).build());
		first.release(CallOutcome.FAILED, rateLimited(30));
		CompletableFuture<QuotaLease> cancelled = this.engines.get(2)
			.acquireAsync(
					QuotaRequest.builder("model").priority(Priority.BACKGROUND).maxWait(Duration.ofMinutes(5)).build());
		CompletableFuture<QuotaLease> timedOut = this.engines.get(0)
			.acquireAsync(QuotaRequest.builder("model")
				.priority(Priority.INTERACTIVE)
				.maxWait(Duration.ofMillis(300))
				.build());
		assertThat(queueKeys()).isNotEmpty();

		cancelled.cancel(true);

		await().atMost(Duration.ofSeconds(10)).until(timedOut::isDone);
		assertThat(timedOut).isCompletedExceptionally();
		await().atMost(Duration.ofSeconds(10)).until(() -> queueKeys().isEmpty());
		assertThat(this.template.keys(this.prefix + ":{fleet}:g:*")).isEmpty();
		assertThat(this.template.opsForZSet().zCard(this.prefix + ":{fleet}:l")).isZero();
	}

	private static ProviderFeedback rateLimited(int retryAfterSeconds) {
		return new ProviderFeedbackParser().parse("fleet", Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of(Integer.toString(retryAfterSeconds))), null, Instant.now());
	}

	private Set<String> queueKeys() {
		Set<String> keys = new java.util.HashSet<>();
		for (String suffix : List.of("q", "t")) {
			String key = this.prefix + ":{fleet}:" + suffix;
			if (Boolean.TRUE.equals(this.template.hasKey(key))) {
				Long size = suffix.equals("q") ? this.template.opsForZSet().zCard(key)
						: this.template.opsForHash().size(key);
				if (size != null && size > 0) {
					keys.add(key);
				}
			}
		}
		return keys;
	}

	private static void assertFifoWithinEachClass(List<String> log) {
		long[] lastSequence = new long[4];
		for (AdmissionLog.Entry entry : AdmissionLog.parse(log)) {
			if (entry.wasQueued()) {
				assertThat(entry.sequence()).as("FIFO within class %d", entry.rank())
					.isGreaterThan(lastSequence[entry.rank()]);
				lastSequence[entry.rank()] = entry.sequence();
			}
		}
	}

}
