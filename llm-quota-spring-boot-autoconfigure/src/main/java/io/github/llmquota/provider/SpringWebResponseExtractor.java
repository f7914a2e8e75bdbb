package io.github.llmquota.provider;

import java.util.Optional;

import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClientResponseException;

/**
 * Reads a {@link ResponseEntity} returned by, and a {@link RestClientResponseException}
 * thrown from, Spring's {@code RestClient} or {@code RestTemplate}. Only loaded when
 * spring-web is on the classpath.
 */
public class SpringWebResponseExtractor implements ProviderResponseExtractor {

	@Override
	public Optional<ProviderResponse> extract(Object resultOrFailure) {
		if (resultOrFailure instanceof ResponseEntity<?> entity) {
			return Optional.of(new ProviderResponse(entity.getStatusCode().value(), entity.getHeaders(), null));
		}
		if (resultOrFailure instanceof RestClientResponseException failure) {
			return Optional.of(new ProviderResponse(failure.getStatusCode().value(),
					(failure.getResponseHeaders() != null) ? failure.getResponseHeaders() : java.util.Map.of(),
					failure.getResponseBodyAsString()));
		}
		return Optional.empty();
	}

}
