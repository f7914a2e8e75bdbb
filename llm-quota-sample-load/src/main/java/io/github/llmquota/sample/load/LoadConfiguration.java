package io.github.llmquota.sample.load;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.llmquota.batch.AnthropicBatchProvider;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.ProviderProperties;
import io.github.llmquota.sample.chat.ChatService;
import io.github.llmquota.sample.simulator.ProviderSimulator;
import io.github.llmquota.sample.summary.Summariser;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

/**
 * Load mode, when {@code sample.load.enabled} is {@code true}: the {@link LoadRunner},
 * and the counters of what the sample's provider client sends and receives.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "sample.load", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(LoadProperties.class)
class LoadConfiguration {

	@Bean
	ProviderTraffic providerTraffic() {
		return new ProviderTraffic();
	}

	@Bean
	static ProviderTrafficRecorder providerTrafficRecorder(ObjectProvider<ProviderTraffic> traffic) {
		return new ProviderTrafficRecorder(traffic::getObject);
	}

	@Bean
	AcquireWaits loadAcquireWaits() {
		return new AcquireWaits();
	}

	@Bean
	LoadRunner loadRunner(LoadProperties properties, ChatService chat, Summariser summariser, AnthropicClient client,
			ProviderTraffic traffic, ObjectProvider<ProviderSimulator> simulator, QuotaSettings settings,
			AcquireWaits waits, ObjectMapper objectMapper, ObjectProvider<BatchValve> valve, StreamingLoad streams) {
		return new LoadRunner(properties, chat, summariser, client, traffic, simulator.getIfAvailable(), settings,
				waits, objectMapper, valve.getIfAvailable(), streams);
	}

	/**
	 * Streamed calls, on a RestClient of their own to the provider the sample's client
	 * calls: built from Boot's builder, governed as the sample's client is, and counted.
	 */
	@Bean
	StreamingLoad streamingLoad(LoadProperties properties, RestClient.Builder builder,
			ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder, AnthropicClient client,
			ProviderProperties provider, ProviderTraffic traffic, ObjectMapper objectMapper, QuotaStore store,
			QuotaSettings settings, ObjectProvider<ProviderSimulator> simulator) {
		RestClient restClient = builder.baseUrl(client.baseUrl())
			.requestFactory(requestFactoryBuilder.build(ClientHttpRequestFactorySettings.defaults()
				.withConnectTimeout(provider.getConnectTimeout())
				.withReadTimeout(provider.getReadTimeout())))
			.defaultHeader("x-api-key", provider.getApiKey())
			.defaultHeader("anthropic-version", provider.getVersion())
			.build();
		return new StreamingLoad(restClient, objectMapper, traffic, store, settings.model(ChatService.MODEL).pool(),
				simulator.getIfAvailable(), properties.getStreamSampleInterval());
	}

	/**
	 * Message Batches for deferrable summaries, on the official SDK, at the provider the
	 * sample's client calls: the batch valve (llm.quota.batch.enabled) sends through it.
	 */
	@Bean
	@ConditionalOnProperty(prefix = "sample.load", name = "background-deferrable", havingValue = "true")
	AnthropicBatchProvider loadBatchProvider(AnthropicClient client, ProviderProperties provider) {
		return new AnthropicBatchProvider(
				AnthropicOkHttpClient.builder().baseUrl(client.baseUrl()).apiKey(provider.getApiKey()).build());
	}

}
