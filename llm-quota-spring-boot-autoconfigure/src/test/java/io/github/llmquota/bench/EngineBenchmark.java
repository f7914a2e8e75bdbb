package io.github.llmquota.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

/**
 * Acquire + settle throughput and latency against a local Redis, with 1, 4 and 16
 * threads, and the Redis calls each takes, read from {@code INFO commandstats}, on
 * Lettuce and on Jedis. Not part of the test run:
 * {@code ./mvnw -pl llm-quota-spring-boot-autoconfigure -am
 * verify -Pbenchmark -Dtest=EngineBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class EngineBenchmark {

	private static final Duration WARMUP = Duration.ofSeconds(3);

	private static final Duration MEASURE = Duration.ofSeconds(5);

	@ParameterizedTest
	@EnumSource(TestRedisClient.class)
	void acquireAndSettle(TestRedisClient client) throws Exception {
		// Limits far above what one machine can offer: this measures the decision, not
		// waiting.
		QuotaSettings settings = TestSettings.pool("bench")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1_000_000_000L)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000_000_000_000L)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1_000_000_000_000L)
			.build();
		RedisConnectionFactory factory = client.connectionFactory(TestRedis.shared());
		String prefix = "b" + UUID.randomUUID().toString().substring(0, 8);
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, new RedisQuotaStore(factory, settings, prefix));
		System.out.println(client + ":");
		System.out.println("| threads | acquire+settle per s | acquire p50 ms | acquire p99 ms | settle p50 ms "
				+ "| settle p99 ms | script calls per acquire+settle |");
		System.out.println("|---|---|---|---|---|---|---|");
		try {
			for (int threads : new int[] { 1, 4, 16 }) {
				run(engine, threads, WARMUP);
				RedisStats.reset(factory);
				Result result = run(engine, threads, MEASURE);
				long scriptCalls = RedisStats.scriptCalls(factory);
				System.out.printf("| %d | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f |%n", threads,
						result.cycles() / (MEASURE.toMillis() / 1000.0), result.acquire(50), result.acquire(99),
						result.settle(50), result.settle(99), (double) scriptCalls / result.cycles());
			}
		}
		finally {
			engine.close();
			TestRedisClient.destroy(factory);
		}
	}

	private static Result run(DefaultQuotaEngine engine, int threads, Duration duration) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		long end = System.nanoTime() + duration.toNanos();
		List<Future<long[][]>> futures = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			futures.add(pool.submit(() -> {
				long[] acquire = new long[1 << 20];
				long[] settle = new long[1 << 20];
				int n = 0;
				QuotaRequest request = QuotaRequest.builder("model")
					.inputTokens(1_000)
					.maxOutputTokens(500)
					.maxWait(Duration.ZERO)
					.build();
				while (System.nanoTime() < end && n < acquire.length) {
					long start = System.nanoTime();
					QuotaLease lease = engine.acquire(request);
					long acquired = System.nanoTime();
					lease.settle(TokenUsage.of(1_000, 120));
					acquire[n] = acquired - start;
					settle[n] = System.nanoTime() - acquired;
					n++;
				}
				return new long[][] { Arrays.copyOf(acquire, n), Arrays.copyOf(settle, n) };
			}));
		}
		List<long[]> acquires = new ArrayList<>();
		List<long[]> settles = new ArrayList<>();
		for (Future<long[][]> future : futures) {
			long[][] samples = future.get();
			acquires.add(samples[0]);
			settles.add(samples[1]);
		}
		pool.shutdown();
		return new Result(merge(acquires), merge(settles));
	}

	private static long[] merge(List<long[]> parts) {
		long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
		Arrays.sort(all);
		return all;
	}

	private record Result(long[] acquires, long[] settles) {

		int cycles() {
			return this.acquires.length;
		}

		double acquire(int percentile) {
			return percentile(this.acquires, percentile);
		}

		double settle(int percentile) {
			return percentile(this.settles, percentile);
		}

		private static double percentile(long[] sorted, int percentile) {
			int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100.0 * sorted.length) - 1);
			return sorted[Math.max(index, 0)] / 1_000_000.0;
		}

	}

}
