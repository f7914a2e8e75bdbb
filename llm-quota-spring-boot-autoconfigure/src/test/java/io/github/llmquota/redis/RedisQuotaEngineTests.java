package io.github.llmquota.redis;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.QuotaEngineContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine over Redis, with grants pushed over pub/sub and Redis time.
 */
class RedisQuotaEngineTests extends QuotaEngineContractTests {

	private final String prefix = "e" + UUID.randomUUID().toString().substring(0, 8);

	private RedisConnectionFactory connectionFactory;

	@BeforeEach
	void connect() {
		this.connectionFactory = client().connectionFactory(TestRedis.shared());
	}

	@AfterEach
	void disconnect() {
		// Runs before the superclass closes the engine, which still needs the connection.
		closeEngine();
		TestRedisClient.destroy(this.connectionFactory);
	}

	@Test
	void limitRaisedByAnotherInstanceAdmitsALargeRequestThisInstanceHasNotSeenTheChangeFor() {
		QuotaSettings settings = TestSettings.pool("raised-elsewhere")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 30_000)
			.build();
		RedisQuotaStore store = new RedisQuotaStore(this.connectionFactory, settings, this.prefix);
		try (DefaultQuotaEngine here = new DefaultQuotaEngine(settings, store);
				DefaultQuotaEngine elsewhere = new DefaultQuotaEngine(settings,
						new RedisQuotaStore(this.connectionFactory, settings, this.prefix))) {
			elsewhere.changeLive("raised-elsewhere",
					new LiveSettings(Map.of(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000L), null, null, null));
			// This instance still decides on the configured limit, which cannot fit the
			// request: only asking the store again admits it.
			assertThat(store.liveLimits(settings.pools().get("raised-elsewhere")).rates().get(0).limit())
				.isEqualTo(30_000);

			here.acquire(QuotaRequest.builder("model").inputTokens(40_000).maxWait(Duration.ZERO).build())
				.release(CallOutcome.NOT_SENT);
		}
	}

	/**
	 * Return the client these tests run on; a subclass runs them all on another.
	 * @return the client
	 */
	TestRedisClient client() {
		return TestRedisClient.LETTUCE;
	}

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new RedisQuotaStore(this.connectionFactory, settings, this.prefix);
	}

	@Override
	protected long waitingTickets(String pool) {
		Long size = new StringRedisTemplate(this.connectionFactory).opsForZSet()
			.zCard(this.prefix + ":{" + pool + "}:q");
		return (size != null) ? size : 0;
	}

}
