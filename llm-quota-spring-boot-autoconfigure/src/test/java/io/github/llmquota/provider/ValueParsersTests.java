package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ValueParsers}.
 */
class ValueParsersTests {

	private static final Instant HTTP_DATE_NOW = Instant.parse("2023-09-29T16:26:37Z");

	private static final String OVERFLOW = "99999999999999999999999999999999999";

	@ParameterizedTest(name = "{0} = {1} ns")
	@CsvSource({ "6m0s, 360000000000", "1s, 1000000000", "20ms, 20000000", "12ms, 12000000", "425ms, 425000000",
			"16m17.764s, 977764000000", "8.64s, 8640000000", "3.114s, 3114000000", "2m59.56s, 179560000000",
			"1.5s, 1500000000", "789.6ms, 789600000", "0s, 0", "0, 0", "2h3m, 7380000000000", "1h0m0.5s, 3600500000000",
			"26s, 26000000000", "25.465784708s, 25465784708", "100us, 100000", "1.5\u00b5s, 1500", "1.5\u03bcs, 1500",
			"7ns, 7", ".5s, 500000000", "2562047h, 9223369200000000000" })
	void goDurationsAreReadToTheNanosecond(String value, long nanos) {
		assertThat(ValueParsers.parseGoDuration(value)).hasValue(Duration.ofNanos(nanos));
	}

	@Test
	void goDurationMinutesAreNotConfusedWithMilliseconds() {
		assertThat(ValueParsers.parseGoDuration("1m")).hasValue(Duration.ofMinutes(1));
		assertThat(ValueParsers.parseGoDuration("1ms")).hasValue(Duration.ofMillis(1));
		assertThat(ValueParsers.parseGoDuration("1m1ms")).hasValue(Duration.ofMillis(60_001));
	}

	@ParameterizedTest(name = "\"{0}\"")
	@ValueSource(strings = { "", "   ", "soon", "-1s", "+1s", "1", "40", "1d", "ms", "s", "1.5", "1m 0s", "inf", "nan",
			"1e3s", "0x10s", "1,5s", "1s-", "2562048h", OVERFLOW + "s", OVERFLOW + "h" })
	void goDurationsThatAreNotDurationsAreRejected(String value) {
		assertThat(ValueParsers.parseGoDuration(value)).isEmpty();
	}

	@Test
	void hugeGoDurationIsRejected() {
		assertThat(ValueParsers.parseGoDuration("1s".repeat(500_000))).isEmpty();
	}

	@ParameterizedTest(name = "{0} s = {1} ns")
	@CsvSource({ "20, 20000000000", "0, 0", "1.5, 1500000000", "' 11 ', 11000000000", "0.0000000001, 1" })
	void decimalSecondsAreReadAndRoundedUpToTheNanosecond(String value, long nanos) {
		assertThat(ValueParsers.parseSeconds(value)).hasValue(Duration.ofNanos(nanos));
	}

	@Test
	void decimalMillisecondsAreRead() {
		assertThat(ValueParsers.parseMillis("1500")).hasValue(Duration.ofMillis(1500));
		assertThat(ValueParsers.parseMillis("0.5")).hasValue(Duration.ofNanos(500_000));
	}

	@ParameterizedTest(name = "\"{0}\"")
	@ValueSource(strings = { "", " ", "-10", "-0.5", "+5", "inf", "-inf", "Infinity", "nan", "NaN", "1e3", "0x10",
			"1,5", "1.", ".5", "20s", "abc", OVERFLOW })
	void secondsThatAreNotNonNegativeFiniteDecimalsAreRejected(String value) {
		assertThat(ValueParsers.parseSeconds(value)).isEmpty();
		assertThat(ValueParsers.parseMillis(value)).isEmpty();
	}

	@Test
	void countsAreReadAsNonNegativeIntegers() {
		assertThat(ValueParsers.parseCount("49")).hasValue(49L);
		assertThat(ValueParsers.parseCount("0")).hasValue(0L);
		assertThat(ValueParsers.parseCount(" 1000000000 ")).hasValue(1_000_000_000L);
		assertThat(ValueParsers.parseCount("999999999999999999")).hasValue(999_999_999_999_999_999L);
	}

	@ParameterizedTest(name = "\"{0}\"")
	@ValueSource(
			strings = { "", "abc", "-1", "1.5", "1e5", "1 2", "1,000", "9999999999999999999", "inf", "nan", OVERFLOW })
	void countsThatAreNotNonNegativeIntegersAreRejected(String value) {
		assertThat(ValueParsers.parseCount(value)).isEmpty();
	}

	@Test
	void countOfNullIsRejected() {
		assertThat(ValueParsers.parseCount(null)).isEmpty();
	}

	@Test
	void httpDateIsReadAsImfFixdate() {
		assertThat(ValueParsers.parseHttpDate("Fri, 29 Sep 2023 16:26:57 GMT", HTTP_DATE_NOW))
			.hasValue(Instant.parse("2023-09-29T16:26:57Z"));
	}

	@ParameterizedTest(name = "\"{0}\"")
	@CsvSource(delimiter = '|', textBlock = """
			Friday, 29-Sep-23 16:26:57 GMT | 2023-09-29T16:26:57Z
			Fri Sep 29 16:26:57 2023       | 2023-09-29T16:26:57Z
			Fri Sep  1 16:26:57 2023       | 2023-09-01T16:26:57Z
			Sunday, 06-Nov-94 08:49:37 GMT | 1994-11-06T08:49:37Z
			""")
	void obsoleteHttpDateFormsAreAcceptedAsRfc9110AsksOfRecipients(String value, String expected) {
		assertThat(ValueParsers.parseHttpDate(value, HTTP_DATE_NOW)).hasValue(Instant.parse(expected));
	}

	@Test
	void rfc850TwoDigitYearMoreThanFiftyYearsAheadIsReadInThePastCentury() {
		// From 2023, "73" would be 2073 (50 years ahead, kept) and "74" 2074 (51 years,
		// so 1974).
		assertThat(ValueParsers.parseHttpDate("Saturday, 01-Jul-73 00:00:00 GMT", HTTP_DATE_NOW))
			.hasValue(Instant.parse("2073-07-01T00:00:00Z"));
		assertThat(ValueParsers.parseHttpDate("Monday, 01-Jul-74 00:00:00 GMT", HTTP_DATE_NOW))
			.hasValue(Instant.parse("1974-07-01T00:00:00Z"));
	}

	@ParameterizedTest(name = "\"{0}\"")
	@ValueSource(strings = { "Zun, 29 Sep 2023 16:26:27 GMT", "Sat, 29 Sep 2023 16:26:57 GMT",
			"Fri, 31 Sep 2023 16:26:57 GMT", "Fri, 29 Sep 2023 25:26:57 GMT", "2023-09-29T16:26:57Z", "20", "",
			"Fri, 29 Sep 100000 16:26:57 GMT", "Fri, 29 Sep 23 16:26:57 GMT", "Fri, 29 Sep 02023 16:26:57 GMT",
			"Sat, 29 Sep 2023 16:26:57 2023", "Sat Sep 29 16:26:57 2023", "Fri Sep 29 16:26:57 100000",
			"Saturday, 29-Sep-23 16:26:57 GMT", "Friday, 29-Sep-2023 16:26:57 GMT" })
	void httpDatesThatAreNotValidInAnyFormOrHaveNoFourDigitYearAreRejected(String value) {
		assertThat(ValueParsers.parseHttpDate(value, HTTP_DATE_NOW)).isEmpty();
	}

	@Test
	void rfc3339TimestampsAreReadWithAnyOffset() {
		assertThat(ValueParsers.parseRfc3339("2026-02-25T20:02:37Z")).hasValue(Instant.parse("2026-02-25T20:02:37Z"));
		assertThat(ValueParsers.parseRfc3339("2026-02-25T21:02:37.5+01:00"))
			.hasValue(Instant.parse("2026-02-25T20:02:37.500Z"));
	}

	@ParameterizedTest(name = "\"{0}\"")
	@ValueSource(strings = { "1765944000", "2026-02-25 20:02:37", "2026-02-25T20:02:37", "2026-13-25T20:02:37Z", "soon",
			"" })
	void timestampsThatAreNotRfc3339AreRejected(String value) {
		assertThat(ValueParsers.parseRfc3339(value)).isEmpty();
	}

	@Test
	void valueOf64CharactersIsReadAndALongerOneIsRejected() {
		String sixtyFourCharacters = "0." + "0".repeat(61) + "1";
		assertThat(ValueParsers.parseSeconds(" " + sixtyFourCharacters + " ")).hasValue(Duration.ofNanos(1));
		assertThat(ValueParsers.parseSeconds(sixtyFourCharacters + "0")).isEmpty();
	}

	@Test
	void longestDurationADurationOfNanosecondsCanHoldIsRead() {
		assertThat(ValueParsers.parseGoDuration(Long.MAX_VALUE + "ns")).hasValue(Duration.ofNanos(Long.MAX_VALUE));
		assertThat(ValueParsers.parseGoDuration("9223372036854775808ns")).isEmpty();
	}

	@Test
	void plausiblePercentagesAreReadWithOrWithoutPercentSign() {
		assertThat(ValueParsers.parsePercent("45.5")).hasValue(45.5);
		assertThat(ValueParsers.parsePercent("100%")).hasValue(100.0);
		assertThat(ValueParsers.parsePercent("1000")).hasValue(1000.0);
		assertThat(ValueParsers.parsePercent("1000.1")).isEmpty();
		assertThat(ValueParsers.parsePercent("-1")).isEmpty();
		assertThat(ValueParsers.parsePercent("nan%")).isEmpty();
		assertThat(ValueParsers.parsePercent("%")).isEmpty();
	}

	@Test
	void booleansAreReadIgnoringCase() {
		assertThat(ValueParsers.parseBoolean("true")).hasValue(true);
		assertThat(ValueParsers.parseBoolean("FALSE")).hasValue(false);
		assertThat(ValueParsers.parseBoolean("yes")).isEmpty();
		assertThat(ValueParsers.parseBoolean("1")).isEmpty();
	}

}
