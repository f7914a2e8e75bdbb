package io.github.llmquota.attempt.http;

import java.util.Objects;

import org.springframework.boot.web.client.RestClientCustomizer;
import org.springframework.web.client.RestClient;

/**
 * Adds the {@link GovernorClientHttpRequestInterceptor} to every
 * {@code RestClient.Builder} Spring Boot provides, once. The interceptor governs only
 * requests to the configured provider base URLs, so clients aimed elsewhere are
 * unaffected.
 */
public class GovernorRestClientCustomizer implements RestClientCustomizer {

	private final GovernorClientHttpRequestInterceptor interceptor;

	/**
	 * Create a customizer.
	 * @param interceptor the interceptor to add
	 */
	public GovernorRestClientCustomizer(GovernorClientHttpRequestInterceptor interceptor) {
		this.interceptor = Objects.requireNonNull(interceptor, "'interceptor' must not be null");
	}

	@Override
	public void customize(RestClient.Builder restClientBuilder) {
		restClientBuilder.requestInterceptors((interceptors) -> {
			if (!interceptors.contains(this.interceptor)) {
				interceptors.add(this.interceptor);
			}
		});
	}

}
