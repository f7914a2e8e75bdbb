package io.github.llmquota.failover;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.actuate.metrics.FailoverMeterBinder;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.metrics.LlmQuotaMetricNames;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Redis dies under a running engine and comes back, once per fail mode: every request ends
 * in an outcome, none hangs on the dead server, and shared limiting resumes by itself.
 */
class RedisOutageTests {

	private static final int ATTEMPTS = 20;

	private TestRedis redis;

	private RedisConnectionFactory connectionFactory;

	private DefaultQuotaEngine engine;

	private FailoverQuotaStore store;

	@BeforeEach
	void startRedis() {
		this.redis = TestRedis.startNew();
		this.connectionFactory = client().connectionFactory(this.redis);
	}

	@AfterEach
	void stopAll() {
		if (this.engine != null) {
			this.engine.close();
		}
		TestRedisClient.destroy(this.connectionFactory);
		this.redis.stop();
	}

	/**
	 * Return the client these tests run on; a subclass runs them all on another.
	 * @return the client
	 */
	TestRedisClient client() {
		return TestRedisClient.LETTUCE;
	}

	@ParameterizedTest
	@EnumSource(FailMode.class)
	void redisKilledMidLoadThenRestarted(FailMode failMode) {
		// Ten requests per minute: the local share of a lone JVM is 80 % of that, 8.
		QuotaSettings settings = TestSettings.pool("outage").limit(Dimension.REQUESTS_PER_MINUTE, 10).noReserves().build();
		RedisQuotaStore shared = new RedisQuotaStore(this.connectionFactory, settings,
				"o" + UUID.randomUUID().toString().substring(0, 6), Duration.ofMillis(200));
		this.store = new FailoverQuotaStore(shared, settings, failMode, Duration.ofMillis(500));
		this.engine = new DefaultQuotaEngine(settings, this.store);
		MeterRegistry meters = new SimpleMeterRegistry();
		new FailoverMeterBinder(this.store).bindTo(meters);
		this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
		assertThat(this.store.isDegraded()).isFalse();
		assertThat(meters.get(LlmQuotaMetricNames.DEGRADED).gauge().value()).isZero();

		this.redis.stop();

		Map<RejectionReason, Integer> rejected = new EnumMap<>(RejectionReason.class);
		int[] admitted = new int[1];
		// A guard against hanging on the dead server, not a speed target.
		assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
			for (int i = 0; i < ATTEMPTS; i++) {
				try {
					QuotaLease lease = this.engine.acquire(request());
					admitted[0]++;
					lease.settle(TokenUsage.of(0, 0));
				}
				catch (QuotaRejectedException ex) {
					rejected.merge(ex.getReason(), 1, Integer::sum);
				}
			}
		});

		assertThat(this.store.isDegraded()).isTrue();
		assertThat(meters.get(LlmQuotaMetricNames.DEGRADED).gauge().value()).isOne();
		assertThat(meters.get(LlmQuotaMetricNames.UNLIMITED_ADMISSIONS).functionCounter().count())
			.isEqualTo((failMode == FailMode.OPEN) ? ATTEMPTS : 0);
		assertThat(admitted[0] + rejected.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(ATTEMPTS);
		switch (failMode) {
			case LOCAL -> {
				assertThat(admitted[0]).isEqualTo(8);
				assertThat(rejected).containsOnlyKeys(RejectionReason.DEADLINE);
			}
			case OPEN -> {
				assertThat(admitted[0]).isEqualTo(ATTEMPTS);
				assertThat(this.store.getUnlimitedAdmissions()).isEqualTo(ATTEMPTS);
			}
			case CLOSED -> {
				assertThat(admitted[0]).isZero();
				assertThat(rejected).containsOnlyKeys(RejectionReason.UNAVAILABLE);
			}
		}

		this.redis.start();

		// Back in Redis, whose state was lost: the pool restarts with empty buckets.
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			try {
				this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
			}
			catch (QuotaRejectedException ex) {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE);
			}
			assertThat(this.store.isDegraded()).isFalse();
		});
		assertThat(meters.get(LlmQuotaMetricNames.DEGRADED).gauge().value()).isZero();
	}

	private static QuotaRequest request() {
		return QuotaRequest.builder("model").maxWait(Duration.ZERO).build();
	}

}
