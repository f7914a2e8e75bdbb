package io.github.llmquota.test;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The Redis clients of Spring Data Redis that llm-quota runs on, each configured as
 * Spring Boot configures it by default (Jedis pooled), for tests that must hold on both.
 */
public enum TestRedisClient {

	/**
	 * Lettuce, Spring Boot's default client.
	 */
	LETTUCE {

		@Override
		RedisConnectionFactory create(RedisConfiguration configuration) {
			return (configuration instanceof RedisClusterConfiguration cluster) ? new LettuceConnectionFactory(cluster)
					: new LettuceConnectionFactory((RedisStandaloneConfiguration) configuration);
		}

	},

	/**
	 * Jedis, with a connection pool.
	 */
	JEDIS {

		@Override
		RedisConnectionFactory create(RedisConfiguration configuration) {
			return jedisFactory(configuration, JedisClientConfiguration.builder().usePooling().build());
		}

	};

	abstract RedisConnectionFactory create(RedisConfiguration configuration);

	/**
	 * Create a started connection factory for a server; the caller destroys it.
	 * @param redis the server
	 * @return the connection factory
	 */
	public RedisConnectionFactory connectionFactory(TestRedis redis) {
		return start(create(new RedisStandaloneConfiguration(redis.host(), redis.port())));
	}

	/**
	 * Create a started connection factory for a cluster; the caller destroys it.
	 * @param cluster the cluster
	 * @return the connection factory
	 */
	public RedisConnectionFactory connectionFactory(TestRedisCluster cluster) {
		return start(create(cluster.configuration()));
	}

	/**
	 * Create a started Jedis connection factory with a client configuration of the test's
	 * own; the caller destroys it.
	 * @param redis the server
	 * @param client the client configuration
	 * @return the connection factory
	 */
	public static JedisConnectionFactory jedis(TestRedis redis, JedisClientConfiguration client) {
		return start(jedisFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()), client));
	}

	/**
	 * Destroy a connection factory, closing its connections.
	 * @param connectionFactory the connection factory
	 */
	public static void destroy(RedisConnectionFactory connectionFactory) {
		try {
			((DisposableBean) connectionFactory).destroy();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static JedisConnectionFactory jedisFactory(RedisConfiguration configuration,
			JedisClientConfiguration client) {
		return (configuration instanceof RedisClusterConfiguration cluster)
				? new JedisConnectionFactory(cluster, client)
				: new JedisConnectionFactory((RedisStandaloneConfiguration) configuration, client);
	}

	private static <F extends RedisConnectionFactory> F start(F connectionFactory) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce) {
			lettuce.afterPropertiesSet();
			lettuce.start();
		}
		else if (connectionFactory instanceof JedisConnectionFactory jedis) {
			jedis.afterPropertiesSet();
			jedis.start();
		}
		return connectionFactory;
	}

}
