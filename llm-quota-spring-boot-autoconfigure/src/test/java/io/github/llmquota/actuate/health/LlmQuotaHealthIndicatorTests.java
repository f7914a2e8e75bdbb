package io.github.llmquota.actuate.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.autoconfigure.LlmQuotaAlertsAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaHealthContributorAutoConfiguration;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaHealthIndicator}, with load driven through the engine against
 * a real Redis, and with that Redis stopped.
 */
class LlmQuotaHealthIndicatorTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaAlertsAutoConfiguration.class, LlmQuotaHealthContributorAutoConfiguration.class))
		.withPropertyValues("llm.quota.safety-margin=0", "llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.requests-per-minute=100", "llm.quota.models.claude.provider=anthropic",
				"llm.quota.models.claude.requests-per-minute=100");

	@Test
	void quietQuotaIsUpWithEveryPoolOk() {
		onSharedRedis().run((context) -> {
			use(context, "gpt-4o", 10);

			Health health = checkedHealth(context);

			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsOnlyKeys("pools");
			assertThat(health.getDetails().get("pools"))
				.isEqualTo(Map.of("claude", QuotaStatus.OK, "gpt-4o", QuotaStatus.OK));
		});
	}

	@Test
	void busyQuotaIsStillUpAndListsThePoolsAtWarnAndCriticalWithTheirDimensions() {
		onSharedRedis().run((context) -> {
			use(context, "gpt-4o", 85);
			use(context, "claude", 95);

			Health health = checkedHealth(context);

			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails().get("pools"))
				.isEqualTo(Map.of("claude", QuotaStatus.CRITICAL, "gpt-4o", QuotaStatus.WARN));
			assertThat(health.getDetails().get("warn")).isEqualTo(Map.of("gpt-4o", List.of("requests-per-minute")));
			assertThat(health.getDetails().get("critical")).isEqualTo(Map.of("claude", List.of("requests-per-minute")));
			// CRITICAL utilisation alone is no pressure: nothing is shed.
			assertThat(health.getDetails()).doesNotContainKeys("unreachable", "degraded", "shedding");
		});
	}

	@Test
	void poolStoppedByAProviderRateLimitIsListedInCooldownWithItsEndAndStaysUp() {
		onSharedRedis().run((context) -> {
			Instant before = Instant.now();
			QuotaLease lease = context.getBean(QuotaEngine.class)
				.acquire(QuotaRequest.builder("claude").priority(Priority.CRITICAL).maxWait(Duration.ZERO).build());
			lease.release(CallOutcome.FAILED, new ProviderFeedbackParser().parse("claude", Provider.ANTHROPIC, 429,
					Map.of("retry-after", List.of("30")), null, Instant.now()));

			Health health = checkedHealth(context);

			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails().get("pools"))
				.isEqualTo(Map.of("claude", QuotaStatus.COOLDOWN, "gpt-4o", QuotaStatus.OK));
			assertThat(health.getDetails().get("cooldown")).asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsOnlyKeys("claude")
				.extractingByKey("claude")
				.satisfies((end) -> assertThat(Instant.parse((String) end)).isBetween(before.plusSeconds(29),
						Instant.now().plusSeconds(31)));
		});
	}

	@Test
	void poolWhoseProviderQuotaIsExhaustedIsListedWithItsEndAndReasonAndStaysUp() {
		onSharedRedis().run((context) -> {
			Instant before = Instant.now();
			QuotaLease lease = context.getBean(QuotaEngine.class)
				.acquire(QuotaRequest.builder("gpt-4o").priority(Priority.CRITICAL).maxWait(Duration.ZERO).build());
			lease.release(CallOutcome.FAILED,
					new ProviderFeedbackParser().parse("gpt-4o", Provider.OPENAI, 429, Map.of(),
							"{\"error\":{\"message\":\"You exceeded your current quota.\",\"code\":"
									+ "\"insufficient_quota\"}}",
							Instant.now()));

			Health health = checkedHealth(context);

			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails().get("pools"))
				.isEqualTo(Map.of("claude", QuotaStatus.OK, "gpt-4o", QuotaStatus.EXHAUSTED));
			assertThat(health.getDetails().get("exhausted")).asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsOnlyKeys("gpt-4o")
				.extractingByKey("gpt-4o")
				.asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsEntry("reason", "You exceeded your current quota.")
				.extractingByKey("until")
				.satisfies((end) -> assertThat(Instant.parse((String) end)).isBetween(before.plusSeconds(299),
						Instant.now().plusSeconds(301)));
		});
	}

	@Test
	void unreachableQuotaStateIsDownWhenTheFailModeRejectsRequests() {
		Health health = healthWithRedisStopped("closed");

		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails().get("unreachable")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsOnlyKeys("claude", "gpt-4o");
		assertThat(health.getDetails()).doesNotContainKey("degraded");
	}

	@Test
	void unreachableQuotaStateIsUpButDegradedWhenRequestsAreLimitedLocally() {
		Health health = healthWithRedisStopped("local");

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("degraded", true).containsKey("unreachable");
	}

	@Test
	void unreachableQuotaStateIsUpButDegradedWhenRequestsProceedUnlimited() {
		Health health = healthWithRedisStopped("open");

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("degraded", true);
	}

	@Test
	void statusSeenBeforeRedisWasLostIsKept() {
		TestRedis redis = TestRedis.startNew();
		try {
			on(redis)
				.withPropertyValues("llm.quota.pressure.max-queue-drain=0s",
						"llm.quota.models.claude.requests-per-minute=2")
				.run((context) -> {
					// Full (two a minute), and a call waits: under pressure, so the pool
					// is shed
					// too.
					use(context, "claude", 2);
					context.getBean(QuotaEngine.class)
						.acquireAsync(QuotaRequest.builder("claude")
							.priority(Priority.CRITICAL)
							.maxWait(Duration.ofMinutes(1))
							.build());
					context.getBean(QuotaThresholdMonitor.class).check();
					redis.stop();
					try {
						Health health = checkedHealth(context);

						assertThat(health.getDetails().get("critical"))
							.isEqualTo(Map.of("claude", List.of("requests-per-minute")));
						assertThat(health.getDetails().get("shedding")).isEqualTo(List.of("claude"));
					}
					finally {
						redis.start();
					}
				});
		}
		finally {
			redis.stop();
		}
	}

	private Health healthWithRedisStopped(String failMode) {
		TestRedis redis = TestRedis.startNew();
		Health[] health = new Health[1];
		try {
			on(redis).withPropertyValues("llm.quota.redis.fail-mode=" + failMode).run((context) -> {
				redis.stop();
				try {
					health[0] = checkedHealth(context);
				}
				finally {
					// Back up, so that the context closes without waiting on a dead
					// server.
					redis.start();
				}
			});
		}
		finally {
			redis.stop();
		}
		return health[0];
	}

	private ApplicationContextRunner onSharedRedis() {
		// A read that misses its deadline leaves a pool's status as it was, so a loaded
		// machine must not decide what these tests see: a generous deadline.
		return on(TestRedis.shared()).withPropertyValues("llm.quota.redis.timeout=10s");
	}

	private ApplicationContextRunner on(TestRedis redis) {
		return this.runner.withPropertyValues("spring.data.redis.host=" + redis.host(),
				"spring.data.redis.port=" + redis.port(), "spring.data.redis.timeout=500ms",
				"llm.quota.key-prefix=h" + UUID.randomUUID().toString().substring(0, 8));
	}

	private static Health checkedHealth(AssertableApplicationContext context) {
		context.getBean(QuotaThresholdMonitor.class).check();
		return context.getBean(LlmQuotaHealthIndicator.class).health();
	}

	private static void use(AssertableApplicationContext context, String model, int requests) {
		QuotaEngine engine = context.getBean(QuotaEngine.class);
		for (int i = 0; i < requests; i++) {
			engine.acquire(QuotaRequest.builder(model).priority(Priority.CRITICAL).maxWait(Duration.ZERO).build());
		}
	}

}
