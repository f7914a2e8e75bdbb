package io.github.llmquota.attempt.http;

import java.util.Objects;

import org.springframework.boot.web.reactive.function.client.WebClientCustomizer;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Adds the {@link GovernorExchangeFilterFunction} to every {@code WebClient.Builder}
 * Spring Boot provides, once. The filter governs only requests to the configured provider
 * base URLs, so clients aimed elsewhere are unaffected.
 */
public class GovernorWebClientCustomizer implements WebClientCustomizer {

	private final GovernorExchangeFilterFunction filter;

	/**
	 * Create a customizer.
	 * @param filter the filter to add
	 */
	public GovernorWebClientCustomizer(GovernorExchangeFilterFunction filter) {
		this.filter = Objects.requireNonNull(filter, "'filter' must not be null");
	}

	@Override
	public void customize(WebClient.Builder webClientBuilder) {
		webClientBuilder.filters((filters) -> {
			if (!filters.contains(this.filter)) {
				filters.add(this.filter);
			}
		});
	}

}
