package io.github.llmquota.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several engines, each with its own connections and worker id, share one pool in one
 * Redis, as a fleet of JVMs would.
 */
class RedisFleetTests {

	private static final int ENGINES = 3;

	private static final int THREADS_PER_ENGINE = 3;

	@Test
	void fleetUnderConcurrentLoadNeverAdmitsMoreThanTheLimitAllows() throws Exception {
		// 20 requests per second, a burst of at most 20, and at most 4 calls in flight.
		QuotaSettings settings = TestSettings.pool("fleet")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1200)
			.burstHorizon(Duration.ofSeconds(1))
			.maxConcurrency(4)
			.noReserves()
			.build();
		String prefix = "f" + UUID.randomUUID().toString().substring(0, 8);
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		List<DefaultQuotaEngine> engines = new ArrayList<>();
		for (int i = 0; i < ENGINES; i++) {
			LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
			factories.add(factory);
			engines.add(new DefaultQuotaEngine(settings, new RedisQuotaStore(factory, settings, prefix)));
		}
		StringRedisTemplate template = new StringRedisTemplate(factories.get(0));
		AtomicLong granted = new AtomicLong();
		AtomicLong rejected = new AtomicLong();
		AtomicInteger inFlight = new AtomicInteger();
		AtomicInteger maxInFlight = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(ENGINES * THREADS_PER_ENGINE);
		try {
			long start = redisMillis(template);
			long end = start + 2_000;
			List<Future<?>> workers = new ArrayList<>();
			for (DefaultQuotaEngine engine : engines) {
				for (int t = 0; t < THREADS_PER_ENGINE; t++) {
					workers.add(pool.submit(() -> {
						while (System.currentTimeMillis() < end) {
							try {
								QuotaLease lease = engine.acquire(QuotaRequest.builder("model")
									.priority(Priority.NORMAL)
									.maxWait(Duration.ofMillis(100))
									.build());
								granted.incrementAndGet();
								maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
								inFlight.decrementAndGet();
								lease.settle(TokenUsage.of(0, 0));
							}
							catch (QuotaRejectedException ex) {
								rejected.incrementAndGet();
							}
						}
						return null;
					}));
				}
			}
			for (Future<?> worker : workers) {
				worker.get();
			}
			long elapsed = redisMillis(template) - start;

			// A bucket of 20 that refills at 20 per second can never have admitted more.
			long allowed = 20 + (long) Math.ceil(elapsed * 20 / 1000.0);
			assertThat(granted.get()).isLessThanOrEqualTo(allowed);
			assertThat(granted.get()).as("the fleet admitted its burst and some refill").isGreaterThan(20);
			assertThat(rejected.get()).as("the offered load exceeded the limit").isPositive();
			assertThat(maxInFlight.get()).isLessThanOrEqualTo(4);
		}
		finally {
			pool.shutdownNow();
			engines.forEach(DefaultQuotaEngine::close);
			factories.forEach(LettuceConnectionFactory::destroy);
		}
	}

	private static long redisMillis(StringRedisTemplate template) {
		RedisCallback<Long> time = (connection) -> connection.serverCommands().time();
		return template.execute(time);
	}

}
