package io.github.llmquota.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnection;
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
 * What one acquire + settle costs Redis, with 16 threads and a pool that never denies: script
 * calls, Redis commands, Redis CPU and bytes sent per cycle, from the deltas of
 * {@code INFO commandstats} and {@code INFO stats} over the run, and the throughput. Not part
 * of the test run: {@code ./mvnw -o -pl llm-quota-spring-boot-autoconfigure verify -Pbenchmark
 * -Dtest=RedisCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false}. Redis CPU per call is
 * the figure a busy machine disturbs least.
 */
@Tag("benchmark")
class RedisCostBenchmark {

	private static final int THREADS = 16;

	private static final Duration WARMUP = Duration.ofSeconds(3);

	private static final Duration MEASURE = Duration.ofSeconds(5);

	@Test
	void redisCostPerAcquireAndSettle() throws Exception {
		// Limits far above what one machine can offer: this measures the decision, not waiting.
		QuotaSettings settings = TestSettings.pool("bench")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1_000_000_000L)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000_000_000_000L)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1_000_000_000_000L)
			.build();
		RedisConnectionFactory factory = TestRedisClient.LETTUCE.connectionFactory(TestRedis.shared());
		String prefix = "c" + UUID.randomUUID().toString().substring(0, 8);
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, new RedisQuotaStore(factory, settings, prefix));
		try {
			run(engine, WARMUP);
			Properties before = info(factory);
			long cycles = run(engine, MEASURE);
			Properties after = info(factory);
			double scriptCalls = delta(before, after, "cmdstat_evalsha", "calls") + delta(before, after, "cmdstat_eval", "calls");
			double cpu = delta(before, after, "cmdstat_evalsha", "usec") + delta(before, after, "cmdstat_eval", "usec");
			double commands = 0;
			for (String name : after.stringPropertyNames()) {
				if (name.startsWith("cmdstat_") && !name.equals("cmdstat_info")) {
					commands += delta(before, after, name, "calls");
				}
			}
			double bytes = Long.parseLong(after.getProperty("total_net_input_bytes"))
					- Long.parseLong(before.getProperty("total_net_input_bytes"));
			for (String name : new java.util.TreeSet<>(after.stringPropertyNames())) {
				if (name.startsWith("cmdstat_")) {
					System.out.printf("%s calls %.2f usec %.2f%n", name, delta(before, after, name, "calls") / cycles,
							delta(before, after, name, "usec") / cycles);
				}
			}
			System.out.println("| script calls | Redis commands | Redis CPU µs | bytes sent | cycles/s |");
			System.out.println("|---|---|---|---|---|");
			System.out.printf("| %.2f | %.1f | %.1f | %.0f | %.0f |%n", scriptCalls / cycles, commands / cycles,
					cpu / cycles, bytes / cycles, cycles / (MEASURE.toMillis() / 1000.0));
		}
		finally {
			engine.close();
			TestRedisClient.destroy(factory);
		}
	}

	private static long run(DefaultQuotaEngine engine, Duration duration) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		long end = System.nanoTime() + duration.toNanos();
		List<Future<Long>> futures = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			futures.add(pool.submit(() -> {
				long cycles = 0;
				QuotaRequest request = QuotaRequest.builder("model").inputTokens(1_000).maxOutputTokens(500)
					.maxWait(Duration.ZERO).build();
				while (System.nanoTime() < end) {
					QuotaLease lease = engine.acquire(request);
					lease.settle(TokenUsage.of(1_000, 120));
					cycles++;
				}
				return cycles;
			}));
		}
		long cycles = 0;
		for (Future<Long> future : futures) {
			cycles += future.get();
		}
		pool.shutdown();
		return cycles;
	}

	private static Properties info(RedisConnectionFactory factory) {
		try (RedisConnection connection = factory.getConnection()) {
			Properties all = new Properties();
			all.putAll(connection.serverCommands().info("commandstats"));
			all.putAll(connection.serverCommands().info("stats"));
			return all;
		}
	}

	// A field of a commandstats line, "calls=12,usec=345,...", as a number; 0 when absent.
	private static double delta(Properties before, Properties after, String command, String field) {
		return field(after.getProperty(command), field) - field(before.getProperty(command), field);
	}

	private static double field(String line, String field) {
		if (line == null) {
			return 0;
		}
		for (String part : line.split(",")) {
			if (part.startsWith(field + "=")) {
				return Double.parseDouble(part.substring(field.length() + 1));
			}
		}
		return 0;
	}

}
