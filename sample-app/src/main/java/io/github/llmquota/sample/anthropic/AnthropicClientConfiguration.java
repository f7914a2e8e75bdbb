package io.github.llmquota.sample.anthropic;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.Timeout;

import io.github.llmquota.attempt.http.ProviderBaseUrls;
import io.github.llmquota.attempt.sdk.AnthropicAttemptInterceptor;
import io.github.llmquota.autoconfigure.LlmQuotaProperties;
import io.github.llmquota.sample.simulator.ProviderSimulator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.lang.Nullable;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestClient;

/**
 * Creates the {@link AnthropicClient} that {@code sample.provider.client} names, pointed
 * at {@code sample.provider.base-url} or, when that is unset, at this instance's
 * simulator. Every HTTP attempt of either client goes through llm-quota's attempt
 * governor, unless {@code llm.quota.governor.enabled} is {@code false}: then only
 * {@code @LlmRateLimited} admits, once per call, and an SDK's own retries reach the
 * provider unadmitted.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProviderProperties.class)
class AnthropicClientConfiguration {

	/**
	 * The HTTP client of the {@code rest-client} client, and of every other
	 * {@code RestClient} and {@code RestTemplate} built from Boot's builders: the JDK's,
	 * on plain HTTP/1.1, as the JDK client would otherwise offer every cleartext request
	 * an h2c upgrade.
	 */
	@Bean
	ClientHttpRequestFactoryBuilder<?> clientHttpRequestFactoryBuilder() {
		return ClientHttpRequestFactoryBuilder.jdk()
			.withHttpClientCustomizer((client) -> client.version(HttpClient.Version.HTTP_1_1));
	}

	/**
	 * Governs the provider this sample calls, wherever it is, on top of the configured
	 * {@code llm.quota.governor.base-urls}: the auto-configured interceptor then admits
	 * every attempt of the {@code rest-client} client. The simulator's port is chosen at
	 * startup, so no property could name it.
	 */
	@Bean
	@ConditionalOnProperty(prefix = "llm.quota.governor", name = "enabled", matchIfMissing = true)
	ProviderBaseUrls llmQuotaProviderBaseUrls(LlmQuotaProperties quota, ProviderProperties properties,
			ObjectProvider<ProviderSimulator> simulator) {
		List<String> baseUrls = new ArrayList<>(quota.getGovernor().getBaseUrls());
		baseUrls.add(baseUrl(properties, simulator.getIfAvailable()));
		return ProviderBaseUrls.of(baseUrls);
	}

	@Bean
	AnthropicClient anthropicClient(RestClient.Builder builder,
			ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder, ProviderProperties properties,
			ObjectProvider<ProviderSimulator> simulator,
			ObjectProvider<AnthropicAttemptInterceptor> attemptInterceptor) {
		String baseUrl = baseUrl(properties, simulator.getIfAvailable());
		return switch (properties.getClient()) {
			case REST_CLIENT -> restClient(builder, requestFactoryBuilder, properties, baseUrl);
			case ANTHROPIC_SDK -> sdkClient(properties, baseUrl, attemptInterceptor.getIfAvailable());
		};
	}

	private static RestAnthropicClient restClient(RestClient.Builder builder,
			ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder, ProviderProperties properties, String baseUrl) {
		ClientHttpRequestFactorySettings settings = ClientHttpRequestFactorySettings.defaults()
			.withConnectTimeout(properties.getConnectTimeout())
			.withReadTimeout(properties.getReadTimeout());
		RestClient restClient = builder.baseUrl(baseUrl)
			.requestFactory(requestFactoryBuilder.build(settings))
			.defaultHeader("x-api-key", properties.getApiKey())
			.defaultHeader("anthropic-version", properties.getVersion())
			.build();
		return new RestAnthropicClient(restClient, baseUrl);
	}

	private static SdkAnthropicClient sdkClient(ProviderProperties properties, String baseUrl,
			@Nullable AnthropicAttemptInterceptor attemptInterceptor) {
		// The SDK's default retries stay on, as a user would leave them.
		AnthropicOkHttpClient.Builder builder = AnthropicOkHttpClient.builder()
			.baseUrl(baseUrl)
			.apiKey(properties.getApiKey())
			.timeout(
					Timeout.builder().connect(properties.getConnectTimeout()).read(properties.getReadTimeout()).build())
			.putHeader("anthropic-version", properties.getVersion());
		if (attemptInterceptor != null) {
			// The SDK runs its interceptors inside its retry loop: each attempt, its own
			// retries included, is admitted, and a 429 or 529 becomes a wait, never a
			// retry.
			builder.addInterceptor(attemptInterceptor);
		}
		return new SdkAnthropicClient(builder.build(), baseUrl);
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
