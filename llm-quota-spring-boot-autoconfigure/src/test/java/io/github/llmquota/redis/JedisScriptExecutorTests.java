package io.github.llmquota.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPoolConfig;

import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.test.util.ReflectionTestUtils;

import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Jedis executor's own configuration checks, thread handling and script fallback,
 * fast enough for the mutation profile (which leaves out the Jedis outage and stall
 * tests).
 */
class JedisScriptExecutorTests {

	// Counts its runs in KEYS[1], and fails after that write when ARGV[1] is "fail".
	private static final String COUNTING_SCRIPT = "io/github/llmquota/redis/counting.lua";

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private TestRedis redis;

	private JedisConnectionFactory connectionFactory;

	private JedisScriptExecutor executor;

	@AfterEach
	void stop() {
		if (this.executor != null) {
			this.executor.stop();
		}
		if (this.connectionFactory != null) {
			TestRedisClient.destroy(this.connectionFactory);
		}
		if (this.redis != null) {
			this.redis.resume();
			this.redis.stop();
		}
	}

	@Test
	void zeroReadTimeoutIsRefusedNamingSpringDataRedisTimeout() {
		JedisClientConfiguration client = JedisClientConfiguration.builder().readTimeout(Duration.ZERO).build();
		assertThatIllegalStateException().isThrownBy(() -> executor(standalone(client)))
			.withMessageContaining("spring.data.redis.timeout ");
	}

	@Test
	void negativeConnectTimeoutIsRefusedNamingSpringDataRedisConnectTimeout() {
		JedisClientConfiguration client = JedisClientConfiguration.builder()
			.connectTimeout(Duration.ofMillis(-1))
			.build();
		assertThatIllegalStateException().isThrownBy(() -> executor(standalone(client)))
			.withMessageContaining("spring.data.redis.connect-timeout");
	}

	@Test
	void poolOfOneConnectionIsRefusedNamingMaxActive() {
		assertThatIllegalStateException().isThrownBy(() -> executor(standalone(pooled(1))))
			.withMessageContaining("spring.data.redis.jedis.pool.max-active");
	}

	@Test
	void poolOfNoConnectionsIsRefusedRatherThanTakenForUnbounded() {
		assertThatIllegalStateException().isThrownBy(() -> executor(standalone(pooled(0))))
			.withMessageContaining("spring.data.redis.jedis.pool.max-active");
	}

	@Test
	void poolOfTwoConnectionsRunsCallsOnTwoThreads() {
		assertThat(maxThreads(executor(standalone(pooled(2))))).isEqualTo(2);
	}

	@Test
	void boundedPoolRunsCallsOnOneThreadPerConnection() {
		assertThat(maxThreads(executor(standalone(pooled(5))))).isEqualTo(5);
	}

	@Test
	void unboundedPoolRunsCallsOnEightThreads() {
		assertThat(maxThreads(executor(standalone(pooled(-1))))).isEqualTo(8);
	}

	@Test
	void unpooledConnectionsRunCallsOnEightThreadsWhateverThePoolConfigSays() {
		JedisConnectionFactory unpooled = new JedisConnectionFactory(new RedisStandaloneConfiguration());
		unpooled.setPoolConfig(jedisPoolConfig(3));
		unpooled.setUsePool(false);
		assertThat(maxThreads(executor(unpooled))).isEqualTo(8);
	}

	@Test
	void clusterRunsCallsOnOneThreadPerPooledConnectionEvenWithoutPooling() {
		// Jedis pools cluster connections whether or not pooling was asked for.
		JedisConnectionFactory cluster = new JedisConnectionFactory(
				new RedisClusterConfiguration(List.of("127.0.0.1:7000")));
		cluster.setPoolConfig(jedisPoolConfig(3));
		cluster.setUsePool(false);
		assertThat(maxThreads(executor(cluster))).isEqualTo(3);
	}

	@Test
	void callThreadsAreDaemonsThatEndWhenIdle() {
		JedisScriptExecutor executor = executor(started());
		Set<Thread> before = callThreads();
		assertThat(executor.execute(List.of("runs"), List.of("ok"))).isEqualTo(List.of(1L));
		Set<Thread> started = callThreads();
		started.removeAll(before);
		assertThat(started).isNotEmpty().allMatch(Thread::isDaemon);
		// A minute without calls ends a thread: waiting it out is too slow for a test.
		ThreadPoolExecutor calls = calls(executor);
		assertThat(calls.allowsCoreThreadTimeOut()).isTrue();
		assertThat(calls.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(60);
	}

	@Test
	void callThreadsEndOnStop() {
		JedisScriptExecutor executor = executor(started());
		Set<Thread> before = callThreads();
		executor.execute(List.of("runs"), List.of("ok"));
		Set<Thread> started = callThreads();
		started.removeAll(before);
		assertThat(started).isNotEmpty();

		executor.stop();

		await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(Thread::isAlive));
	}

	@Test
	void callAfterStopStillRuns() {
		JedisScriptExecutor executor = executor(started());
		assertThat(executor.execute(List.of("runs"), List.of("ok"))).isEqualTo(List.of(1L));
		executor.stop();
		assertThat(executor.execute(List.of("runs"), List.of("ok"))).isEqualTo(List.of(2L));
		assertThat(executor.execute(List.of("runs"), List.of("ok"))).isEqualTo(List.of(3L));
	}

	@Test
	void callWithMoreArgumentsThanKeysRuns() {
		JedisScriptExecutor executor = executor(started());
		assertThat(executor.execute(List.of("runs"), List.of("ok", "unused", "unused"))).isEqualTo(List.of(1L));
	}

	@Test
	void failingScriptIsNotRunAgainAndFailsWithSpringDataRedisTranslation() {
		JedisScriptExecutor executor = executor(started());
		// The first call sends the script in full (EVAL) after NOSCRIPT; the second runs
		// it by its digest. Neither may be sent again because the script itself failed.
		for (int run = 1; run <= 2; run++) {
			assertThatThrownBy(() -> executor.execute(List.of("runs"), List.of("fail")))
				.isExactlyInstanceOf(InvalidDataAccessApiUsageException.class)
				.hasMessageContaining("WRONGTYPE");
		}
		assertThat(this.redis.command("GET", "runs")).isEqualTo("$1\r\n2\r\n");
	}

	@Test
	void failureThatSpringDataRedisDidNotTranslateIsWrapped() {
		JedisScriptExecutor executor = executor(standalone(pooled(2)));
		IOException cause = new IOException("disk on fire");
		assertThat(executor.failure(cause)).isInstanceOf(RedisSystemException.class)
			.hasMessage("disk on fire")
			.hasCause(cause);
	}

	@Test
	void interruptedCallerStillGetsItsReplyAndKeepsItsInterrupt() throws Exception {
		JedisScriptExecutor executor = executor(started());
		AtomicReference<Object> reply = new AtomicReference<>();
		AtomicBoolean interruptedAfter = new AtomicBoolean();
		assertThat(executor.execute(List.of("runs"), List.of("ok"))).isEqualTo(List.of(1L));
		// A frozen Redis keeps the call from ending before its caller is interrupted.
		this.redis.pause();
		Thread caller = new Thread(() -> {
			Thread.currentThread().interrupt();
			reply.set(executor.execute(List.of("runs"), List.of("ok")));
			interruptedAfter.set(Thread.currentThread().isInterrupted());
		});
		caller.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> caller.getState() == Thread.State.TIMED_WAITING);
		this.redis.resume();
		caller.join(TimeUnit.SECONDS.toMillis(20));
		assertThat(reply.get()).isEqualTo(List.of(2L));
		assertThat(interruptedAfter).isTrue();
	}

	@Test
	void callStillQueuedWhenItsCallerGaveUpNeverRuns() throws Exception {
		JedisConnectionFactory connectionFactory = started();
		JedisScriptExecutor executor = executor(connectionFactory, Duration.ofMillis(100));
		ThreadPoolExecutor calls = calls(executor);
		// The test holds both pooled connections, so both threads of the executor block
		// on the pool and the third call waits in the queue, until every caller has given
		// up.
		RedisConnection first = connectionFactory.getConnection();
		RedisConnection second = connectionFactory.getConnection();
		for (int call = 1; call <= 3; call++) {
			assertThatExceptionOfType(QueryTimeoutException.class)
				.isThrownBy(() -> executor.execute(List.of("runs"), List.of("ok")));
		}
		first.close();
		second.close();

		// Calls under way finish after stop, and so would a queued one that was left
		// there.
		executor.stop();
		assertThat(calls.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
		assertThat(this.redis.command("GET", "runs")).isEqualTo("$1\r\n2\r\n");
	}

	private JedisScriptExecutor executor(JedisConnectionFactory connectionFactory) {
		this.executor = new JedisScriptExecutor(connectionFactory, COUNTING_SCRIPT, TIMEOUT);
		return this.executor;
	}

	private JedisScriptExecutor executor(JedisConnectionFactory connectionFactory, Duration timeout) {
		this.executor = new JedisScriptExecutor(connectionFactory, COUNTING_SCRIPT, timeout);
		return this.executor;
	}

	private JedisConnectionFactory started() {
		this.redis = TestRedis.startNew();
		// A read timeout long enough that a loaded machine never breaks a call to a Redis
		// that a test froze for a moment.
		this.connectionFactory = TestRedisClient.jedis(this.redis,
				JedisClientConfiguration.builder()
					.readTimeout(Duration.ofSeconds(30))
					.usePooling()
					.poolConfig(poolConfig(2))
					.build());
		return this.connectionFactory;
	}

	private static JedisConnectionFactory standalone(JedisClientConfiguration client) {
		return new JedisConnectionFactory(new RedisStandaloneConfiguration(), client);
	}

	private static JedisClientConfiguration pooled(int maxTotal) {
		return JedisClientConfiguration.builder().usePooling().poolConfig(poolConfig(maxTotal)).build();
	}

	private static GenericObjectPoolConfig<Jedis> poolConfig(int maxTotal) {
		GenericObjectPoolConfig<Jedis> pool = new GenericObjectPoolConfig<>();
		pool.setMaxTotal(maxTotal);
		return pool;
	}

	private static JedisPoolConfig jedisPoolConfig(int maxTotal) {
		JedisPoolConfig pool = new JedisPoolConfig();
		pool.setMaxTotal(maxTotal);
		return pool;
	}

	private static ThreadPoolExecutor calls(JedisScriptExecutor executor) {
		return (ThreadPoolExecutor) ReflectionTestUtils.getField(executor, "calls");
	}

	private static int maxThreads(JedisScriptExecutor executor) {
		return calls(executor).getMaximumPoolSize();
	}

	private static Set<Thread> callThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith("llm-quota-jedis-"))
			.collect(Collectors.toSet());
	}

}
