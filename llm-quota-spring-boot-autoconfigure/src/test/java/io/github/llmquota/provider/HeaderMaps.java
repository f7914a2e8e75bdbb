package io.github.llmquota.provider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds response header maps for tests.
 */
final class HeaderMaps {

	private HeaderMaps() {
	}

	static Map<String, List<String>> headers(String... namesAndValues) {
		Map<String, List<String>> headers = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.put(namesAndValues[i], List.of(namesAndValues[i + 1]));
		}
		return headers;
	}

}
