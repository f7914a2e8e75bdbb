package io.github.llmquota.failover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Redis frozen (SIGSTOP) rather than killed: connections stay open and nothing answers,
 * so only llm-quota's own deadline ends a call. The client's own timeout is set a minute
 * away, so a call that ends with the deadline's {@link QueryTimeoutException} was ended
 * by llm-quota and by nothing else, on either client.
 */
class StalledRedisTests {

	private static final Duration DEADLINE = Duration.ofSeconds(1);

	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

	// Jedis: one connection for the grant subscription, two for script calls.
	private static final int POOL_SIZE = 3;

	private final String prefix = "f" + UUID.randomUUID().toString().substring(0, 6);

	private final QuotaSettings settings = TestSettings.pool("frozen")
		.limit(Dimension.REQUESTS_PER_MINUTE, 10_000)
		.noReserves()
		.build();

	private final PoolSpec pool = this.settings.pools().values().iterator().next();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private TestRedis redis;

	private int tickets;

	@BeforeEach
	void startRedis() {
		this.redis = TestRedis.startNew();
	}

	@AfterEach
	void stopAll() throws Exception {
		this.redis.resume();
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		this.redis.stop();
	}

	@ParameterizedTest
	@EnumSource(TestRedisClient.class)
	void callToAFrozenRedisEndsAtTheDeadlineWithTheSameTimeoutOnEveryClient(TestRedisClient client) {
		RedisQuotaStore store = store(client);
		assertThat(store.acquire(this.pool, ticket()).status()).isEqualTo(Admission.Status.GRANTED);

		this.redis.pause();

		assertEndsAtTheDeadline(() -> store.acquire(this.pool, ticket()));
		assertEndsAtTheDeadline(() -> store.snapshot(this.pool));
	}

	@ParameterizedTest
	@EnumSource(TestRedisClient.class)
	void frozenRedisTripsTheFailModeAndSharedLimitingResumesWhenItThaws(TestRedisClient client) {
		FailoverQuotaStore failover = new FailoverQuotaStore(store(client), this.settings, FailMode.LOCAL,
				Duration.ofMillis(200));
		DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, failover);
		this.closeables.add(0, engine);
		engine.acquire(request()).settle(TokenUsage.of(0, 0));

		this.redis.pause();

		assertTimeoutPreemptively(Duration.ofSeconds(20), () -> engine.acquire(request()).settle(TokenUsage.of(0, 0)));
		assertThat(failover.isDegraded()).isTrue();

		this.redis.resume();

		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			engine.acquire(request()).settle(TokenUsage.of(0, 0));
			assertThat(failover.isDegraded()).isFalse();
		});
	}

	@ParameterizedTest
	@EnumSource(TestRedisClient.class)
	void callsAbandonedDuringAStallLeakNoConnectionAndTheirLateRepliesReachNoOtherCall(TestRedisClient client)
			throws Exception {
		RedisQuotaStore store = store(client);
		store.acquire(this.pool, ticket());
		this.redis.pause();

		// Twice as many callers as the Jedis pool has connections, all given up on.
		ExecutorService callers = Executors.newFixedThreadPool(2 * POOL_SIZE);
		try {
			List<CompletableFuture<Void>> abandoned = new ArrayList<>();
			for (int i = 0; i < 2 * POOL_SIZE; i++) {
				Ticket ticket = ticket();
				abandoned.add(CompletableFuture.runAsync(() -> assertThatExceptionOfType(QueryTimeoutException.class)
					.isThrownBy(() -> store.acquire(this.pool, ticket)), callers));
			}
			assertTimeoutPreemptively(Duration.ofSeconds(20),
					() -> CompletableFuture.allOf(abandoned.toArray(CompletableFuture[]::new)).get());
		}
		finally {
			callers.shutdownNow();
		}

		this.redis.resume();

		// The abandoned calls' replies now arrive. Each later call must get a reply of
		// its own shape (a snapshot read as an acquire's reply would not parse), and the
		// pool must have every connection back, or these calls would wait for one until
		// the deadline.
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(100))
			.ignoreExceptions()
			.until(() -> store.snapshot(this.pool) != null);
		for (int i = 0; i < 4 * POOL_SIZE; i++) {
			PoolSnapshot snapshot = store.snapshot(this.pool);
			assertThat(snapshot.pool()).isEqualTo("frozen");
			Ticket ticket = ticket();
			assertThat(store.acquire(this.pool, ticket).status()).isEqualTo(Admission.Status.GRANTED);
			assertThat(store.poll(this.pool, List.of(ticket.id(), "unknown")).states()).hasSize(2);
		}
		if (client == TestRedisClient.JEDIS) {
			// Calls still queued when their callers gave up never ran: the warm-up lease,
			// at most one per pooled connection that reached Redis, and the twelve just
			// taken.
			assertThat(store.snapshot(this.pool).inFlight()).isLessThanOrEqualTo(1 + POOL_SIZE + 4 * POOL_SIZE);
		}
	}

	@Test
	void jedisCallOnTheCallersOwnThreadOutlivesTheDeadlineAndTheCheckSaysSo() {
		// What a store that ran Jedis calls where they are made would do: wait for the
		// client's own read timeout. The deadline check of these tests must catch it.
		JedisClientConfiguration shortClientTimeout = JedisClientConfiguration.builder()
			.readTimeout(Duration.ofSeconds(2))
			.usePooling()
			.build();
		RedisConnectionFactory factory = TestRedisClient.jedis(this.redis, shortClientTimeout);
		this.closeables.add(() -> TestRedisClient.destroy(factory));
		this.redis.pause();

		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> assertEndsAtTheDeadline(() -> {
			try (RedisConnection connection = factory.getConnection()) {
				connection.scriptingCommands().eval("return 1".getBytes(), ReturnType.INTEGER, 0);
			}
		}));
	}

	// A guard against hanging, not a speed target: the exception type says who ended the
	// call.
	private static void assertEndsAtTheDeadline(ThrowingCallable call) {
		assertTimeoutPreemptively(Duration.ofSeconds(20),
				() -> assertThatExceptionOfType(QueryTimeoutException.class).isThrownBy(call));
	}

	private RedisQuotaStore store(TestRedisClient client) {
		RedisConnectionFactory factory = slowClient(client);
		this.closeables.add(() -> TestRedisClient.destroy(factory));
		RedisQuotaStore store = new RedisQuotaStore(factory, this.settings, this.prefix, DEADLINE);
		store.start("w1", AdmissionListener.none());
		this.closeables.add(0, store::stop);
		return store;
	}

	private RedisConnectionFactory slowClient(TestRedisClient client) {
		if (client == TestRedisClient.JEDIS) {
			GenericObjectPoolConfig<?> pool = new GenericObjectPoolConfig<>();
			pool.setMaxTotal(POOL_SIZE);
			return TestRedisClient.jedis(this.redis,
					JedisClientConfiguration.builder()
						.readTimeout(CLIENT_TIMEOUT)
						.usePooling()
						.poolConfig(pool)
						.build());
		}
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(this.redis.host(), this.redis.port()),
				LettuceClientConfiguration.builder().commandTimeout(CLIENT_TIMEOUT).build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	private Ticket ticket() {
		return new Ticket("w1." + (++this.tickets), "w1", 0, new long[] { 1 }, 0, "model", null);
	}

	private static QuotaRequest request() {
		return QuotaRequest.builder("model").maxWait(Duration.ZERO).build();
	}

}
