package io.github.llmquota.test;

import java.util.Set;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;

import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.redis.RedisQuotaStore;

/**
 * Another instance of the fleet for a Spring Boot test whose application keeps its pools
 * in the shared test Redis: an engine of its own, on connections of its own, with the
 * application's settings and key prefix. Starting one first deletes the prefix's keys, so
 * that every test begins with an idle fleet.
 */
public final class OtherInstance implements AutoCloseable {

	private final LettuceConnectionFactory connections;

	private final QuotaSettings settings;

	private final String keyPrefix;

	private DefaultQuotaEngine engine;

	private OtherInstance(QuotaSettings settings, String keyPrefix) {
		this.connections = TestRedis.shared().connectionFactory();
		this.settings = settings;
		this.keyPrefix = keyPrefix;
		StringRedisTemplate redis = new StringRedisTemplate(this.connections);
		Set<String> keys = redis.keys(keyPrefix + ":*");
		if (keys != null && !keys.isEmpty()) {
			redis.delete(keys);
		}
		this.engine = engine(RedisQuotaStore::new);
	}

	/**
	 * Point the application at the shared test Redis, under a key prefix.
	 * @param registry the test's dynamic properties
	 * @param keyPrefix the key prefix, unique to the test class
	 */
	public static void sharedRedis(DynamicPropertyRegistry registry, String keyPrefix) {
		registry.add("spring.data.redis.host", () -> TestRedis.shared().host());
		registry.add("spring.data.redis.port", () -> TestRedis.shared().port());
		registry.add("llm.quota.key-prefix", () -> keyPrefix);
	}

	/**
	 * Clear the key prefix and start another instance on it.
	 * @param settings the application's settings
	 * @param keyPrefix the application's key prefix
	 * @return the instance
	 */
	public static OtherInstance start(QuotaSettings settings, String keyPrefix) {
		return new OtherInstance(settings, keyPrefix);
	}

	/**
	 * Return the instance's engine.
	 * @return the engine
	 */
	public DefaultQuotaEngine engine() {
		return this.engine;
	}

	/**
	 * Stop the engine and start a new one, as a restart of the instance does.
	 * @return the new engine
	 */
	public DefaultQuotaEngine restart() {
		this.engine.close();
		this.engine = engine(RedisQuotaStore::new);
		return this.engine;
	}

	/**
	 * Create a further engine on this instance's connections, settings and key prefix,
	 * over a store of the caller's making; the caller closes it.
	 * @param store makes the store from the connections, settings and key prefix
	 * @return the engine
	 */
	public DefaultQuotaEngine engine(StoreFactory store) {
		return new DefaultQuotaEngine(this.settings, store.create(this.connections, this.settings, this.keyPrefix));
	}

	@Override
	public void close() {
		this.engine.close();
		this.connections.destroy();
	}

	/**
	 * Makes a store on Redis.
	 */
	@FunctionalInterface
	public interface StoreFactory {

		/**
		 * Create a store.
		 * @param connections the connections
		 * @param settings the settings
		 * @param keyPrefix the key prefix
		 * @return the store, not yet started
		 */
		QuotaStore create(RedisConnectionFactory connections, QuotaSettings settings, String keyPrefix);

	}

}
