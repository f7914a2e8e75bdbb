package io.github.llmquota.failover;

import java.time.Duration;
import java.util.UUID;

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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A caller interrupted after admission still ends its lease in Redis, and an interrupt is
 * no sign of a Redis outage.
 */
class InterruptedCallerTests {

	@ParameterizedTest
	@EnumSource(TestRedisClient.class)
	void interruptedThreadStillSettlesItsLeaseAndKeepsItsInterrupt(TestRedisClient client) {
		QuotaSettings settings = TestSettings.pool("interrupted")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.build();
		RedisConnectionFactory factory = client.connectionFactory(TestRedis.shared());
		FailoverQuotaStore store = new FailoverQuotaStore(
				new RedisQuotaStore(factory, settings, "i" + UUID.randomUUID().toString().substring(0, 6)), settings,
				FailMode.LOCAL, Duration.ofSeconds(5));
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store)) {
			QuotaLease lease = engine.acquire(request());

			Thread.currentThread().interrupt();
			lease.settle(TokenUsage.of(1, 1));

			assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
			assertThat(store.isDegraded()).isFalse();
			// The only slot came back in Redis: the next call is admitted at once.
			engine.acquire(request()).settle(TokenUsage.of(1, 1));
		}
		finally {
			TestRedisClient.destroy(factory);
		}
	}

	private static QuotaRequest request() {
		return QuotaRequest.builder("model").maxWait(Duration.ZERO).build();
	}

}
