package io.github.llmquota.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.actuate.endpoint.ModelStateContributor;
import io.github.llmquota.actuate.metrics.BatchValveMeterBinder;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.batch.AnthropicBatchProvider;
import io.github.llmquota.batch.OpenAiBatchProvider;
import io.github.llmquota.batch.BatchItem;
import io.github.llmquota.batch.BatchItemResult;
import io.github.llmquota.batch.BatchLedger;
import io.github.llmquota.batch.BatchProvider;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.core.Provider;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaBatchAutoConfiguration}.
 */
class LlmQuotaBatchAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
				LlmQuotaBatchAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"llm.quota.key-prefix=batchac" + System.nanoTime(),
				"llm.quota.models.claude-sonnet-4-5.provider=anthropic",
				"llm.quota.models.claude-sonnet-4-5.requests-per-minute=6000", "spring.ai.anthropic.api-key=unused",
				"spring.ai.openai.api-key=unused");

	@Test
	void valveIsOffUnlessEnabled() {
		this.runner.withUserConfiguration(UserProvider.class)
			.run((context) -> assertThat(context).doesNotHaveBean(BatchValve.class).doesNotHaveBean(BatchLedger.class));
	}

	@Test
	void enabledValveUsesTheApplicationsProviderAndShowsItsMeters() {
		this.runner.withUserConfiguration(UserProvider.class, Meters.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.batch.max-batch-size=50")
			.run((context) -> {
				assertThat(context).hasSingleBean(BatchValve.class).hasSingleBean(BatchValveMeterBinder.class);
				assertThat(LlmQuotaBatchAutoConfiguration.settings(context.getBean(LlmQuotaProperties.class))
					.maxBatchSize()).isEqualTo(50);
				assertThat(context.getBean(BatchValve.class).isRunning()).isTrue();
				MeterRegistry registry = new SimpleMeterRegistry();
				context.getBean(BatchValveMeterBinder.class).bindTo(registry);
				assertThat(registry.get(LlmQuotaMetricNames.BATCH_IN_FLIGHT)
					.tag("pool", "claude-sonnet-4-5")
					.gauge()
					.value()).isZero();
				assertThat(registry.get(LlmQuotaMetricNames.BATCH_DEFERRED).functionCounter().count()).isZero();
				Map<String, Object> batch = new LinkedHashMap<>();
				batch.put("batchesInFlight", 0L);
				batch.put("queuedTokens", 0L);
				batch.put("maxQueuedTokens", null);
				batch.put("deferredByThisInstance", 0L);
				batch.put("savedByThisInstance", 0.0);
				assertThat(context.getBean("llmQuotaBatchStateContributor", ModelStateContributor.class)
					.contribute("claude-sonnet-4-5")).isEqualTo(Map.of("batch", batch));
				assertThat(registry.find(LlmQuotaMetricNames.BATCH_QUEUED_TOKENS_LIMIT).gauge()).as("no limit set")
					.isNull();
			});
	}

	@Test
	@SuppressWarnings("unchecked")
	void queuedBatchTokensAndTheirLimitShowInTheEndpointAndAsGauges() {
		this.runner.withUserConfiguration(UserProvider.class, Meters.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.batch.max-queued-tokens=90000",
					"llm.quota.batch.max-batch-age=0s")
			.run((context) -> {
				BatchValve valve = context.getBean(BatchValve.class);
				MeterRegistry registry = new SimpleMeterRegistry();
				context.getBean(BatchValveMeterBinder.class).bindTo(registry);

				valve.defer("claude-sonnet-4-5", "{}", 1234);
				valve.defer("claude-sonnet-4-5", "{}", 766);
				valve.work();

				assertThat(valve.ledger().queued("claude-sonnet-4-5")).as("two calls in one batch").isEqualTo(2);
				Map<String, Object> batch = (Map<String, Object>) context
					.getBean("llmQuotaBatchStateContributor", ModelStateContributor.class)
					.contribute("claude-sonnet-4-5")
					.get("batch");
				assertThat(batch).containsEntry("queuedTokens", 2000L)
					.containsEntry("maxQueuedTokens", 90_000L)
					.containsEntry("batchesInFlight", 1L);
				assertThat(registry.get(LlmQuotaMetricNames.BATCH_QUEUED_TOKENS)
					.tag("pool", "claude-sonnet-4-5")
					.gauge()
					.value()).isEqualTo(2000);
				assertThat(registry.get(LlmQuotaMetricNames.BATCH_QUEUED_TOKENS_LIMIT)
					.tag("pool", "claude-sonnet-4-5")
					.gauge()
					.value()).isEqualTo(90_000);
			});
	}

	@Test
	void anthropicClientBeanBecomesTheBatchProvider() {
		this.runner.withUserConfiguration(Anthropic.class)
			.withPropertyValues("llm.quota.batch.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(AnthropicBatchProvider.class)
				.hasSingleBean(BatchValve.class));
	}

	@Test
	void openAiClientBeanBecomesTheBatchProvider() {
		this.runner.withUserConfiguration(OpenAi.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.batch.max-queued-tokens=90000")
			.run((context) -> {
				assertThat(context).hasSingleBean(OpenAiBatchProvider.class).hasSingleBean(BatchValve.class);
				assertThat(context.getBean(BatchValve.class).providers()).containsExactly(Provider.OPENAI);
				assertThat(LlmQuotaBatchAutoConfiguration.settings(context.getBean(LlmQuotaProperties.class))
					.maxQueuedTokens()).isEqualTo(90_000);
			});
	}

	@Test
	void withBothClientsTheValveHasTheBatchApiOfEachProvider() {
		this.runner.withUserConfiguration(OpenAi.class, Anthropic.class)
			.withPropertyValues("llm.quota.batch.enabled=true")
			.run((context) -> {
				assertThat(context).hasSingleBean(AnthropicBatchProvider.class)
					.hasSingleBean(OpenAiBatchProvider.class)
					.hasSingleBean(BatchValve.class);
				assertThat(context.getBean(BatchValve.class).providers()).containsExactlyInAnyOrder(Provider.ANTHROPIC,
						Provider.OPENAI);
			});
	}

	@Test
	void applicationsOwnBatchProviderReplacesTheAutoConfiguredOneOfItsProviderOnly() {
		this.runner.withUserConfiguration(UserProvider.class, OpenAi.class, Anthropic.class)
			.withPropertyValues("llm.quota.batch.enabled=true")
			.run((context) -> {
				assertThat(context.getBean(BatchValve.class).providers()).containsExactlyInAnyOrder(Provider.ANTHROPIC,
						Provider.OPENAI);
				assertThat(LlmQuotaBatchAutoConfiguration.BatchValveConfiguration
					.byProvider(context.getBeansOfType(BatchProvider.class)))
					.containsExactlyInAnyOrder(context.getBean("batchProvider", BatchProvider.class),
							context.getBean(OpenAiBatchProvider.class));
			});
	}

	@Test
	void twoOwnBatchProvidersForOneProviderStopStartupNamingBoth() {
		this.runner.withUserConfiguration(UserProvider.class, SecondUserProvider.class)
			.withPropertyValues("llm.quota.batch.enabled=true")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("'batchProvider'")
				.hasMessageContaining("'secondBatchProvider'")
				.hasMessageContaining("ANTHROPIC"));
	}

	@Test
	void zeroMaxQueuedTokensStopsStartupNamingTheProperty() {
		this.runner.withUserConfiguration(UserProvider.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.batch.max-queued-tokens=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.batch.max-queued-tokens"));
	}

	@Test
	void withoutAnyProviderThereIsNoValve() {
		this.runner.withPropertyValues("llm.quota.batch.enabled=true")
			.run((context) -> assertThat(context).hasSingleBean(BatchLedger.class).doesNotHaveBean(BatchValve.class));
	}

	@Test
	void maxPollBelowTheFirstPollStopsStartupNamingTheProperty() {
		this.runner.withUserConfiguration(UserProvider.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.batch.first-poll=1m",
					"llm.quota.batch.max-poll=10s")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidQuotaConfigurationException.class)
					.hasMessageContaining("llm.quota.batch.max-poll");
			});
	}

	@Test
	void zeroResultTimeoutStopsStartupNamingTheProperty() {
		this.runner.withUserConfiguration(UserProvider.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.batch.result-timeout=0s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.batch.result-timeout"));
	}

	@Test
	void negativePriceStopsStartupNamingTheModel() {
		this.runner.withUserConfiguration(UserProvider.class)
			.withPropertyValues("llm.quota.batch.enabled=true", "llm.quota.prices.models.claude-sonnet-4-5.input=-3",
					"llm.quota.prices.models.claude-sonnet-4-5.output=15")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.prices.models.claude-sonnet-4-5.input"));
	}

	@Test
	void removedBatchPricesStopStartupNamingThePriceTable() {
		this.runner.withUserConfiguration(UserProvider.class)
			.withPropertyValues("llm.quota.batch.enabled=true",
					"llm.quota.batch.input-price-per-million.claude-sonnet-4-5=3")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.batch.input-price-per-million")
				.hasMessageContaining("llm.quota.prices.models.<model>.input"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserProvider {

		@Bean
		BatchProvider batchProvider() {
			return new BatchProvider() {

				@Override
				public Provider provider() {
					return Provider.ANTHROPIC;
				}

				@Override
				public String submit(List<BatchItem> items) {
					return "batch";
				}

				@Override
				public Optional<List<BatchItemResult>> poll(String batchId) {
					return Optional.empty();
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SecondUserProvider {

		@Bean
		BatchProvider secondBatchProvider() {
			return new UserProvider().batchProvider();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Meters {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OpenAi {

		@Bean
		OpenAIClient openAiClient() {
			return OpenAIOkHttpClient.builder()
				.baseUrl("http://127.0.0.1:9")
				.apiKey("unused")
				.timeout(Duration.ofSeconds(1))
				.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Anthropic {

		@Bean
		AnthropicClient anthropicClient() {
			return AnthropicOkHttpClient.builder()
				.baseUrl("http://127.0.0.1:9")
				.apiKey("unused")
				.timeout(Duration.ofSeconds(1))
				.build();
		}

	}

}
