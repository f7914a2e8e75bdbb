package io.github.llmquota.autoconfigure;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.FeedbackSettings;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.failover.FailMode;
import io.github.llmquota.failover.FailoverQuotaStore;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.stream.StreamStep;
import io.github.llmquota.test.TestRedis;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link LlmQuotaAutoConfiguration}.
 */
class LlmQuotaAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class))
		.withPropertyValues("llm.quota.models.claude-sonnet-4.provider=anthropic",
				"llm.quota.models.claude-sonnet-4.pool=anthropic-sonnet",
				"llm.quota.models.claude-sonnet-4.requests-per-minute=50",
				"llm.quota.models.claude-sonnet-4.input-tokens-per-minute=30000",
				"llm.quota.models.claude-sonnet-4.output-tokens-per-minute=8000",
				"llm.quota.models.claude-sonnet-4-5.provider=anthropic",
				"llm.quota.models.claude-sonnet-4-5.pool=anthropic-sonnet",
				"llm.quota.models.claude-sonnet-4-5.requests-per-minute=50",
				"llm.quota.models.claude-sonnet-4-5.input-tokens-per-minute=30000",
				"llm.quota.models.claude-sonnet-4-5.output-tokens-per-minute=8000",
				"llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.tokens-per-minute=30000",
				"llm.quota.models.gpt-4o.requests-per-day=10000");

	@Test
	void withoutRedisTheEngineKeepsStateInMemory() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis")).run((context) -> {
			assertThat(context).hasSingleBean(InMemoryQuotaStore.class);
			assertThat(context).hasSingleBean(DefaultQuotaEngine.class);
		});
	}

	@Test
	void withSpringBootsRedisConnectionTheEngineKeepsStateInRedis() {
		TestRedis redis = TestRedis.shared();
		this.runner.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port())
			.run((context) -> {
				assertThat(context).hasSingleBean(FailoverQuotaStore.class);
				assertThat(context.getBean(FailoverQuotaStore.class).getShared()).isInstanceOf(RedisQuotaStore.class);
				assertThat(context.getBean(FailoverQuotaStore.class).getFailMode()).isEqualTo(FailMode.LOCAL);
				assertThat(context).doesNotHaveBean(InMemoryQuotaStore.class);
				assertThat(context.getBean(QuotaEngine.class)).isInstanceOf(DefaultQuotaEngine.class);
			});
	}

	@Test
	void modelsThatShareAPoolShareOneBucketAndProvidersSetTheAccountingProfile() {
		this.runner.run((context) -> {
			QuotaSettings settings = context.getBean(QuotaSettings.class);
			assertThat(settings.pools()).containsOnlyKeys("anthropic-sonnet", "gpt-4o");
			assertThat(settings.model("claude-sonnet-4").pool()).isSameAs(settings.model("claude-sonnet-4-5").pool());
			assertThat(settings.pools().get("anthropic-sonnet").models()).containsExactly("claude-sonnet-4",
					"claude-sonnet-4-5");
			assertThat(settings.model("claude-sonnet-4").cacheReadsCountAsInput()).isFalse();
			assertThat(settings.model("gpt-4o").cacheReadsCountAsInput()).isTrue();
			// The default 10% safety margin: 50 RPM plans as 45 per minute.
			assertThat(settings.pools().get("anthropic-sonnet").rates().get(0).capacity()).isEqualTo(45.0);
			assertThat(settings.pools().get("gpt-4o").rates()).extracting((rate) -> rate.dimension())
				.containsExactly(Dimension.TOKENS_PER_MINUTE, Dimension.REQUESTS_PER_DAY);
		});
	}

	@Test
	void cacheReadsCountAsInputFollowsTheProviderProfileUnlessTheModelSaysOtherwise() {
		this.runner
			.withPropertyValues("llm.quota.models.claude-3-5-haiku-20241022.provider=anthropic",
					"llm.quota.models.claude-3-5-haiku-20241022.requests-per-minute=50",
					"llm.quota.models.claude-opus-4.provider=anthropic",
					"llm.quota.models.claude-opus-4.requests-per-minute=50",
					"llm.quota.models.claude-opus-4.cache-reads-count-as-input=true",
					"llm.quota.models.gpt-4o.cache-reads-count-as-input=false")
			.run((context) -> {
				QuotaSettings settings = context.getBean(QuotaSettings.class);
				assertThat(settings.model("claude-3-5-haiku-20241022").cacheReadsCountAsInput()).isTrue();
				assertThat(settings.model("claude-sonnet-4").cacheReadsCountAsInput()).isFalse();
				assertThat(settings.model("claude-opus-4").cacheReadsCountAsInput()).isTrue();
				assertThat(settings.model("gpt-4o").cacheReadsCountAsInput()).isFalse();
			});
	}

	@Test
	void userBeansWin() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(QuotaStore.class)).isSameAs(context.getBean(UserBeans.class).store);
			assertThat(context.getBean(QuotaEngine.class)).isSameAs(context.getBean(UserBeans.class).engine);
		});
	}

	@Test
	void canBeSwitchedOff() {
		this.runner.withPropertyValues("llm.quota.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(QuotaEngine.class);
			assertThat(context).doesNotHaveBean(QuotaStore.class);
		});
	}

	@Test
	void negativeLimitStopsStartupNamingTheProperty() {
		assertStartupFails("llm.quota.models.gpt-4o.tokens-per-minute=-1", "llm.quota.models.gpt-4o.tokens-per-minute",
				"must be positive");
	}

	@Test
	void safetyMarginOutsideTheUnitIntervalStopsStartup() {
		assertStartupFails("llm.quota.safety-margin=1.0", "llm.quota.safety-margin", "must be in [0, 1)");
		assertStartupFails("llm.quota.safety-margin=-0.1", "llm.quota.safety-margin", "must be in [0, 1)");
	}

	@Test
	void maxCooldownDefaultsToFiveMinutesAndCanBeSet() {
		// The property's default is a literal, so that IDE help shows it; it must stay
		// the parser's and the engine's default.
		this.runner.run((context) -> assertThat(context.getBean(QuotaSettings.class).feedback().maxCooldown())
			.isEqualTo(Duration.ofMinutes(5))
			.isEqualTo(ProviderFeedbackParser.DEFAULT_MAX_DELAY)
			.isEqualTo(FeedbackSettings.DEFAULTS.maxCooldown()));
		this.runner.withPropertyValues("llm.quota.feedback.max-cooldown=90s")
			.run((context) -> assertThat(context.getBean(QuotaSettings.class).feedback().maxCooldown())
				.isEqualTo(Duration.ofSeconds(90)));
	}

	@Test
	void maxCooldownThatIsNotPositiveStopsStartup() {
		assertStartupFails("llm.quota.feedback.max-cooldown=0s", "llm.quota.feedback.max-cooldown", "must be positive");
		assertStartupFails("llm.quota.feedback.max-cooldown=-1m", "llm.quota.feedback.max-cooldown",
				"must be positive");
	}

	@Test
	void exhaustedHoldDefaultsToFiveMinutesAndCanBeSet() {
		this.runner.run((context) -> assertThat(context.getBean(QuotaSettings.class).feedback().exhaustedHold())
			.isEqualTo(Duration.ofMinutes(5))
			.isEqualTo(FeedbackSettings.DEFAULTS.exhaustedHold()));
		this.runner.withPropertyValues("llm.quota.feedback.exhausted-hold=1h")
			.run((context) -> assertThat(context.getBean(QuotaSettings.class).feedback().exhaustedHold())
				.isEqualTo(Duration.ofHours(1)));
	}

	@Test
	void exhaustedHoldThatIsNotPositiveStopsStartup() {
		assertStartupFails("llm.quota.feedback.exhausted-hold=0s", "llm.quota.feedback.exhausted-hold",
				"must be positive");
		assertStartupFails("llm.quota.feedback.exhausted-hold=-1m", "llm.quota.feedback.exhausted-hold",
				"must be positive");
	}

	@Test
	void modelWithoutAnyLimitStopsStartup() {
		assertStartupFails("llm.quota.models.mistral-large.provider=mistral", "llm.quota.models.mistral-large",
				"must set at least one limit");
	}

	@Test
	void modelsOfOnePoolWithConflictingLimitsStopStartup() {
		assertStartupFails("llm.quota.models.claude-sonnet-4-5.input-tokens-per-minute=40000",
				"llm.quota.models.claude-sonnet-4-5.input-tokens-per-minute",
				"conflicts with llm.quota.models.claude-sonnet-4.input-tokens-per-minute (30000)");
	}

	@Test
	void poolNameThatWouldBreakRedisKeysStopsStartup() {
		assertStartupFails("llm.quota.models.gpt-4o.pool=a{b}", "llm.quota.models.gpt-4o.pool", "Redis keys");
	}

	@Test
	void unknownDefaultPriorityStopsStartup() {
		assertStartupFails("llm.quota.default-priority=URGENT", "llm.quota.default-priority", "CRITICAL");
	}

	@Test
	void theRemovedFallbackCriticalThresholdStopsStartupNamingItsReplacement() {
		assertStartupFails("llm.quota.fallback.critical-threshold=0.9", "llm.quota.fallback.critical-threshold",
				"removed; use llm.quota.pressure.max-queue-drain");
		assertStartupFails("llm.quota.fallback.criticalThreshold=0.9", "llm.quota.fallback.critical-threshold",
				"llm.quota.pressure.max-queue-drain");
	}

	@Test
	void everyGeneratedConfigurationPropertyIsDescribed() throws Exception {
		try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("configuration metadata is generated").isNotNull();
			List<Map<String, Object>> properties = JsonPath.read(metadata, "$.properties");
			assertThat(properties).extracting((p) -> p.get("name"))
				.contains("llm.quota.safety-margin", "llm.quota.key-prefix", "llm.quota.lease-timeout",
						"llm.quota.models", "llm.quota.priority-classes");
			assertThat(properties)
				.allSatisfy((p) -> assertThat((String) p.get("description")).as("%s", p.get("name")).isNotBlank());
		}
	}

	@Test
	void streamChargeIntervalNotShorterThanTheLeaseTimeoutFailsStartup() {
		assertStartupFails("llm.quota.streaming.charge-interval=10m", "llm.quota.streaming.charge-interval",
				"shorter than llm.quota.lease-timeout");
	}

	@Test
	void streamChargeStepOfNoTokensFailsStartup() {
		assertStartupFails("llm.quota.streaming.charge-every-tokens=0", "llm.quota.streaming.charge-every-tokens",
				"must be positive");
	}

	@Test
	void streamStepIsReadFromTheProperties() {
		this.runner
			.withPropertyValues("llm.quota.streaming.charge-every-tokens=200",
					"llm.quota.streaming.charge-interval=500ms")
			.run((context) -> assertThat(context.getBean(StreamStep.class))
				.isEqualTo(new StreamStep(200, Duration.ofMillis(500))));
	}

	private void assertStartupFails(String property, String named, String reason) {
		this.runner.withPropertyValues(property)
			.run((context) -> assertThat(StartupFailures.assertFailedOn(context, named, reason).getAction())
				.contains(named));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final QuotaStore store = mock(QuotaStore.class);

		final QuotaEngine engine = mock(QuotaEngine.class);

		@Bean
		QuotaStore userStore() {
			return this.store;
		}

		@Bean
		QuotaEngine userEngine() {
			return this.engine;
		}

	}

}
