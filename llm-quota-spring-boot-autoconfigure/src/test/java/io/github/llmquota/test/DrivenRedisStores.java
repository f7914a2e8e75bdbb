package io.github.llmquota.test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;

/**
 * Redis stores for the store contract tests: on the shared test Redis, under a key prefix
 * of their own, on the test's driven clock. Register one with {@code @RegisterExtension};
 * after the test's own {@code @AfterEach} methods have run, it stops the stores it
 * created and closes their connection, in that order.
 */
public final class DrivenRedisStores implements AfterEachCallback {

	private final String prefix = "c" + UUID.randomUUID().toString().substring(0, 8);

	private final List<RedisQuotaStore> stores = new ArrayList<>();

	private LettuceConnectionFactory connectionFactory;

	/**
	 * Create a store, not yet started.
	 * @param settings the settings
	 * @param clock the test's clock, in milliseconds
	 * @return the store
	 */
	public RedisQuotaStore create(QuotaSettings settings, LongSupplier clock) {
		if (this.connectionFactory == null) {
			this.connectionFactory = TestRedis.shared().connectionFactory();
		}
		RedisQuotaStore store = new RedisQuotaStore(this.connectionFactory, settings, this.prefix, clock);
		this.stores.add(store);
		return store;
	}

	/**
	 * The key prefix of every store this creates, which is also the prefix of their
	 * channels.
	 * @return the prefix
	 */
	public String prefix() {
		return this.prefix;
	}

	@Override
	public void afterEach(ExtensionContext context) {
		this.stores.forEach(RedisQuotaStore::stop);
		this.stores.clear();
		if (this.connectionFactory != null) {
			this.connectionFactory.destroy();
			this.connectionFactory = null;
		}
	}

}
