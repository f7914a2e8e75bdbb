package io.github.llmquota.provider;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the value formats providers put in headers and error bodies. Each returns
 * empty for anything it does not accept, and never throws: negative numbers, exponents,
 * {@code inf}, {@code nan}, blanks and values beyond {@link Long#MAX_VALUE} nanoseconds
 * are all rejected.
 */
final class ValueParsers {

	// No legitimate value of these formats is longer; refusing longer input up front
	// keeps hostile headers from costing anything to parse.
	private static final int MAX_LENGTH = 64;

	private static final Pattern COUNT = Pattern.compile("\\d{1,18}");

	private static final Pattern DECIMAL = Pattern.compile("\\d+(?:\\.\\d+)?");

	private static final String GO_DURATION_NUMBER = "\\d+(?:\\.\\d*)?|\\.\\d+";

	private static final String GO_DURATION_UNIT = "ns|us|\u00b5s|\u03bcs|ms|s|m|h";

	/**
	 * The syntax of a Go duration without capturing groups, for embedding in larger
	 * patterns. Longer units come before their prefixes so that {@code ms} is never read
	 * as minutes.
	 */
	static final String GO_DURATION_SYNTAX = "(?:(?:" + GO_DURATION_NUMBER + ")(?:" + GO_DURATION_UNIT + "))+";

	private static final Pattern GO_DURATION = Pattern.compile(GO_DURATION_SYNTAX);

	private static final Pattern GO_DURATION_PARTS = Pattern
		.compile("(" + GO_DURATION_NUMBER + ")(" + GO_DURATION_UNIT + ")");

	private static final Map<String, Long> NANOS_PER_GO_UNIT = Map.of("ns", 1L, "us", 1_000L, "\u00b5s", 1_000L,
			"\u03bcs", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

	private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

	private static final String MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";

	private static final String TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

	// Friday, 29-Sep-23 16:26:57 GMT
	private static final Pattern RFC_850_DATE = Pattern
		.compile("(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-" + MONTH + "-(\\d{2}) " + TIME
				+ " GMT");

	// Fri Sep 29 16:26:57 2023, with a single-digit day padded by a space: Fri Sep 1 ...
	private static final Pattern ASCTIME_DATE = Pattern
		.compile("(Mon|Tue|Wed|Thu|Fri|Sat|Sun) " + MONTH + " ([ \\d]\\d) " + TIME + " (\\d{4})");

	// The year of an IMF-fixdate: the number after the month.
	private static final Pattern IMF_FIXDATE_YEAR = Pattern.compile(" " + MONTH + " (\\d+) ");

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
		return parseDecimal(text).filter((percent) -> percent.compareTo(MAX_PERCENT) <= 0).map(BigDecimal::doubleValue);
	}

	/**
	 * Parse a Go {@code time.Duration} string such as {@code 6m0s}, {@code 1.5s},
	 * {@code 20ms} or {@code 2h3m}, as OpenAI and Groq send in reset headers. Protobuf
	 * JSON durations ({@code 26s}) are a subset. Signs are rejected because a reset or a
	 * delay is never negative.
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
	 * Parse an RFC 3339 timestamp such as {@code 2026-02-25T20:02:37Z}, as Anthropic
	 * sends in reset headers.
	 */
	static Optional<Instant> parseRfc3339(String value) {
		return parseInstant(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
	}

	/**
	 * Parse an HTTP date in any of the three forms RFC 9110 (section 5.6.7) asks
	 * recipients to accept: the IMF-fixdate {@code Fri, 29 Sep 2023 16:26:57 GMT}, the
	 * only one servers may send, and the obsolete RFC 850
	 * {@code Friday, 29-Sep-23 16:26:57 GMT} and asctime {@code Fri Sep 29 16:26:57 2023}
	 * forms. An IMF-fixdate or asctime year must have four digits: Java's lenient RFC
	 * 1123 parser would read {@code 100000} as a year. The weekday must match the date.
	 * @param value the header value
	 * @param now the time the response was received: RFC 850's two-digit year is read in
	 * the century that puts it at most 50 years after this
	 */
	static Optional<Instant> parseHttpDate(String value, Instant now) {
		String text = normalize(value);
		if (text == null) {
			return Optional.empty();
		}
		Matcher rfc850 = RFC_850_DATE.matcher(text);
		if (rfc850.matches()) {
			int currentYear = now.atOffset(ZoneOffset.UTC).getYear();
			int year = currentYear - Math.floorMod(currentYear, 100) + Integer.parseInt(rfc850.group(4));
			return httpDate(rfc850.group(1), TextStyle.FULL, (year > currentYear + 50) ? year - 100 : year,
					rfc850.group(3), rfc850.group(2), rfc850.group(5), rfc850.group(6), rfc850.group(7));
		}
		Matcher asctime = ASCTIME_DATE.matcher(text);
		if (asctime.matches()) {
			return httpDate(asctime.group(1), TextStyle.SHORT, Integer.parseInt(asctime.group(7)), asctime.group(2),
					asctime.group(3), asctime.group(4), asctime.group(5), asctime.group(6));
		}
		Matcher imfYear = IMF_FIXDATE_YEAR.matcher(text);
		if (imfYear.find() && imfYear.group(2).length() != 4) {
			return Optional.empty();
		}
		return parseInstant(text, DateTimeFormatter.RFC_1123_DATE_TIME);
	}

	private static Optional<Instant> httpDate(String weekday, TextStyle weekdayStyle, int year, String month,
			String day, String hour, String minute, String second) {
		try {
			LocalDateTime time = LocalDateTime.of(year, MONTHS.indexOf(month) / 3 + 1, Integer.parseInt(day.trim()),
					Integer.parseInt(hour), Integer.parseInt(minute), Integer.parseInt(second));
			return time.getDayOfWeek().getDisplayName(weekdayStyle, Locale.US).equals(weekday)
					? Optional.of(time.toInstant(ZoneOffset.UTC)) : Optional.empty();
		}
		catch (DateTimeException ex) {
			return Optional.empty();
		}
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
		return (text != null && DECIMAL.matcher(text).matches()) ? Optional.of(new BigDecimal(text)) : Optional.empty();
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
