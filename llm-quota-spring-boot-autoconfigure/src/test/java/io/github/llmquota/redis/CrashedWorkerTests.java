package io.github.llmquota.redis;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
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
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A worker JVM is killed with SIGKILL while it holds a lease and has a request waiting:
 * its slot comes back at the lease expiry, its ticket stops blocking the queue once its
 * heartbeat lapses, its tokens stay charged, and repeated kills leak nothing.
 */
class CrashedWorkerTests {

	private static final String POOL = "crash";

	private final WorkerProcesses workers = new WorkerProcesses();

	/**
	 * The settings both JVMs use: one call at a time, leases expiring after 3 s.
	 * @return the settings
	 */
	static QuotaSettings settings() {
		return TestSettings.pool(POOL)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.maxConcurrency(1)
			.leaseTimeout(Duration.ofSeconds(3))
			.noReserves()
			.build();
	}

	@Test
	void killedWorkersSlotsAndTicketsComeBackAndTheirTokensStayCharged() throws Exception {
		String prefix = "k" + UUID.randomUUID().toString().substring(0, 6);
		QuotaSettings settings = settings();
		LettuceConnectionFactory factory = TestRedis.shared().connectionFactory();
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		try (DefaultQuotaEngine survivor = new DefaultQuotaEngine(settings,
				new RedisQuotaStore(factory, settings, prefix))) {
			for (int kill = 1; kill <= 3; kill++) {
				Process worker = startWorker(prefix);
				assertThatExceptionOfType(QuotaRejectedException.class).as("the worker holds the only slot")
					.isThrownBy(() -> survivor.acquire(request(Duration.ZERO)));

				worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

				// A request from the survivor is served once the dead worker's lease
				// expires; the dead worker's queued ticket, ahead of it in class, must
				// not block it.
				CompletableFuture<QuotaLease> next = survivor.acquireAsync(request(Duration.ofSeconds(20)));
				QuotaLease lease = next.get(20, TimeUnit.SECONDS);
				lease.settle(TokenUsage.of(1_000, 0));
				assertThat(survivor.backpressure("model").totalQueued()).isZero();
				// 5000 tokens for each dead worker's call stay charged: nobody knows
				// whether the provider saw them.
				assertThat(survivor.backpressure("model").utilisation().get(Dimension.INPUT_TOKENS_PER_MINUTE))
					.isGreaterThanOrEqualTo(kill * 5_000 / 100_000.0);
			}
			String base = prefix + ":{" + POOL + "}:";
			await().atMost(Duration.ofSeconds(10)).until(() -> redis.opsForZSet().zCard(base + "l") == 0);
			assertThat(redis.opsForZSet().zCard(base + "q")).isZero();
			assertThat(redis.opsForHash().size(base + "t")).isZero();
		}
		finally {
			factory.destroy();
		}
	}

	private Process startWorker(String prefix) throws Exception {
		return this.workers.start(CrashingWorker.class, TestRedis.shared().host(),
				Integer.toString(TestRedis.shared().port()), prefix);
	}

	@AfterEach
	void killWorkers() {
		this.workers.close();
	}

	private static QuotaRequest request(Duration maxWait) {
		return QuotaRequest.builder("model").priority(Priority.NORMAL).inputTokens(1_000).maxWait(maxWait).build();
	}

}
