package io.github.llmquota.provider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
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
