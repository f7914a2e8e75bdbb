package io.github.llmquota.redis;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.engine.AdmissionOrderContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.TestRedis;

/**
 * The Lua script's admission log measures inversions in the call that admits, against a real
 * Redis with time driven by the test.
 */
class RedisAdmissionOrderTests extends AdmissionOrderContractTests {

	private final String prefix = "o" + UUID.randomUUID().toString().substring(0, 8);

	private LettuceConnectionFactory connectionFactory;

	private RedisQuotaStore store;

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
	protected QuotaStore createStore(QuotaSettings settings, boolean arrivalOrder) {
		this.store = new RedisQuotaStore(this.connectionFactory, settings, this.prefix, () -> this.now);
		this.store.setAdmissionLog(true);
		this.store.setArrivalOrderForTesting(arrivalOrder);
		return this.store;
	}

	@Override
	protected List<String> admissionLog(String pool) {
		return this.store.admissionLog(pool);
	}

}
