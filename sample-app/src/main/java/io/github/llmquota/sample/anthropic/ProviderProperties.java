package io.github.llmquota.sample.anthropic;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the sample's Anthropic client sends its requests.
 */
@ConfigurationProperties("sample.provider")
public class ProviderProperties {

	/**
	 * Client that sends the Messages requests.
	 */
	private Client client = Client.REST_CLIENT;

	/**
	 * Base URL of the Messages API, without '/v1/messages', such as
	 * 'https://api.anthropic.com'. Unset means the built-in simulator of this instance.
	 */
	private String baseUrl;

	/**
	 * API key sent as 'x-api-key'. The simulator accepts any.
	 */
	private String apiKey = "sample-key";

	/**
	 * Value of the 'anthropic-version' header.
	 */
	private String version = "2023-06-01";

	/**
	 * Longest time to wait for a connection to the provider.
	 */
	private Duration connectTimeout = Duration.ofSeconds(5);

	/**
	 * Longest time to wait for the provider's answer.
	 */
	private Duration readTimeout = Duration.ofSeconds(120);

	public Client getClient() {
		return this.client;
	}

	public void setClient(Client client) {
		this.client = client;
	}

	public String getBaseUrl() {
		return this.baseUrl;
	}

	public void setBaseUrl(String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public String getApiKey() {
		return this.apiKey;
	}

	public void setApiKey(String apiKey) {
		this.apiKey = apiKey;
	}

	public String getVersion() {
		return this.version;
	}

	public void setVersion(String version) {
		this.version = version;
	}

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	/**
	 * The clients the sample can send its Messages requests with.
	 */
	public enum Client {

		/**
		 * Spring's {@code RestClient}: {@link RestAnthropicClient}.
		 */
		REST_CLIENT,

		/**
		 * The official Java SDK, {@code anthropic-java}: {@link SdkAnthropicClient}.
		 */
		ANTHROPIC_SDK

	}

}
