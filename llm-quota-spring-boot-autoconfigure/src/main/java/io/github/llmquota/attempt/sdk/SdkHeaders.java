package io.github.llmquota.attempt.sdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.github.llmquota.attempt.ProviderReply;

/**
 * What the SDK adapters share about headers.
 */
final class SdkHeaders {

	/**
	 * The header both official SDKs obey before their own retry rules: {@code false}
	 * makes them throw at once.
	 */
	static final String SHOULD_RETRY = "x-should-retry";

	private SdkHeaders() {
	}

	static boolean isSuccessfulStream(int status, Map<String, List<String>> headers) {
		return status < 300 && ProviderReply.isEventStream(headers);
	}

	static Map<String, List<String>> toMap(Set<String> names, Function<String, List<String>> values) {
		Map<String, List<String>> map = new LinkedHashMap<>();
		names.forEach((name) -> map.put(name, values.apply(name)));
		return map;
	}

}
