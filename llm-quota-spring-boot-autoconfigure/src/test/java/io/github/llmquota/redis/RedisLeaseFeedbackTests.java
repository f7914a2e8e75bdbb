package io.github.llmquota.redis;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.engine.LeaseFeedbackContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.TestRedis;

/**
 * Provider feedback through a lease, kept by the Lua script in a real Redis.
 */
class RedisLeaseFeedbackTests extends LeaseFeedbackContractTests {

	private final String prefix = "f" + UUID.randomUUID().toString().substring(0, 8);

	private LettuceConnectionFactory connectionFactory;

	@BeforeEach
	void connect() {
		this.connectionFactory = TestRedis.shared().connectionFactory();
	}

	@AfterEach
	void disconnect() {
		// Runs before the superclass closes the engine, which still needs the connection.
		closeEngine();
		this.connectionFactory.destroy();
	}

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new RedisQuotaStore(this.connectionFactory, settings, this.prefix, () -> this.now);
	}

}
