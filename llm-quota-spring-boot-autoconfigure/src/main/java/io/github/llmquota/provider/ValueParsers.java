package io.github.llmquota.provider;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the value formats providers put in headers and error bodies. Each returns
 * empty for anything it does not accept, and never throws: negative numbers, exponents,
 * {@code inf}, {@code nan}, blanks and values beyond {@link Long#MAX_VALUE} nanoseconds are
 * all rejected.
 */
final class ValueParsers {

	// No legitimate value of these formats is longer; refusing longer input up front keeps
	// hostile headers from costing anything to parse.
	private static final int MAX_LENGTH = 64;

	private static final Pattern COUNT = Pattern.compile("\\d{1,18}");

	private static final Pattern DECIMAL = Pattern.compile("\\d+(?:\\.\\d+)?");

	private static final String GO_DURATION_NUMBER = "\\d+(?:\\.\\d*)?|\\.\\d+";

	private static final String GO_DURATION_UNIT = "ns|us|\u00b5s|\u03bcs|ms|s|m|h";

	/**
	 * The syntax of a Go duration without capturing groups, for embedding in larger
	 * patterns. Longer units come before their prefixes so that {@code ms} is never read as
	 * minutes.
	 */
	static final String GO_DURATION_SYNTAX = "(?:(?:" + GO_DURATION_NUMBER + ")(?:" + GO_DURATION_UNIT + "))+";

	private static final Pattern GO_DURATION = Pattern.compile(GO_DURATION_SYNTAX);

	private static final Pattern GO_DURATION_PARTS = Pattern
		.compile("(" + GO_DURATION_NUMBER + ")(" + GO_DURATION_UNIT + ")");

	private static final Map<String, Long> NANOS_PER_GO_UNIT = Map.of("ns", 1L, "us", 1_000L, "\u00b5s", 1_000L,
			"\u03bcs", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

	private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

	// Utilisation bursts above 100%, but not to ten times a deployment's capacity.
	private static final BigDecimal MAX_PERCENT = BigDecimal.valueOf(1000);

	private ValueParsers() {
	}

	/**
	 * Parse a non-negative integer count of requests or tokens.
	 */
	static Optional<Long> parseCount(String value) {
		String text = normalize(value);
		return (text != null && COUNT.matcher(text).matches()) ? Optional.of(Long.parseLong(text)) : Optional.empty();
	}

	/**
	 * Parse non-negative decimal seconds, as in {@code retry-after: 1.5}.
	 */
	static Optional<Duration> parseSeconds(String value) {
		return parseDecimal(value).flatMap((seconds) -> toDuration(seconds, 1_000_000_000L));
	}

	/**
	 * Parse non-negative decimal milliseconds, as in {@code retry-after-ms: 1500}.
	 */
	static Optional<Duration> parseMillis(String value) {
		return parseDecimal(value).flatMap((millis) -> toDuration(millis, 1_000_000L));
	}

	/**
	 * Parse a decimal percentage from 0 to 1000, with or without a trailing {@code %}.
	 */
	static Optional<Double> parsePercent(String value) {
		String text = normalize(value);
		if (text != null && text.endsWith("%")) {
			text = text.substring(0, text.length() - 1).trim();
		}
		return parseDecimal(text).filter((percent) -> percent.compareTo(MAX_PERCENT) <= 0)
			.map(BigDecimal::doubleValue);
	}

	/**
	 * Parse a Go {@code time.Duration} string such as {@code 6m0s}, {@code 1.5s},
	 * {@code 20ms} or {@code 2h3m}, as OpenAI and Groq send in reset headers. Protobuf JSON
	 * durations ({@code 26s}) are a subset. Signs are rejected because a reset or a delay is
	 * never negative.
	 */
	static Optional<Duration> parseGoDuration(String value) {
		String text = normalize(value);
		if (text == null) {
			return Optional.empty();
		}
		if (text.equals("0")) {
			return Optional.of(Duration.ZERO);
		}
		if (!GO_DURATION.matcher(text).matches()) {
			return Optional.empty();
		}
		BigDecimal nanos = BigDecimal.ZERO;
		Matcher part = GO_DURATION_PARTS.matcher(text);
		while (part.find()) {
			BigDecimal nanosPerUnit = BigDecimal.valueOf(NANOS_PER_GO_UNIT.get(part.group(2)));
			nanos = nanos.add(new BigDecimal(part.group(1)).multiply(nanosPerUnit));
		}
		return toDuration(nanos, 1L);
	}

	/**
	 * Parse an RFC 3339 timestamp such as {@code 2026-02-25T20:02:37Z}, as Anthropic sends
	 * in reset headers.
	 */
	static Optional<Instant> parseRfc3339(String value) {
		return parseInstant(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
	}

	/**
	 * Parse an HTTP date in the IMF-fixdate form {@code Fri, 29 Sep 2023 16:26:57 GMT},
	 * the only form RFC 9110 lets servers send.
	 */
	static Optional<Instant> parseHttpDate(String value) {
		return parseInstant(value, DateTimeFormatter.RFC_1123_DATE_TIME);
	}

	/**
	 * Parse {@code true} or {@code false}, ignoring case.
	 */
	static Optional<Boolean> parseBoolean(String value) {
		String text = normalize(value);
		if (text == null) {
			return Optional.empty();
		}
		return switch (text.toLowerCase(Locale.ROOT)) {
			case "true" -> Optional.of(true);
			case "false" -> Optional.of(false);
			default -> Optional.empty();
		};
	}

	private static Optional<BigDecimal> parseDecimal(String value) {
		String text = normalize(value);
		return (text != null && DECIMAL.matcher(text).matches()) ? Optional.of(new BigDecimal(text))
				: Optional.empty();
	}

	private static Optional<Duration> toDuration(BigDecimal amount, long nanosPerUnit) {
		BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit)).setScale(0, RoundingMode.CEILING);
		return (nanos.compareTo(MAX_NANOS) <= 0) ? Optional.of(Duration.ofNanos(nanos.longValueExact()))
				: Optional.empty();
	}

	private static Optional<Instant> parseInstant(String value, DateTimeFormatter formatter) {
		String text = normalize(value);
		if (text == null) {
			return Optional.empty();
		}
		try {
			return Optional.of(formatter.parse(text, Instant::from));
		}
		catch (DateTimeException ex) {
			return Optional.empty();
		}
	}

	private static String normalize(String value) {
		if (value == null) {
			return null;
		}
		String text = value.trim();
		return (!text.isEmpty() && text.length() <= MAX_LENGTH) ? text : null;
	}

}
