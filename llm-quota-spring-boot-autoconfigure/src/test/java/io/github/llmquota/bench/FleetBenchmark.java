package io.github.llmquota.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Settlement;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.AdmissionLog;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

/**
 * A fleet of three engines (own connections, own worker ids) offering 150 % of a pool's
 * limit with a mix of classes, open loop. Reports goodput against the limit after the
 * safety margin, waits per class, rejections per class and reason, Redis script calls per
 * admitted request, and priority inversions from the server's admission log (admissions
 * that overtook a waiting higher-class ticket that fitted). Not part of the test run:
 * {@code ./mvnw -pl llm-quota-spring-boot-autoconfigure -am verify -Pbenchmark
 * -Dtest=FleetBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class FleetBenchmark {

	private static final Duration RUN = Duration.ofSeconds(30);

	// 3000 RPM with a 10 % margin: the fleet may use 45 requests per second.
	private static final double PLANNED_PER_SECOND = 45;

	private static final List<String> CLASSES = List.of(Priority.CRITICAL, Priority.INTERACTIVE, Priority.NORMAL,
			Priority.BACKGROUND);

	// Share of arrivals per class, and each class's wait budget.
	private static final double[] MIX = { 0.1, 0.3, 0.3, 0.3 };

	private static final Duration[] WAIT = { Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10),
			Duration.ofSeconds(20) };

	@Test
	void fleetAtOneHundredFiftyPercent() throws Exception {
		QuotaSettings settings = TestSettings.pool("fleet")
			.limit(Dimension.REQUESTS_PER_MINUTE, 3000)
			.margin(0.10)
			.burstHorizon(Duration.ofSeconds(1))
			.queueCapacity(300)
			.admissionLookahead(Duration.ofMillis(50))
			.classQueueCapacity(300)
			.build();
		String prefix = "fb" + UUID.randomUUID().toString().substring(0, 6);
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		List<DefaultQuotaEngine> engines = new ArrayList<>();
		Map<String, AtomicLong> opCounts = new ConcurrentHashMap<>();
		RedisQuotaStore logged = null;
		for (int i = 0; i < 3; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			RedisQuotaStore store = new RedisQuotaStore(factory, settings, prefix);
			store.setAdmissionLog(true);
			logged = store;
			factories.add(factory);
			engines.add(new DefaultQuotaEngine(settings, new CountingStore(store, opCounts)));
		}
		Map<String, ConcurrentLinkedQueue<Long>> waits = new ConcurrentHashMap<>();
		Map<String, AtomicLong> rejections = new ConcurrentHashMap<>();
		AtomicLong granted = new AtomicLong();
		AtomicLong offered = new AtomicLong();
		CLASSES.forEach((c) -> waits.put(c, new ConcurrentLinkedQueue<>()));
		ScheduledExecutorService arrivals = Executors.newScheduledThreadPool(3);
		ScheduledExecutorService calls = Executors.newScheduledThreadPool(2);
		ConcurrentLinkedQueue<CompletableFuture<?>> requests = new ConcurrentLinkedQueue<>();
		RedisStats.reset(factories.get(0));
		long start = System.nanoTime();
		long end = start + RUN.toNanos();
		// 150 % of the planned rate, spread over the three engines.
		long intervalNanos = (long) (1e9 / (PLANNED_PER_SECOND * 1.5 / 3));
		for (int e = 0; e < 3; e++) {
			DefaultQuotaEngine engine = engines.get(e);
			AtomicLong sequence = new AtomicLong(e);
			arrivals.scheduleAtFixedRate(() -> {
				if (System.nanoTime() > end) {
					return;
				}
				int index = pick(sequence.getAndAdd(7919));
				String priority = CLASSES.get(index);
				offered.incrementAndGet();
				long submitted = System.nanoTime();
				requests.add(engine
					.acquireAsync(QuotaRequest.builder("model").priority(priority).maxWait(WAIT[index]).build())
					.whenComplete((lease, failure) -> {
						if (lease != null) {
							waits.get(priority).add(System.nanoTime() - submitted);
							if (System.nanoTime() <= end) {
								granted.incrementAndGet();
							}
							// A model call takes a while: settle 100 to 600 ms later.
							calls.schedule(() -> lease.settle(TokenUsage.of(0, 0)), 100 + (submitted % 500),
									TimeUnit.MILLISECONDS);
						}
						else if (failure instanceof QuotaRejectedException rejected) {
							rejections.computeIfAbsent(priority + " " + rejected.getReason(), (k) -> new AtomicLong())
								.incrementAndGet();
						}
					}));
			}, e * intervalNanos / 3, intervalNanos, TimeUnit.NANOSECONDS);
		}
		arrivals.awaitTermination(RUN.toMillis() + 1_000, TimeUnit.MILLISECONDS);
		arrivals.shutdownNow();
		// The books close once every request has its outcome and every admitted call
		// settled.
		CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new))
			.handle((ignored, failure) -> null)
			.get(WAIT[3].toMillis() + 10_000, TimeUnit.MILLISECONDS);
		calls.shutdown();
		calls.awaitTermination(10, TimeUnit.SECONDS);
		long scriptCalls = RedisStats.scriptCalls(factories.get(0));
		long admittedInAll = waits.values().stream().mapToLong(java.util.Collection::size).sum();

		double seconds = RUN.toNanos() / 1e9;
		System.out.printf("offered %d requests in %.0f s (%.0f %% of the planned %.0f/s)%n", offered.get(), seconds,
				offered.get() / seconds / PLANNED_PER_SECOND * 100, PLANNED_PER_SECOND);
		System.out.printf("goodput: %d admitted = %.1f %% of the limit after the safety margin%n", granted.get(),
				granted.get() / seconds / PLANNED_PER_SECOND * 100);
		System.out.printf("script calls per admitted request (every call of the run and its tail, over the %d "
				+ "requests admitted in all): %.2f%n", admittedInAll, (double) scriptCalls / admittedInAll);
		System.out.println("store calls by operation (whole run): " + new java.util.TreeMap<>(opCounts));
		System.out.println("| class | admitted | p50 wait ms | p99 wait ms |");
		System.out.println("|---|---|---|---|");
		for (String priority : CLASSES) {
			long[] sorted = waits.get(priority).stream().mapToLong(Long::longValue).sorted().toArray();
			System.out.printf("| %s | %d | %.1f | %.1f |%n", priority, sorted.length, percentile(sorted, 50),
					percentile(sorted, 99));
		}
		System.out.println("rejections by class and reason: " + new java.util.TreeMap<>(rejections));
		List<AdmissionLog.Entry> log = AdmissionLog.parse(logged.admissionLog("fleet"));
		System.out.printf("priority inversions (admissions that overtook a waiting higher-class ticket which fitted, "
				+ "counted by the server in the admitting call): %d of %d admissions logged, %d of them from the "
				+ "queue%n", log.stream().filter(AdmissionLog.Entry::isInversion).count(), log.size(),
				log.stream().filter(AdmissionLog.Entry::wasQueued).count());
		engines.forEach(DefaultQuotaEngine::close);
		factories.forEach(LettuceConnectionFactory::destroy);
	}

	private static final class CountingStore extends ForwardingQuotaStore {

		private final Map<String, AtomicLong> counts;

		CountingStore(QuotaStore delegate, Map<String, AtomicLong> counts) {
			super(delegate);
			this.counts = counts;
		}

		private void count(String op) {
			this.counts.computeIfAbsent(op, (k) -> new AtomicLong()).incrementAndGet();
		}

		@Override
		public Admission acquire(PoolSpec pool, Ticket ticket) {
			count("acquire");
			return super.acquire(pool, ticket);
		}

		@Override
		public void settle(PoolSpec pool, Settlement settlement) {
			count("settle");
			super.settle(pool, settlement);
		}

		@Override
		public void cancel(PoolSpec pool, String ticketId) {
			count("cancel");
			super.cancel(pool, ticketId);
		}

		@Override
		public PollResult poll(PoolSpec pool, List<String> ticketIds) {
			count("poll");
			return super.poll(pool, ticketIds);
		}

	}

	private static int pick(long sequence) {
		double point = (sequence % 1000) / 1000.0;
		double cumulative = 0;
		for (int i = 0; i < MIX.length; i++) {
			cumulative += MIX[i];
			if (point < cumulative) {
				return i;
			}
		}
		return MIX.length - 1;
	}

	private static double percentile(long[] sorted, int percentile) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100.0 * sorted.length) - 1);
		return sorted[Math.max(index, 0)] / 1e6;
	}

}
