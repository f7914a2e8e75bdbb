package io.github.llmquota.redis;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A Sentinel-managed Redis through nothing but Spring Boot's
 * {@code spring.data.redis.sentinel.*}, on either client.
 */
class RedisSentinelTests {

	@ParameterizedTest
	@ValueSource(strings = { "lettuce", "jedis" })
	void engineWorksThroughSpringBootsSentinelConfiguration(String clientType) {
		TestRedis master = TestRedis.startNew();
		TestRedis sentinel = TestRedis.startSentinel(master);
		try {
			new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, LlmQuotaAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.client-type=" + clientType,
						"spring.data.redis.sentinel.master=mymaster",
						"spring.data.redis.sentinel.nodes=" + sentinel.host() + ":" + sentinel.port(),
						"llm.quota.key-prefix=s" + UUID.randomUUID().toString().substring(0, 6),
						"llm.quota.default-priority=CRITICAL", "llm.quota.models.claude.requests-per-minute=1",
						"llm.quota.safety-margin=0")
				.run((context) -> {
					QuotaEngine engine = context.getBean(QuotaEngine.class);
					QuotaLease lease = engine.acquire(QuotaRequest.builder("claude").maxWait(Duration.ZERO).build());
					lease.settle(TokenUsage.of(1, 1));

					// Shared state, not a local fallback: the minute's one request is
					// spent.
					assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(
							() -> engine.acquire(QuotaRequest.builder("claude").maxWait(Duration.ZERO).build()));
					assertThat(master.command("DBSIZE")).doesNotStartWith(":0");
				});
		}
		finally {
			sentinel.stop();
			master.stop();
		}
	}

}
