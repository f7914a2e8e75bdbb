package io.github.llmquota.provider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.openai.core.http.Headers;
import com.openai.errors.OpenAIServiceException;

/**
 * Reads the HTTP error the official OpenAI Java SDK throws as an
 * {@link OpenAIServiceException}. Only loaded when the SDK is on the classpath.
 */
public class OpenAiResponseExtractor implements ProviderResponseExtractor {

	@Override
	public Optional<ProviderResponse> extract(Object resultOrFailure) {
		if (resultOrFailure instanceof OpenAIServiceException failure) {
			return Optional.of(new ProviderResponse(failure.statusCode(), headers(failure.headers()),
					String.valueOf(failure.body())));
		}
		return Optional.empty();
	}

	private static Map<String, List<String>> headers(Headers headers) {
		Map<String, List<String>> map = new LinkedHashMap<>();
		headers.names().forEach((name) -> map.put(name, headers.values(name)));
		return map;
	}

}
