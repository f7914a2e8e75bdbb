package io.github.llmquota.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The recorded and documented provider answers of {@code provider/header-vectors.json},
 * served by a {@link ProviderStub} exactly as the provider sent them.
 */
public final class ProviderVectors {

	private static final Map<String, JsonNode> vectors = load();

	private ProviderVectors() {
	}

	/**
	 * Return the answer of one vector: its status, headers and body.
	 * @param id the vector's {@code id}
	 * @return the answer
	 * @throws IllegalArgumentException if no vector has that id
	 */
	public static ProviderStub.Answer answer(String id) {
		JsonNode vector = vectors.get(id);
		if (vector == null) {
			throw new IllegalArgumentException("No header vector '" + id + "'");
		}
		Map<String, String> headers = new LinkedHashMap<>();
		vector.path("headers")
			.fields()
			.forEachRemaining((header) -> headers.put(header.getKey(),
					header.getValue().isArray() ? header.getValue().get(0).asText() : header.getValue().asText()));
		headers.remove("content-type");
		return new ProviderStub.Answer(vector.get("status").asInt(), headers, vector.path("body").asText(""));
	}

	private static Map<String, JsonNode> load() {
		try (InputStream json = ProviderVectors.class.getResourceAsStream("/provider/header-vectors.json")) {
			Map<String, JsonNode> byId = new LinkedHashMap<>();
			new ObjectMapper().readTree(json).forEach((vector) -> byId.put(vector.get("id").asText(), vector));
			return byId;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
