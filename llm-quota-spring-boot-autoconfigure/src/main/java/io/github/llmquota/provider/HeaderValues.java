package io.github.llmquota.provider;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Case-insensitive access to response headers that reports every present but unusable
 * value. Only the first non-null value of a header is used: none of the headers read here
 * is defined as a list.
 */
final class HeaderValues {

	private final Map<String, String> values = new HashMap<>();

	private final String pool;

	private final MalformedHeaderReporter reporter;

	HeaderValues(Map<String, List<String>> headers, String pool, MalformedHeaderReporter reporter) {
		this.pool = pool;
		this.reporter = reporter;
		if (headers != null) {
			headers.forEach(this::add);
		}
	}

	private void add(String name, List<String> values) {
		if (name == null || values == null) {
			return;
		}
		values.stream()
			.filter(Objects::nonNull)
			.findFirst()
			.ifPresent((value) -> this.values.putIfAbsent(name.toLowerCase(Locale.ROOT), value));
	}

	/**
	 * Return the raw value of a header.
	 * @param name the header name, in lower case
	 * @return the value, or {@code null} if the header is absent
	 */
	String get(String name) {
		return this.values.get(name);
	}

	/**
	 * Parse a header, reporting a value that is present but rejected by the parser.
	 * @param name the header name, in lower case
	 * @return the parsed value, or empty if the header is absent or malformed
	 */
	<T> Optional<T> read(String name, Function<String, Optional<T>> parser) {
		String value = this.values.get(name);
		if (value == null) {
			return Optional.empty();
		}
		Optional<T> parsed = parser.apply(value);
		if (parsed.isEmpty()) {
			reportMalformed(name, value);
		}
		return parsed;
	}

	void reportMalformed(String name, String value) {
		this.reporter.report(this.pool, name, value);
	}

}
