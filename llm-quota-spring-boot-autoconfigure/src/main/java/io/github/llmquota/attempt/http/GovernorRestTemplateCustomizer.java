package io.github.llmquota.attempt.http;

import java.util.Objects;

import org.springframework.boot.web.client.RestTemplateCustomizer;
import org.springframework.web.client.RestTemplate;

/**
 * Adds the {@link GovernorClientHttpRequestInterceptor} to every {@code RestTemplate}
 * that Spring Boot's {@code RestTemplateBuilder} builds, once. The interceptor governs
 * only requests to the configured provider base URLs, so templates aimed elsewhere are
 * unaffected.
 */
public class GovernorRestTemplateCustomizer implements RestTemplateCustomizer {

	private final GovernorClientHttpRequestInterceptor interceptor;

	/**
	 * Create a customizer.
	 * @param interceptor the interceptor to add
	 */
	public GovernorRestTemplateCustomizer(GovernorClientHttpRequestInterceptor interceptor) {
		this.interceptor = Objects.requireNonNull(interceptor, "'interceptor' must not be null");
	}

	@Override
	public void customize(RestTemplate restTemplate) {
		if (!restTemplate.getInterceptors().contains(this.interceptor)) {
			restTemplate.getInterceptors().add(this.interceptor);
		}
	}

}
