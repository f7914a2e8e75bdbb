package io.github.llmquota.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnection;
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
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One million acquire/settle cycles over four engines with random failures: released
 * calls, cancelled and timed-out waits, provider 429s and overloads, hostile user ids. It
 * must end with no key lacking a TTL, bounded Redis memory, no lease or ticket left and
 * no more JVM threads than it started with. Not part of the test run:
 * {@code ./mvnw -pl llm-quota-spring-boot-autoconfigure -am verify -Psoak -Dtest=SoakTest
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dllmquota.soak.cycles=N} to change
 * the count).
 */
@Tag("soak")
class SoakTest {

	private static final int ENGINES = 4;

	private static final int THREADS_PER_ENGINE = 4;

	@Test
	void millionCyclesWithRandomFailuresLeaveNothingBehind() throws Exception {
		long cycles = Long.getLong("llmquota.soak.cycles", 1_000_000);
		QuotaSettings settings = TestSettings.pool("soak")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1_000_000)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000_000_000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1_000_000_000)
			.userLimit(Dimension.REQUESTS_PER_MINUTE, 1_000_000)
			.maxConcurrency(256)
			.leaseTimeout(Duration.ofSeconds(5))
			.build();
		String prefix = "soak" + UUID.randomUUID().toString().substring(0, 6);
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		List<DefaultQuotaEngine> engines = new ArrayList<>();
		for (int i = 0; i < ENGINES; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			factories.add(factory);
			engines.add(new DefaultQuotaEngine(settings,
					new io.github.llmquota.redis.RedisQuotaStore(factory, settings, prefix)));
		}
		StringRedisTemplate redis = new StringRedisTemplate(factories.get(0));
		long memoryBefore = usedMemory(factories.get(0));
		int threadsBefore = Thread.activeCount();
		ProviderFeedbackParser parser = new ProviderFeedbackParser();
		ProviderFeedback rateLimited = parser.parse("soak", Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of("0")), null, Instant.now());
		ProviderFeedback overloaded = parser.parse("soak", Provider.ANTHROPIC, 529, Map.of(),
				"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
				Instant.now());
		AtomicLong remaining = new AtomicLong(cycles);
		Map<String, AtomicLong> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
		ExecutorService pool = Executors.newFixedThreadPool(ENGINES * THREADS_PER_ENGINE);
		long start = System.nanoTime();
		List<Future<?>> workers = new ArrayList<>();
		for (DefaultQuotaEngine engine : engines) {
			for (int t = 0; t < THREADS_PER_ENGINE; t++) {
				workers.add(pool.submit(() -> {
					ThreadLocalRandom random = ThreadLocalRandom.current();
					while (remaining.getAndDecrement() > 0) {
						QuotaRequest request = QuotaRequest.builder("model")
							.priority(Priority.NORMAL)
							.inputTokens(random.nextInt(2_000))
							.maxOutputTokens(random.nextInt(1_000))
							.user((random.nextInt(10) == 0) ? "{user}\n" + random.nextInt(100) : null)
							.maxWait(Duration.ofMillis(random.nextInt(50)))
							.build();
						int dice = random.nextInt(100);
						try {
							if (dice < 2) {
								CompletableFuture<QuotaLease> cancelled = engine.acquireAsync(request);
								cancelled.cancel(true);
								count(outcomes, "cancelled");
								continue;
							}
							QuotaLease lease = engine.acquire(request);
							if (dice < 4) {
								lease.release(CallOutcome.FAILED, (dice == 2) ? rateLimited : overloaded);
								count(outcomes, "released");
							}
							else if (dice == 4 && random.nextInt(5) == 0) {
								// A crashed caller: never ended, freed at the lease
								// timeout.
								count(outcomes, "abandoned");
							}
							else {
								lease.settle(TokenUsage.of(request.inputTokens(), random.nextLong(1_000)));
								count(outcomes, "settled");
							}
						}
						catch (QuotaRejectedException ex) {
							count(outcomes, "rejected " + ex.getReason());
						}
					}
					return null;
				}));
			}
		}
		for (Future<?> worker : workers) {
			worker.get();
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		pool.shutdown();
		pool.awaitTermination(10, TimeUnit.SECONDS);
		String base = prefix + ":{soak}:";
		await().atMost(Duration.ofSeconds(30)).until(() -> redis.opsForZSet().zCard(base + "l") == 0);

		Set<String> keys = redis.keys(prefix + ":*");
		long withoutTtl = keys.stream().filter((key) -> redis.getExpire(key) < 0).count();
		long memoryAfter = usedMemory(factories.get(0));
		long leases = redis.opsForZSet().zCard(base + "l");
		long tickets = redis.opsForHash().size(base + "t");
		long queued = redis.opsForZSet().zCard(base + "q");
		engines.forEach(DefaultQuotaEngine::close);
		factories.forEach(LettuceConnectionFactory::destroy);
		int threadsAfter = Thread.activeCount();
		System.out.printf("SOAK cycles=%d seconds=%.1f rate=%.0f/s outcomes=%s%n", cycles, seconds, cycles / seconds,
				new java.util.TreeMap<>(outcomes));
		System.out.printf(
				"SOAK keys=%d withoutTtl=%d leases=%d tickets=%d queue=%d memoryBefore=%d memoryAfter=%d "
						+ "threadsBefore=%d threadsAfter=%d%n",
				keys.size(), withoutTtl, leases, tickets, queued, memoryBefore, memoryAfter, threadsBefore,
				threadsAfter);
		assertThat(withoutTtl).isZero();
		assertThat(leases).isZero();
		assertThat(queued).isZero();
		assertThat(tickets).isZero();
		assertThat(memoryAfter - memoryBefore).as("Redis memory growth").isLessThan(32L << 20);
		assertThat(threadsAfter).isLessThanOrEqualTo(threadsBefore);
	}

	private static void count(Map<String, AtomicLong> outcomes, String outcome) {
		outcomes.computeIfAbsent(outcome, (k) -> new AtomicLong()).incrementAndGet();
	}

	private static long usedMemory(LettuceConnectionFactory factory) {
		try (RedisConnection connection = factory.getConnection()) {
			Properties memory = connection.serverCommands().info("memory");
			return Long.parseLong(memory.getProperty("used_memory"));
		}
	}

}
