package io.github.llmquota.sample.anthropic;

import java.net.http.HttpClient;

import io.github.llmquota.sample.simulator.ProviderSimulator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestClient;

/**
 * Creates the {@link AnthropicClient}, pointed at {@code sample.provider.base-url} or, when
 * that is unset, at this instance's simulator.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProviderProperties.class)
class AnthropicClientConfiguration {

	@Bean
	ProviderTraffic providerTraffic() {
		return new ProviderTraffic();
	}

	@Bean
	AnthropicClient anthropicClient(RestClient.Builder builder, ProviderProperties properties,
			ObjectProvider<ProviderSimulator> simulator, ProviderTraffic traffic) {
		String baseUrl = baseUrl(properties, simulator.getIfAvailable());
		ClientHttpRequestFactorySettings settings = ClientHttpRequestFactorySettings.defaults()
			.withConnectTimeout(properties.getConnectTimeout())
			.withReadTimeout(properties.getReadTimeout());
		RestClient restClient = builder.baseUrl(baseUrl)
			// Plain HTTP/1.1: the JDK client would otherwise offer every cleartext request an h2c upgrade.
			.requestFactory(ClientHttpRequestFactoryBuilder.jdk()
				.withHttpClientCustomizer((client) -> client.version(HttpClient.Version.HTTP_1_1))
				.build(settings))
			.defaultHeader("x-api-key", properties.getApiKey())
			.defaultHeader("anthropic-version", properties.getVersion())
			.build();
		return new AnthropicClient(restClient, baseUrl, traffic);
	}

	private static String baseUrl(ProviderProperties properties, ProviderSimulator simulator) {
		if (StringUtils.hasText(properties.getBaseUrl())) {
			return properties.getBaseUrl();
		}
		if (simulator == null) {
			throw new IllegalStateException(
					"sample.provider.base-url is not set and the simulator is disabled (sample.simulator.enabled=false): "
							+ "set sample.provider.base-url to the Messages API to call");
		}
		return simulator.baseUrl();
	}

}
