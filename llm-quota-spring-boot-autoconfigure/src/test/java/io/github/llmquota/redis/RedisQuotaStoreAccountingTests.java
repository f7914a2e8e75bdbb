package io.github.llmquota.redis;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.QuotaStoreAccountingContractTests;
import io.github.llmquota.test.TestRedis;

/**
 * The Lua script counts the edge cases, against a real Redis with time driven by the test.
 */
class RedisQuotaStoreAccountingTests extends QuotaStoreAccountingContractTests {

	private final String prefix = "a" + UUID.randomUUID().toString().substring(0, 8);

	private LettuceConnectionFactory connectionFactory;

	@BeforeEach
	void connect() {
		this.connectionFactory = TestRedis.shared().connectionFactory();
	}

	@AfterEach
	void disconnect() {
		// Runs before the superclass's teardown: the store must go before its connections.
		if (this.store != null) {
			this.store.stop();
		}
		this.connectionFactory.destroy();
	}

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return new RedisQuotaStore(this.connectionFactory, settings, this.prefix, () -> this.now);
	}

}
