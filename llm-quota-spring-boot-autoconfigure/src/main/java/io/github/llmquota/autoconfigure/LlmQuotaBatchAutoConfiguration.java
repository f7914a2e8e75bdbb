package io.github.llmquota.autoconfigure;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

import com.anthropic.client.AnthropicClient;
import com.openai.client.OpenAIClient;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.actuate.endpoint.ModelStateContributor;
import io.github.llmquota.actuate.metrics.BatchValveMeterBinder;
import io.github.llmquota.batch.AnthropicBatchProvider;
import io.github.llmquota.batch.BatchLedger;
import io.github.llmquota.batch.BatchPrices;
import io.github.llmquota.batch.BatchProvider;
import io.github.llmquota.batch.BatchResultListener;
import io.github.llmquota.batch.BatchSettings;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.batch.OpenAiBatchProvider;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.engine.QuotaSettings;

/**
 * Auto-configuration of the {@link BatchValve} ({@code llm.quota.batch.*}), when
 * {@code llm.quota.batch.enabled} is set, Redis is configured and a {@link BatchProvider}
 * is available: the application's own, an {@link AnthropicBatchProvider} on the
 * application's {@link AnthropicClient} bean, an {@link OpenAiBatchProvider} on its
 * {@link OpenAIClient} bean, or several of them. The valve sends each pool's deferred
 * calls to the batch API of the pool's provider; an application's own
 * {@link BatchProvider} for a provider replaces the one configured here for it.
 */
@AutoConfiguration(after = LlmQuotaAutoConfiguration.class,
		afterName = { "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnBean({ QuotaEngine.class, QuotaSettings.class, RedisConnectionFactory.class })
@ConditionalOnProperty(prefix = "llm.quota.batch", name = "enabled", havingValue = "true")
public class LlmQuotaBatchAutoConfiguration {

	private static final String PREFIX = "llm.quota.batch.";

	private static final Set<String> AUTO_CONFIGURED = Set.of("llmQuotaAnthropicBatchProvider",
			"llmQuotaOpenAiBatchProvider");

	@Bean
	@ConditionalOnMissingBean
	BatchLedger llmQuotaBatchLedger(RedisConnectionFactory connectionFactory, LlmQuotaProperties properties,
			QuotaSettings quotaSettings) {
		return new BatchLedger(new StringRedisTemplate(connectionFactory), properties.getKeyPrefix(), quotaSettings);
	}

	static BatchSettings settings(LlmQuotaProperties properties) {
		LlmQuotaProperties.Batch batch = properties.getBatch();
		check(batch.getMaxBatchSize() >= 1 && batch.getMaxBatchSize() <= 100_000, "max-batch-size",
				batch.getMaxBatchSize(), "must be in [1, 100000], the provider's most requests per batch");
		check(batch.getMaxBatchAge() != null && !batch.getMaxBatchAge().isNegative(), "max-batch-age",
				batch.getMaxBatchAge(), "must not be negative");
		check(batch.getMaxQueuedRequests() >= 1, "max-queued-requests", batch.getMaxQueuedRequests(),
				"must be positive");
		check(positive(batch.getFirstPoll()), "first-poll", batch.getFirstPoll(), "must be positive");
		check(positive(batch.getMaxPoll()) && batch.getMaxPoll().compareTo(batch.getFirstPoll()) >= 0, "max-poll",
				batch.getMaxPoll(), "must be at least llm.quota.batch.first-poll (" + batch.getFirstPoll() + ")");
		check(positive(batch.getInterval()), "interval", batch.getInterval(), "must be positive");
		check(positive(batch.getResultTimeout()), "result-timeout", batch.getResultTimeout(), "must be positive");
		check(batch.getMaxQueuedTokens() == null || batch.getMaxQueuedTokens() >= 1, "max-queued-tokens",
				batch.getMaxQueuedTokens(), "must be positive, or unset for no limit");
		return new BatchSettings(QuotaSettingsFactory.maxQueueDrain(properties), batch.getMaxBatchSize(),
				batch.getMaxBatchAge(), batch.getMaxQueuedRequests(), batch.getFirstPoll(), batch.getMaxPoll(),
				batch.getInterval(), batch.getResultTimeout(),
				(batch.getMaxQueuedTokens() != null) ? batch.getMaxQueuedTokens() : Long.MAX_VALUE);
	}

	// The list prices of the price table (llm.quota.prices), on which the batch
	// discount saves.
	private static BatchPrices prices(LlmQuotaProperties properties) {
		Map<String, Double> input = new LinkedHashMap<>();
		Map<String, Double> output = new LinkedHashMap<>();
		BudgetSettingsFactory.prices(properties).prices().forEach((model, price) -> {
			input.put(model, price.input().doubleValue());
			output.put(model, price.output().doubleValue());
		});
		return new BatchPrices(input, output);
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	private static void check(boolean valid, String property, Object value, String reason) {
		if (!valid) {
			throw new InvalidQuotaConfigurationException(PREFIX + property, value, reason);
		}
	}

	/**
	 * Anthropic's Message Batches through the application's {@link AnthropicClient}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(AnthropicClient.class)
	@Order(0)
	static class AnthropicBatchConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(AnthropicClient.class)
		AnthropicBatchProvider llmQuotaAnthropicBatchProvider(AnthropicClient client) {
			return new AnthropicBatchProvider(client);
		}

	}

	/**
	 * OpenAI's Batch API through the application's {@link OpenAIClient}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(OpenAIClient.class)
	@Order(1)
	static class OpenAiBatchConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(OpenAIClient.class)
		OpenAiBatchProvider llmQuotaOpenAiBatchProvider(OpenAIClient client) {
			return new OpenAiBatchProvider(client);
		}

	}

	/**
	 * The valve, once a provider is known. Member configurations are read in their
	 * {@code @Order}, so that each condition sees the beans the previous one defined.
	 */
	@Configuration(proxyBeanMethods = false)
	@Order(2)
	static class BatchValveConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(BatchProvider.class)
		BatchValve llmQuotaBatchValve(QuotaEngine engine, QuotaSettings settings, LlmQuotaProperties properties,
				BatchLedger ledger, Map<String, BatchProvider> providers,
				ObjectProvider<BatchResultListener> listener) {
			return new BatchValve(engine, settings, settings(properties), ledger, byProvider(providers),
					listener.getIfUnique(), prices(properties));
		}

		// The application's own batch API for a provider replaces the one configured
		// here; two of its own for one provider are a mistake to name.
		static Collection<BatchProvider> byProvider(Map<String, BatchProvider> beans) {
			Map<Provider, Map.Entry<String, BatchProvider>> chosen = new EnumMap<>(Provider.class);
			beans.entrySet()
				.stream()
				.sorted(Comparator.comparing((bean) -> AUTO_CONFIGURED.contains(bean.getKey())))
				.forEach((bean) -> {
					Map.Entry<String, BatchProvider> other = chosen.putIfAbsent(bean.getValue().provider(), bean);
					if (other != null && !AUTO_CONFIGURED.contains(bean.getKey())) {
						throw new IllegalStateException("Beans '" + other.getKey() + "' and '" + bean.getKey()
								+ "' are both BatchProviders for " + bean.getValue().provider()
								+ "; llm-quota's batch valve sends a provider's calls to one batch API: keep one");
					}
				});
			return chosen.values().stream().map(Map.Entry::getValue).toList();
		}

	}

	/**
	 * The valve in the {@code llmquota} endpoint: per model, its pool's batches in flight
	 * and input tokens queued at the provider fleet-wide, with their limit ({@code null}
	 * for none), and what this instance deferred and saved.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	@Order(4)
	static class BatchStateConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "llmQuotaBatchStateContributor")
		@ConditionalOnBean(BatchValve.class)
		ModelStateContributor llmQuotaBatchStateContributor(BatchValve valve, QuotaSettings settings) {
			return (model) -> {
				String pool = settings.model(model).pool().name();
				Map<String, Object> batch = new LinkedHashMap<>();
				batch.put("batchesInFlight", valve.batchesInFlight().getOrDefault(pool, 0L));
				batch.put("queuedTokens", valve.queuedTokens().getOrDefault(pool, 0L));
				OptionalLong limit = valve.maxQueuedTokens();
				batch.put("maxQueuedTokens", limit.isPresent() ? limit.getAsLong() : null);
				batch.put("deferredByThisInstance", valve.deferredCount());
				batch.put("savedByThisInstance", valve.saved());
				return Map.of("batch", batch);
			};
		}

	}

	/**
	 * The valve's meters.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBean(MeterRegistry.class)
	@Order(3)
	static class BatchMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(BatchValve.class)
		BatchValveMeterBinder llmQuotaBatchValveMeterBinder(BatchValve valve, QuotaEngine engine) {
			return new BatchValveMeterBinder(valve, engine.pools());
		}

	}

}
