package io.github.llmquota.provider;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Case-insensitive access to response headers that reports every present but unusable
 * value. A header sent more than once (as several values, or under names that differ only
 * in case) is read as its first non-null value, except a count, which is read as its
 * tightest: none of the headers read here is defined as a list, and when a proxy or a
 * retry layer duplicates a count, the lower one is the one that cannot overload the
 * provider.
 */
final class HeaderValues {

	private final Map<String, List<String>> values = new HashMap<>();

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
		List<String> present = this.values.computeIfAbsent(name.toLowerCase(Locale.ROOT), (key) -> new ArrayList<>());
		values.stream().filter(Objects::nonNull).forEach(present::add);
	}

	/**
	 * Return the raw value of a header.
	 * @param name the header name, in lower case
	 * @return the first value, or {@code null} if the header is absent
	 */
	String get(String name) {
		List<String> present = this.values.get(name);
		return (present != null && !present.isEmpty()) ? present.get(0) : null;
	}

	/**
	 * Parse a header, reporting a value that is present but rejected by the parser.
	 * @param name the header name, in lower case
	 * @return the parsed value, or empty if the header is absent or malformed
	 */
	<T> Optional<T> read(String name, Function<String, Optional<T>> parser) {
		String value = get(name);
		if (value == null) {
			return Optional.empty();
		}
		Optional<T> parsed = parser.apply(value);
		if (parsed.isEmpty()) {
			reportMalformed(name, value);
		}
		return parsed;
	}

	/**
	 * Parse a count header as the lowest of all its valid values, reporting each
	 * malformed one.
	 * @param name the header name, in lower case
	 * @return the count, or empty if the header is absent or has no valid value
	 */
	Optional<Long> readCount(String name) {
		Long tightest = null;
		for (String value : this.values.getOrDefault(name, List.of())) {
			Optional<Long> count = ValueParsers.parseCount(value);
			if (count.isEmpty()) {
				reportMalformed(name, value);
			}
			else if (tightest == null || count.get() < tightest) {
				tightest = count.get();
			}
		}
		return Optional.ofNullable(tightest);
	}

	/**
	 * Parse the remaining count of a bucket whose limit is known, reporting and ignoring
	 * a remaining above the limit: one of the two is wrong, and either way the pair
	 * cannot say how much is left.
	 * @param name the name of the remaining header, in lower case
	 * @param limit the bucket's limit, or {@code null} if not reported
	 * @return the remaining count, or {@code null} if absent, malformed or above the
	 * limit
	 */
	Long remaining(String name, Long limit) {
		Long remaining = readCount(name).orElse(null);
		if (remaining != null && limit != null && remaining > limit) {
			reportMalformed(name, get(name));
			return null;
		}
		return remaining;
	}

	void reportMalformed(String name, String value) {
		this.reporter.report(this.pool, name, value);
	}

}
