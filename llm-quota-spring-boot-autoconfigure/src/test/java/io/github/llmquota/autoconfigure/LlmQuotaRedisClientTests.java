package io.github.llmquota.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisSentinelConnection;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.failover.FailoverQuotaStore;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llm-quota on each Redis client Spring Boot can configure, and a startup that fails,
 * naming the setting or the type, where a client could not keep a call within
 * {@code llm.quota.redis.timeout}.
 */
class LlmQuotaRedisClientTests {

	private final TestRedis redis = TestRedis.shared();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, LlmQuotaAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + this.redis.host(),
				"spring.data.redis.port=" + this.redis.port(), "llm.quota.key-prefix=clients",
				"llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.requests-per-minute=1000");

	@Test
	void withSpringBootsJedisConnectionTheEngineKeepsStateInRedis() {
		this.runner.withPropertyValues("spring.data.redis.client-type=jedis").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(RedisConnectionFactory.class)).isInstanceOf(JedisConnectionFactory.class);
			FailoverQuotaStore store = context.getBean(FailoverQuotaStore.class);
			assertThat(store.getShared()).isInstanceOf(RedisQuotaStore.class);

			context.getBean(QuotaEngine.class).acquire(request()).settle(TokenUsage.of(1, 1));

			assertThat(store.isDegraded()).isFalse();
			assertThat(this.redis.command("EXISTS", "clients:{gpt-4o}:s")).startsWith(":1");
		});
	}

	@Test
	void withSpringBootsLettuceConnectionTheEngineKeepsStateInRedis() {
		this.runner.withPropertyValues("spring.data.redis.client-type=lettuce").run((context) -> {
			assertThat(context.getBean(RedisConnectionFactory.class)).isInstanceOf(LettuceConnectionFactory.class);
			context.getBean(QuotaEngine.class).acquire(request()).settle(TokenUsage.of(1, 1));
			assertThat(context.getBean(FailoverQuotaStore.class).isDegraded()).isFalse();
		});
	}

	@Test
	void jedisWithoutAReadTimeoutStopsStartupNamingTheProperty() {
		assertStartupFails("spring.data.redis.timeout=0", "read timeout", "spring.data.redis.timeout");
	}

	@Test
	void jedisWithoutAConnectTimeoutStopsStartupNamingTheProperty() {
		assertStartupFails("spring.data.redis.connect-timeout=0", "connect timeout",
				"spring.data.redis.connect-timeout");
	}

	@Test
	void jedisPoolOfOneConnectionStopsStartupNamingTheProperty() {
		assertStartupFails("spring.data.redis.jedis.pool.max-active=1", "grant subscription holds one connection",
				"spring.data.redis.jedis.pool.max-active");
	}

	@Test
	void connectionFactoryOfAnUnknownClientStopsStartupNamingItsType() {
		this.runner.withUserConfiguration(UnknownClientConfiguration.class).run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
			assertThat(cause).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining(UnknownClientConnectionFactory.class.getName())
				.hasMessageContaining("llm.quota.redis.timeout");
		});
	}

	private void assertStartupFails(String property, String reason, String named) {
		this.runner.withPropertyValues("spring.data.redis.client-type=jedis", property).run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
			assertThat(cause).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("Jedis")
				.hasMessageContaining(reason)
				.hasMessageContaining("set " + named + " ");
		});
	}

	private static QuotaRequest request() {
		return QuotaRequest.builder("gpt-4o").maxWait(Duration.ZERO).build();
	}

	@Configuration(proxyBeanMethods = false)
	static class UnknownClientConfiguration {

		@Bean
		UnknownClientConnectionFactory redisConnectionFactory() {
			return new UnknownClientConnectionFactory();
		}

	}

	/**
	 * A client llm-quota knows nothing of, such as a hand-written wrapper.
	 */
	static class UnknownClientConnectionFactory implements RedisConnectionFactory {

		@Override
		public RedisConnection getConnection() {
			throw new UnsupportedOperationException();
		}

		@Override
		public org.springframework.data.redis.connection.RedisClusterConnection getClusterConnection() {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean getConvertPipelineAndTxResults() {
			return false;
		}

		@Override
		public RedisSentinelConnection getSentinelConnection() {
			throw new UnsupportedOperationException();
		}

		@Override
		public DataAccessException translateExceptionIfPossible(RuntimeException ex) {
			return null;
		}

	}

}
