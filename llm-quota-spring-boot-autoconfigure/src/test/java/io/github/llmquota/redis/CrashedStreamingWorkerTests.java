package io.github.llmquota.redis;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A worker JVM holds a streaming lease whose stream has gone silent: while the JVM lives,
 * its heartbeat keeps the lease past {@code lease-timeout}; killed with SIGKILL, the
 * lease expires a lease timeout after its last charge, and the output it charged stays
 * counted.
 */
class CrashedStreamingWorkerTests {

	private static final String POOL = "streamcrash";

	static final Duration CHARGE_INTERVAL = Duration.ofMillis(500);

	private static final long LEASE_TIMEOUT_MILLIS = 3_000;

	private final WorkerProcesses workers = new WorkerProcesses();

	/**
	 * The settings both JVMs use: one call at a time, leases expiring after 3 s.
	 * @return the settings
	 */
	static QuotaSettings settings() {
		return TestSettings.pool(POOL)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 100_000)
			.maxConcurrency(1)
			.leaseTimeout(Duration.ofMillis(LEASE_TIMEOUT_MILLIS))
			.noReserves()
			.build();
	}

	@AfterEach
	void killWorkers() {
		this.workers.close();
	}

	@Test
	void aKilledWorkersSilentStreamExpiresAfterItsLastChargeAndItsOutputStaysCounted() throws Exception {
		inFleet("on", (fleet) -> {
			String lease = fleet.silentStreamOfALiveWorkerKeepsItsLease();
			fleet.worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			// Its last charge set this expiry, and nothing moves it any more.
			double lastExpiry = fleet.expiry(lease);
			QuotaLease next = fleet.survivor.acquireAsync(request(Duration.ofSeconds(30))).get(30, TimeUnit.SECONDS);
			PoolSnapshot admitted = fleet.snapshot();
			assertThat((double) admitted.timeMillis()).as("admitted after the dead stream's expiry")
				.isGreaterThanOrEqualTo(lastExpiry);
			assertThat(admitted.streamOutput()).isZero();
			next.settle(TokenUsage.of(100, 0));
			// The 5,000 output tokens the dead stream charged stay counted: nobody knows
			// what the provider produced after them.
			int output = fleet.pool.rates()
				.stream()
				.map((rate) -> rate.dimension())
				.toList()
				.indexOf(Dimension.OUTPUT_TOKENS_PER_MINUTE);
			double counted = fleet.snapshot().lastHour().stream().mapToDouble((minute) -> minute[output]).sum();
			assertThat(counted).isGreaterThanOrEqualTo(StreamingWorker.OUTPUT);
		});
	}

	@Test
	void aSilentStreamWithoutAHeartbeatFailsTheLiveWorkerCheck() throws Exception {
		// The proof that the check can fail: the same worker, its heartbeat off.
		inFleet("at-end-only", (fleet) -> assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(fleet::silentStreamOfALiveWorkerKeepsItsLease));
	}

	private void inFleet(String heartbeat, FleetTest test) throws Exception {
		String prefix = "s" + UUID.randomUUID().toString().substring(0, 6);
		QuotaSettings settings = settings();
		LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
		RedisQuotaStore store = new RedisQuotaStore(factory, settings, prefix);
		try (DefaultQuotaEngine survivor = new DefaultQuotaEngine(settings, store)) {
			Process worker = this.workers.start(StreamingWorker.class, TestRedis.shared().host(),
					Integer.toString(TestRedis.shared().port()), prefix, heartbeat);
			test.run(new Fleet(survivor, store, settings.pools().get(POOL), new StringRedisTemplate(factory),
					prefix + ":{" + POOL + "}:l", worker));
		}
		finally {
			factory.destroy();
		}
	}

	private static QuotaRequest request(Duration maxWait) {
		return QuotaRequest.builder("model").inputTokens(100).maxOutputTokens(0).maxWait(maxWait).build();
	}

	@FunctionalInterface
	private interface FleetTest {

		void run(Fleet fleet) throws Exception;

	}

	private record Fleet(DefaultQuotaEngine survivor, RedisQuotaStore store, PoolSpec pool, StringRedisTemplate redis,
			String leases, Process worker) {

		PoolSnapshot snapshot() {
			return this.store.snapshot(this.pool);
		}

		double expiry(String lease) {
			Double score = this.redis.opsForZSet().score(this.leases, lease);
			return (score != null) ? score : 0;
		}

		// Silent for longer than the lease timeout, the stream of a live worker still
		// holds its lease, its slot and its output in the fleet's view.
		String silentStreamOfALiveWorkerKeepsItsLease() {
			Set<String> held = this.redis.opsForZSet().range(this.leases, 0, -1);
			assertThat(held).hasSize(1);
			String lease = held.iterator().next();
			double firstExpiry = expiry(lease);
			// A deadline against a hang only: Redis's clock passes the first expiry.
			await().atMost(Duration.ofSeconds(30))
				.until(() -> snapshot().timeMillis() > firstExpiry + LEASE_TIMEOUT_MILLIS / 2);
			PoolSnapshot silent = snapshot();
			assertThat(silent.inFlight()).as("the silent stream's lease").isEqualTo(1);
			assertThat(expiry(lease)).isGreaterThan(firstExpiry);
			assertThat(silent.streamOutput()).isEqualTo(StreamingWorker.OUTPUT);
			assertThatExceptionOfType(QuotaRejectedException.class).as("the stream holds the only slot")
				.isThrownBy(() -> this.survivor.acquire(request(Duration.ZERO)));
			return lease;
		}

	}

}
