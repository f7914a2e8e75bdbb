package io.github.llmquota.redis;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.engine.QuotaEngineContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;

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
