package io.github.llmquota.actuate.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.autoconfigure.LlmQuotaAlertsAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaMetricsAutoConfiguration;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The meters an application gets from llm-quota, registered through Spring Boot's metrics
 * auto-configuration while the engine serves a user with per-user limits.
 */
class LlmQuotaMetricsTests {

	private static final String USER = "alice-7f3c@example.com";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
						CompositeMeterRegistryAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
						LlmQuotaAlertsAutoConfiguration.class, LlmQuotaMetricsAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withUserConfiguration(StoppedClock.class)
		.withPropertyValues("llm.quota.safety-margin=0", "llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.pool=openai", "llm.quota.models.gpt-4o.requests-per-minute=100",
				"llm.quota.models.gpt-4o.tokens-per-minute=100000", "llm.quota.models.gpt-4o.max-concurrency=10",
				"llm.quota.user-limits.openai.defaults.requests-per-minute=3");

	@Test
	void noMeterIsEverTaggedWithTheUserId() {
		this.runner.run((context) -> {
			serveUser(context);

			List<Meter> meters = registry(context).getMeters();
			assertThat(meters).hasSizeGreaterThan(15);
			assertThat(meters).allSatisfy((meter) -> assertThat(meter.getId().getTags()).allSatisfy((tag) -> {
				assertThat(tag.getValue()).doesNotContainIgnoringCase("alice");
				assertThat(tag.getKey()).doesNotContainIgnoringCase("alice");
			}));
			assertThat(meters).allSatisfy((meter) -> assertThat(meter.getId().getName()).doesNotContain("alice"));
		});
	}

	@Test
	void gaugesShowEachPoolDimensionClassAndInFlightFromTheLastCheck() {
		this.runner.run((context) -> {
			serveUser(context);
			MeterRegistry registry = registry(context);

			assertThat(registry.get(LlmQuotaMetricNames.UTILISATION)
				.tags("pool", "openai", "dimension", "requests-per-minute")
				.gauge()
				.value()).isEqualTo(0.05);
			// The 429 cut the multiplier to 0.7: 70 of the 100 requests, less the 5 made.
			assertThat(registry.get(LlmQuotaMetricNames.AVAILABLE)
				.tags("pool", "openai", "dimension", "requests-per-minute")
				.gauge()
				.value()).isCloseTo(65.0, Offset.offset(1e-9));
			assertThat(registry.get(LlmQuotaMetricNames.UTILISATION)
				.tags("pool", "openai", "dimension", "tokens-per-minute")
				.gauge()
				.value()).isPositive();
			assertThat(registry.get(LlmQuotaMetricNames.UTILISATION)
				.tags("pool", "openai", "dimension", "concurrency")
				.gauge()
				.value()).isEqualTo(0.1);
			assertThat(registry.get(LlmQuotaMetricNames.IN_FLIGHT).tags("pool", "openai").gauge().value())
				.isEqualTo(1.0);
			assertThat(registry.get(LlmQuotaMetricNames.STREAM_OUTPUT).tags("pool", "openai").gauge().value()).isZero();
			assertThat(registry.get(LlmQuotaMetricNames.QUEUE_DEPTH).tags("pool", "openai").gauges())
				.extracting((gauge) -> gauge.getId().getTag("priority"))
				.containsExactlyInAnyOrder(Priority.CRITICAL, Priority.INTERACTIVE, Priority.NORMAL,
						Priority.BACKGROUND);
			assertThat(registry.get(LlmQuotaMetricNames.QUEUE_DEPTH).tags("priority", Priority.NORMAL).gauge().value())
				.isZero();
			assertThat(registry.get(LlmQuotaMetricNames.MULTIPLIER).tags("pool", "openai").gauge().value())
				.isCloseTo(0.7, Offset.offset(1e-9));
		});
	}

	@Test
	void gaugesAreNotANumberBeforeTheFirstCheck() {
		QuotaSettings settings = TestSettings.pool("pool").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		QuotaThresholdMonitor unchecked = new QuotaThresholdMonitor(
				new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings)), QuotaThresholds.DEFAULTS,
				Duration.ofHours(1), (event) -> {
				}, null);
		MeterRegistry registry = new SimpleMeterRegistry();

		new LlmQuotaMeterBinder(settings, unchecked).bindTo(registry);

		assertThat(registry.get(LlmQuotaMetricNames.UTILISATION).gauge().value()).isNaN();
		assertThat(registry.get(LlmQuotaMetricNames.IN_FLIGHT).gauge().value()).isNaN();
	}

	@Test
	void acquireWaitIsTimedByPoolPriorityAndOutcome() {
		this.runner.run((context) -> {
			serveUser(context);
			MeterRegistry registry = registry(context);

			assertThat(registry.get(LlmQuotaMetricNames.ACQUIRE_WAIT)
				.tags("pool", "openai", "priority", Priority.INTERACTIVE, "outcome", "admitted")
				.timer()
				.count()).isEqualTo(3);
			assertThat(registry.get(LlmQuotaMetricNames.ACQUIRE_WAIT)
				.tags("pool", "openai", "priority", Priority.INTERACTIVE, "outcome", "rejected")
				.timer()
				.count()).isEqualTo(2);
			assertThat(registry.get(LlmQuotaMetricNames.ACQUIRE_WAIT)
				.tags("pool", "openai", "priority", Priority.NORMAL, "outcome", "admitted")
				.timer()
				.count()).as("requests that name no class count under the default class").isEqualTo(2);
		});
	}

	@Test
	void rejectionsAreCountedByReason() {
		this.runner.run((context) -> {
			serveUser(context);
			MeterRegistry registry = registry(context);

			assertThat(registry.get(LlmQuotaMetricNames.REJECTIONS)
				.tags("pool", "openai", "model", "gpt-4o", "priority", Priority.INTERACTIVE, "reason", "user_limit")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.get(LlmQuotaMetricNames.REJECTIONS).tags("reason", "cannot_fit").counter().count())
				.isEqualTo(1);
		});
	}

	@Test
	void providerRateLimitsAndOverloadsAreCounted() {
		this.runner.run((context) -> {
			serveUser(context);
			MeterRegistry registry = registry(context);

			assertThat(registry.get(LlmQuotaMetricNames.PROVIDER_RATE_LIMITED)
				.tags("pool", "openai", "model", "gpt-4o")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.get(LlmQuotaMetricNames.PROVIDER_OVERLOADED)
				.tags("pool", "openai", "model", "gpt-4o")
				.counter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void estimatedAndActualInputTokensAreCountedForCallsThatReportedUsage() {
		this.runner.run((context) -> {
			serveUser(context);
			MeterRegistry registry = registry(context);

			assertThat(registry.get(LlmQuotaMetricNames.TOKENS_ESTIMATED)
				.tags("pool", "openai", "model", "gpt-4o")
				.counter()
				.count()).isEqualTo(1_000);
			assertThat(registry.get(LlmQuotaMetricNames.TOKENS_ACTUAL)
				.tags("pool", "openai", "model", "gpt-4o")
				.counter()
				.count()).as("uncached, cache-creation and cache-read tokens").isEqualTo(1_150);
		});
	}

	@Test
	void settledTokenUsageIsRecordedUnderTheOpenTelemetryGenAiName() {
		this.runner.run((context) -> {
			serveUser(context);
			MeterRegistry registry = registry(context);

			DistributionSummary input = registry.get("gen_ai.client.token.usage")
				.tags("gen_ai.token.type", "input", "gen_ai.request.model", "gpt-4o", "gen_ai.system", "openai")
				.summary();
			DistributionSummary output = registry.get("gen_ai.client.token.usage")
				.tags("gen_ai.token.type", "output", "gen_ai.request.model", "gpt-4o", "gen_ai.system", "openai")
				.summary();
			assertThat(input.count()).isEqualTo(2);
			assertThat(input.totalAmount()).isEqualTo(1_150);
			assertThat(output.totalAmount()).isEqualTo(250);
		});
	}

	@Test
	void genAiSystemNamesFollowTheConventions() {
		assertThat(GenAiTokenUsageListener.system(Provider.ANTHROPIC)).isEqualTo("anthropic");
		assertThat(GenAiTokenUsageListener.system(Provider.AZURE_OPENAI)).isEqualTo("az.ai.openai");
		assertThat(GenAiTokenUsageListener.system(Provider.BEDROCK)).isEqualTo("aws.bedrock");
		assertThat(GenAiTokenUsageListener.system(Provider.OTHER)).isEqualTo("_OTHER");
	}

	// One user, INTERACTIVE, with a per-user limit of 3 requests a minute: two calls that
	// report usage (one with cached input), one still open, one over the user's limit and
	// one too large to ever fit. Two calls with no user and no class: one stays in
	// flight, one fails as overloaded. Then the open call ends with a 429, and the
	// monitor checks.
	private static void serveUser(AssertableApplicationContext context) {
		QuotaEngine engine = context.getBean(QuotaEngine.class);
		acquire(engine, USER, 400).settle(TokenUsage.of(400, 100));
		acquire(engine, USER, 600).settle(new TokenUsage(300, 200, 250, 150));
		QuotaLease rateLimited = acquire(engine, USER, 500);
		assertThat(rejection(() -> acquire(engine, USER, 100))).isEqualTo(RejectionReason.USER_LIMIT);
		assertThat(rejection(() -> acquire(engine, USER, 200_000))).isEqualTo(RejectionReason.CANNOT_FIT);
		engine.acquire(QuotaRequest.builder("gpt-4o").maxWait(Duration.ZERO).build());
		engine.acquire(QuotaRequest.builder("gpt-4o").maxWait(Duration.ZERO).build())
			.release(CallOutcome.FAILED, error(503, null));
		rateLimited.release(CallOutcome.FAILED, error(429, "30"));
		context.getBean(QuotaThresholdMonitor.class).check();
	}

	private static QuotaLease acquire(QuotaEngine engine, String user, long inputTokens) {
		return engine.acquire(QuotaRequest.builder("gpt-4o")
			.priority(Priority.INTERACTIVE)
			.user(user)
			.inputTokens(inputTokens)
			.maxOutputTokens(100)
			.maxWait(Duration.ZERO)
			.build());
	}

	private static RejectionReason rejection(Runnable call) {
		return catchThrowableOfType(call::run, QuotaRejectedException.class).getReason();
	}

	private static ProviderFeedback error(int status, String retryAfter) {
		return new ProviderFeedbackParser().parse("openai", Provider.OPENAI, status,
				(retryAfter != null) ? Map.of("retry-after", List.of(retryAfter)) : Map.of(), null, Instant.now());
	}

	private static MeterRegistry registry(AssertableApplicationContext context) {
		return context.getBean(MeterRegistry.class);
	}

	// Time stands still, so that nothing refills or cools down while the test looks.
	@Configuration(proxyBeanMethods = false)
	static class StoppedClock {

		@Bean
		InMemoryQuotaStore llmQuotaStore(QuotaSettings settings) {
			return new InMemoryQuotaStore(settings, () -> 1_000_000L);
		}

	}

}
