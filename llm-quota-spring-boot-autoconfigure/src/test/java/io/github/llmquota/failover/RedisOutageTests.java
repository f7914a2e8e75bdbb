package io.github.llmquota.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint.DegradedDescriptor;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint.DimensionDescriptor;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint.PoolDescriptor;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.actuate.metrics.FailoverMeterBinder;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.FailModeStore;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Redis dies under a running engine and comes back, once per fail mode: every request
 * ends in an outcome, none hangs on the dead server, the endpoint shows what decides
 * requests meanwhile, and shared limiting resumes by itself.
 */
class RedisOutageTests {

	private static final int ATTEMPTS = 20;

	private TestRedis redis;

	private RedisConnectionFactory connectionFactory;

	private DefaultQuotaEngine engine;

	private FailoverQuotaStore store;

	private final String keyPrefix = "o" + UUID.randomUUID().toString().substring(0, 6);

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
		start(failMode);
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

	@ParameterizedTest
	@EnumSource(FailMode.class)
	void endpointShowsWhatTheFailModeDecidesWithMarkedDegradedWhileRedisIsDown(FailMode failMode) {
		QuotaSettings settings = start(failMode);
		LlmQuotaEndpoint endpoint = new LlmQuotaEndpoint(this.engine, settings, QuotaThresholds.DEFAULTS, List.of(),
				null, null);
		this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
		assertThat(endpoint.pool("outage").view()).isEqualTo("shared");
		Instant killed = Instant.now();

		this.redis.stop();
		long stopped = System.nanoTime();
		for (int i = 0; i < 3; i++) {
			try {
				this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
			}
			catch (QuotaRejectedException ex) {
				assertThat(failMode).isEqualTo(FailMode.CLOSED);
			}
		}

		// A guard against hanging on the dead server, not a speed target.
		PoolDescriptor pool = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> endpoint.pool("outage"));
		DegradedDescriptor degraded = pool.degraded();
		assertThat(degraded).isNotNull();
		assertThat(degraded.failMode()).isEqualTo(failMode.name().toLowerCase(Locale.ROOT));
		assertThat(Instant.parse(degraded.since())).isBetween(killed, Instant.now());
		assertThat(degraded.cause()).isNotBlank();
		assertThat(endpoint.pools().degraded()).isEqualTo(degraded);
		if (failMode == FailMode.LOCAL) {
			// This JVM's share, 8 of the 10 a minute, of which its own 3 calls since
			// Redis died.
			assertThat(pool.view()).isEqualTo("local");
			DimensionDescriptor requests = pool.dimensions().get("requests-per-minute");
			assertThat(requests.limit()).isEqualTo(10);
			assertThat(requests.effectiveLimit()).isEqualTo(8.0);
			assertThat(requests.usedLastMinute()).isEqualTo(3.0);
			// 5 left after the 3 calls, plus what refilled since (8 a minute) before the
			// endpoint read it.
			double refilled = 8.0 / 60 * (System.nanoTime() - stopped) / 1e9;
			assertThat(requests.available()).isBetween(5.0, 5.0 + refilled);
			assertThat(pool.status()).isEqualTo(QuotaStatus.OK);
			assertThat(pool.inFlight()).isZero();
		}
		else {
			// Nothing limits locally, so there is nothing to show but the degradation.
			assertThat(pool.view()).isEqualTo("none");
			assertThat(pool.status()).isNull();
			assertThat(pool.dimensions()).isEmpty();
			assertThat(pool.inFlight()).isNull();
			assertThat(pool.models()).containsOnlyKeys("model");
		}

		this.redis.start();

		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			PoolDescriptor recovered = endpoint.pool("outage");
			assertThat(recovered.view()).isEqualTo("shared");
			assertThat(recovered.degraded()).isNull();
		});
		assertThat(endpoint.pools().degraded()).isNull();
	}

	@Test
	void eachOutageLimitsLocallyToTheShareOfTheJvmsLastSeenBeforeIt() {
		QuotaSettings settings = start(FailMode.LOCAL);
		PoolSpec pool = settings.pools().get("outage");
		this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
		assertThat(this.store.snapshot(pool).liveWorkers()).isOne();

		// Alone: the first outage limits this JVM to 80 % of the pool, 8 a minute.
		this.redis.stop();
		this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
		assertThat(this.store.localReading(pool).limits().rates().get(0).capacity()).isEqualTo(8.0);
		this.redis.start();

		try (DefaultQuotaEngine other = new DefaultQuotaEngine(settings, failover(settings, FailMode.LOCAL))) {
			// Until the circuit lets this JVM's snapshot reach Redis again, it fails
			// fast.
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptionsInstanceOf(DataAccessException.class)
				.untilAsserted(() -> {
					for (DefaultQuotaEngine engine : List.of(this.engine, other)) {
						try {
							engine.acquire(request()).settle(TokenUsage.of(0, 0));
						}
						catch (QuotaRejectedException ex) {
							assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE);
						}
					}
					assertThat(this.store.snapshot(pool).liveWorkers()).isEqualTo(2);
				});

			// Two JVMs: the second outage limits this one to half of that, 4 a minute.
			this.redis.stop();
			int admitted = 0;
			for (int i = 0; i < ATTEMPTS; i++) {
				try {
					this.engine.acquire(request()).settle(TokenUsage.of(0, 0));
					admitted++;
				}
				catch (QuotaRejectedException ex) {
					assertThat(ex.getReason()).isEqualTo(RejectionReason.DEADLINE);
				}
			}
			FailModeStore.LocalReading local = this.store.localReading(pool);
			assertThat(local.limits().rates().get(0).capacity()).isEqualTo(4.0);
			assertThat(admitted).isBetween(1, 4);
			assertThat(local.snapshot().used()[0]).isLessThanOrEqualTo(4.0);
		}
	}

	private QuotaSettings start(FailMode failMode) {
		// Ten requests per minute: the local share of a lone JVM is 80 % of that, 8.
		QuotaSettings settings = TestSettings.pool("outage")
			.limit(Dimension.REQUESTS_PER_MINUTE, 10)
			.noReserves()
			.build();
		this.store = failover(settings, failMode);
		this.engine = new DefaultQuotaEngine(settings, this.store);
		return settings;
	}

	private FailoverQuotaStore failover(QuotaSettings settings, FailMode failMode) {
		// Long enough for a fresh server on a loaded machine, short enough that the
		// calls that find the server dead do not add up.
		RedisQuotaStore shared = new RedisQuotaStore(this.connectionFactory, settings, this.keyPrefix,
				Duration.ofSeconds(1));
		return new FailoverQuotaStore(shared, settings, failMode, Duration.ofMillis(500));
	}

	private static QuotaRequest request() {
		return QuotaRequest.builder("model").maxWait(Duration.ZERO).build();
	}

}
