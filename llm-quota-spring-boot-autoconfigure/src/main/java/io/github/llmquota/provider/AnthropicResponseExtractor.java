package io.github.llmquota.provider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.Headers;
import com.anthropic.errors.AnthropicServiceException;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Reads the HTTP error the official Anthropic Java SDK throws as an
 * {@link AnthropicServiceException}. Only loaded when the SDK is on the classpath.
 */
public class AnthropicResponseExtractor implements ProviderResponseExtractor {

	@Override
	public Optional<ProviderResponse> extract(Object resultOrFailure) {
		if (resultOrFailure instanceof AnthropicServiceException failure) {
			return Optional
				.of(new ProviderResponse(failure.statusCode(), headers(failure.headers()), json(failure.body())));
		}
		return Optional.empty();
	}

	/**
	 * Serialise the error body with the SDK's own mapper. {@code JsonValue#toString()}
	 * renders a Java map ({@code {type=error, ...}}), which no JSON reader can classify,
	 * so a spend cap would pass for a plain rate limit.
	 */
	static String json(JsonValue body) {
		if (body.isMissing()) {
			return null;
		}
		try {
			return ObjectMappers.jsonMapper().writeValueAsString(body);
		}
		catch (JsonProcessingException | RuntimeException ex) {
			// A body the SDK cannot write back is unreadable to the parser too; the
			// status and headers still classify the answer.
			return null;
		}
	}

	private static Map<String, List<String>> headers(Headers headers) {
		Map<String, List<String>> map = new LinkedHashMap<>();
		headers.names().forEach((name) -> map.put(name, headers.values(name)));
		return map;
	}

}
