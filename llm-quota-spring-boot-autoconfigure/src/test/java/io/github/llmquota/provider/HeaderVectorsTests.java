package io.github.llmquota.provider;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionReading;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.RetryAfterSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

/**
 * Runs every vector of {@code provider/header-vectors.json} (real captures and documented
 * examples, see the shared {@code providers.md}) through the parser and checks every
 * {@code expected} key. A key is either checked, listed in {@link #NOT_IN_VIEW} with the
 * reason the normalised view has no place for it, or listed in {@link #DEVIATIONS} for
 * one vector with the reason the parser deliberately differs. An unknown key fails the
 * test, so a new vector cannot be skipped silently.
 */
class HeaderVectorsTests {

	private static final int VECTOR_COUNT = 50;

	// For vectors that carry neither a "now" nor a Date header; they hold only absolute
	// or no times, so any instant does.
	private static final Instant DEFAULT_NOW = Instant.parse("2026-06-01T12:00:00Z");

	private static final Map<String, Provider> PROVIDERS = Map.ofEntries(Map.entry("anthropic", Provider.ANTHROPIC),
			Map.entry("openai", Provider.OPENAI), Map.entry("azure_openai", Provider.AZURE_OPENAI),
			Map.entry("azure_openai_ptu", Provider.AZURE_OPENAI), Map.entry("gemini", Provider.GEMINI),
			Map.entry("vertex_ai", Provider.GEMINI), Map.entry("aws_bedrock", Provider.BEDROCK),
			Map.entry("groq", Provider.GROQ), Map.entry("mistral", Provider.MISTRAL),
			Map.entry("deepseek", Provider.DEEPSEEK), Map.entry("cohere", Provider.COHERE));

	/**
	 * The vectors name error classes in finer words than the view; each maps to the class
	 * that decides what a limiter does.
	 */
	private static final Map<String, ErrorClass> ERROR_CLASSES = Map.ofEntries(Map.entry("none", ErrorClass.NONE),
			Map.entry("rate_limit", ErrorClass.RATE_LIMITED),
			// Azure PTU at 100% utilisation: the deployment's own capacity, which waiting
			// restores.
			Map.entry("capacity_full", ErrorClass.RATE_LIMITED),
			// DeepSeek's per-account concurrency cap: the caller's own limit.
			Map.entry("concurrency_limit", ErrorClass.RATE_LIMITED), Map.entry("overloaded", ErrorClass.OVERLOADED),
			// Vertex AI dynamic shared quota: capacity shared with every customer, not
			// the caller's quota, so it must not cut the pool's rate.
			Map.entry("shared_capacity", ErrorClass.OVERLOADED),
			Map.entry("quota_exhausted", ErrorClass.QUOTA_EXHAUSTED),
			Map.entry("spend_cap", ErrorClass.QUOTA_EXHAUSTED),
			Map.entry("daily_quota_exhausted", ErrorClass.QUOTA_EXHAUSTED),
			Map.entry("monthly_quota_exhausted", ErrorClass.QUOTA_EXHAUSTED),
			Map.entry("quota_zero_model_unavailable_on_tier", ErrorClass.QUOTA_EXHAUSTED),
			Map.entry("request_exceeds_limit", ErrorClass.REQUEST_TOO_LARGE),
			Map.entry("invalid_request", ErrorClass.OTHER));

	private static final Map<String, RetryAfterSource> RETRY_AFTER_SOURCES = Map.of("retry-after-ms",
			RetryAfterSource.RETRY_AFTER_MS, "retry-after", RetryAfterSource.RETRY_AFTER_SECONDS,
			"retry-after-http-date", RetryAfterSource.RETRY_AFTER_HTTP_DATE, "body:RetryInfo",
			RetryAfterSource.BODY_RETRY_INFO, "body:message", RetryAfterSource.BODY_MESSAGE);

	private static final Map<String, Dimension> GEMINI_QUOTA_IDS = Map
		.of("GenerateContentInputTokensPerModelPerMinute-FreeTier", Dimension.INPUT_TOKENS_PER_MINUTE);

	private static final Map<String, String> NOT_IN_VIEW = notInView();

	private static final Map<String, Map<String, String>> DEVIATIONS = Map.of("openai-200-docs-project-tokens",
			deviation(
					"The view keeps one reading per dimension, and the project bucket (57000 left) binds before "
							+ "the model bucket (149984 left), so TOKENS_PER_MINUTE reports the project bucket; see "
							+ "project_tokens_* and effective_tokens_remaining",
					"tokens_limit", "tokens_remaining", "reset_tokens_in_ms"));

	private static final Pattern LIMIT = Pattern.compile("(.+)_limit");

	private static final Pattern REMAINING = Pattern.compile("(.+)_remaining");

	private static final Pattern RESET_AT = Pattern.compile("reset_(.+)_at");

	private static final Pattern RESET_IN_MS = Pattern.compile("reset_(.+)_in_ms");

	private static final Pattern RESET_IN_MS_VS_DATE = Pattern.compile("reset_(.+)_in_ms_vs_date");

	private final List<String> reported = new ArrayList<>();

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser(
			(pool, headerName, value) -> this.reported.add(headerName));

	@Test
	void everyVectorOfTheReferenceIsRun() {
		assertThat(vectors()).hasSize(VECTOR_COUNT);
	}

	@Test
	void everyDeviationNamesAVectorAndKeyThatExist() {
		Map<String, JsonNode> expectedById = new LinkedHashMap<>();
		vectors().forEach((vector) -> expectedById.put(vector.getName(), vector.getPayload().get("expected")));
		DEVIATIONS.forEach((id, keys) -> {
			assertThat(expectedById).containsKey(id);
			keys.keySet().forEach((key) -> assertThat(expectedById.get(id).has(key)).as(id + " " + key).isTrue());
		});
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("vectors")
	void vectorParsesAsExpected(JsonNode vector) {
		String id = vector.get("id").asText();
		Instant now = nowOf(vector);
		ProviderFeedback feedback = this.parser.parse("vectors", PROVIDERS.get(vector.get("provider").asText()),
				vector.get("status").asInt(), headersOf(vector), vector.get("body").textValue(), now);
		Map<String, String> deviations = DEVIATIONS.getOrDefault(id, Map.of());
		JsonNode expected = vector.get("expected");
		expected.fieldNames().forEachRemaining((key) -> {
			if (NOT_IN_VIEW.containsKey(key)) {
				return;
			}
			Check check = new Check(key, expected, feedback, now, dateOf(vector), this.reported);
			if (deviations.containsKey(key)) {
				assertThatExceptionOfType(AssertionError.class)
					.as("%s %s deviates on purpose (%s); if it now matches, remove the deviation", id, key,
							deviations.get(key))
					.isThrownBy(check::run);
			}
			else {
				check.run();
			}
		});
	}

	static List<Named<JsonNode>> vectors() {
		try (InputStream json = HeaderVectorsTests.class.getResourceAsStream("/provider/header-vectors.json")) {
			JsonNode vectors = new ObjectMapper().readTree(json);
			List<Named<JsonNode>> named = new ArrayList<>();
			vectors.forEach((vector) -> named.add(Named.of(vector.get("id").asText(), vector)));
			return named;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A header's value is a string, or an array of strings for a header sent more than
	 * once.
	 */
	private static Map<String, List<String>> headersOf(JsonNode vector) {
		Map<String, List<String>> headers = new LinkedHashMap<>();
		vector.get("headers")
			.fields()
			.forEachRemaining((header) -> headers.put(header.getKey(),
					header.getValue().isArray() ? textsOf(header.getValue()) : List.of(header.getValue().asText())));
		return headers;
	}

	private static List<String> textsOf(JsonNode array) {
		List<String> texts = new ArrayList<>();
		array.forEach((element) -> texts.add(element.asText()));
		return texts;
	}

	/**
	 * A vector's own "now" if it has one, else its Date header, against which its
	 * relative resets were captured.
	 */
	private static Instant nowOf(JsonNode vector) {
		if (vector.hasNonNull("now")) {
			return Instant.parse(vector.get("now").asText());
		}
		return dateOf(vector).orElse(DEFAULT_NOW);
	}

	private static Optional<Instant> dateOf(JsonNode vector) {
		return Optional.ofNullable(vector.get("headers").get("date"))
			.map((date) -> DateTimeFormatter.RFC_1123_DATE_TIME.parse(date.asText(), Instant::from));
	}

	private static Map<String, String> notInView() {
		Map<String, String> keys = new LinkedHashMap<>();
		keys.put("sdk", "what the official SDKs do with the response, not what it says");
		String vocabulary = "the provider's own vocabulary; what it means is checked through error_class and retryable";
		keys.put("error_code", vocabulary);
		keys.put("error_type", vocabulary);
		keys.put("x_should_retry", "checked through retryable");
		keys.put("mid_stream", "an error event after HTTP 200, checked through error_class and retryable");
		String input = "a property of the input body, checked by the vector's other keys being read at all";
		keys.put("body_is_array", input);
		keys.put("must_strip_leading_whitespace", input);
		keys.put("parsed", "numbers quoted in the message; only their consequence, error_class, is in the view");
		String gemini = "Gemini's identifiers; violations become readings, checked through quota_id, quota_value "
				+ "and retry_not_before";
		keys.put("quota_metric", gemini);
		keys.put("violated_quota_ids", gemini);
		keys.put("resume_at", "the spend cap's resume time is informational: QUOTA_EXHAUSTED already fails fast "
				+ "until an operator acts, and a month is no retry delay");
		String monthly = "there is no monthly Dimension";
		keys.put("tokens_month_limit", monthly);
		keys.put("tokens_month_remaining", monthly);
		keys.put("monthly_call_limit", monthly);
		keys.put("query_cost", "Mistral's charge for this request, not a limit");
		String unified = "undocumented Claude subscription windows (5 h, 7 d) with no Dimension; API-key traffic "
				+ "does not carry them";
		for (String key : List.of("unified_5h_reset_at", "unified_5h_utilization", "unified_5h_status",
				"unified_7d_reset_at", "unified_7d_utilization", "reset_format", "documented")) {
			keys.put(key, unified);
		}
		return keys;
	}

	private static Map<String, String> deviation(String reason, String... keys) {
		Map<String, String> deviation = new LinkedHashMap<>();
		for (String key : keys) {
			deviation.put(key, reason);
		}
		return deviation;
	}

	/**
	 * The check of one expected key against the feedback.
	 */
	private record Check(String key, JsonNode expected, ProviderFeedback feedback, Instant now, Optional<Instant> date,
			List<String> reported) {

		void run() {
			JsonNode value = this.expected.get(this.key);
			switch (this.key) {
				case "error_class" -> assertThat(this.feedback.getErrorClass()).as(this.key)
					.isEqualTo(known(ERROR_CLASSES, value.asText()));
				case "retryable" -> assertThat(this.feedback.isRetryable()).as(this.key)
					// null marks a response without an error: nothing to retry.
					.isEqualTo(!value.isNull() && value.asBoolean());
				case "retry_after_ms" -> assertThat(this.feedback.getRetryAfter()).as(this.key)
					.isEqualTo(value.isNull() ? Optional.empty() : Optional.of(Duration.ofMillis(value.asLong())));
				case "retry_after_source" -> assertThat(this.feedback.getRetryAfterSource()).as(this.key)
					.isEqualTo(value.isNull() ? Optional.empty()
							: Optional.of(known(RETRY_AFTER_SOURCES, value.asText())));
				case "inferred_formula_check_s" -> assertThat(this.feedback.getRetryAfter()).as(this.key)
					.hasValueSatisfying((delay) -> assertThat(delay.toNanos())
						.isCloseTo((long) (value.asDouble() * 1e9), within(1_000_000L)));
				case "invariant_tokens_limit_equals_input_plus_output" ->
					assertThat(limit(Dimension.TOKENS_PER_MINUTE)).as(this.key)
						.hasValue(limit(Dimension.INPUT_TOKENS_PER_MINUTE).orElseThrow()
								+ limit(Dimension.OUTPUT_TOKENS_PER_MINUTE).orElseThrow());
				case "inferred_output_tokens_reserved_at_start" ->
					assertThat(limit(Dimension.OUTPUT_TOKENS_PER_MINUTE).orElseThrow()
							- remaining(Dimension.OUTPUT_TOKENS_PER_MINUTE).orElseThrow())
						.as(this.key)
						.isEqualTo(value.asLong());
				case "requests_window" -> assertWindow("requests", value.asText());
				case "tokens_window" -> assertWindow("tokens", value.asText());
				case "inferred_requests_window_s" -> assertWindow("requests", windowName(value.asLong()));
				case "inferred_tokens_window_s" -> assertWindow("tokens", windowName(value.asLong()));
				case "effective_tokens_remaining" ->
					assertThat(remaining(Dimension.TOKENS_PER_MINUTE)).as(this.key).hasValue(value.asLong());
				case "quota_id" -> assertThat(this.feedback.getReading(quotaDimension())).as(this.key).isPresent();
				case "quota_value" -> assertThat(limit(quotaDimension())).as(this.key).hasValue(value.asLong());
				case "window" ->
					assertThat(quotaDimension().getWindow()).as(this.key).isEqualTo(windowOf(value.asText()));
				case "retry_not_before" -> assertRetryNotBefore(value.asText());
				case "limited_dimension" -> assertThat(this.feedback.getLimitedDimension()).as(this.key)
					.hasValue(Dimension.valueOf(value.asText().toUpperCase(Locale.ROOT)));
				case "reported_malformed" ->
					assertThat(this.reported).as(this.key).containsExactlyInAnyOrderElementsOf(textsOf(value));
				default -> checkReadingField(value);
			}
		}

		private void checkReadingField(JsonNode value) {
			Matcher matcher;
			if ((matcher = RESET_IN_MS_VS_DATE.matcher(this.key)).matches()) {
				Instant date = this.date.orElseThrow();
				assertReading(matcher.group(1), value, (reading) -> reading.getResetAt()
					.map((reset) -> reset.isBefore(date) ? 0L : Duration.between(date, reset).toMillis()));
			}
			else if ((matcher = RESET_IN_MS.matcher(this.key)).matches()) {
				assertReading(matcher.group(1), value,
						(reading) -> reading.getResetAt().map((reset) -> Duration.between(this.now, reset).toMillis()));
			}
			else if ((matcher = RESET_AT.matcher(this.key)).matches()) {
				assertReading(matcher.group(1), value,
						(reading) -> reading.getResetAt().map((reset) -> reset.toEpochMilli()),
						(text) -> Instant.parse(text).toEpochMilli());
			}
			else if ((matcher = LIMIT.matcher(this.key)).matches()) {
				assertReading(matcher.group(1), value, (reading) -> boxed(reading.getLimit()));
			}
			else if ((matcher = REMAINING.matcher(this.key)).matches()) {
				assertReading(matcher.group(1), value, (reading) -> boxed(reading.getRemaining()));
			}
			else {
				fail("No check for expected key '%s': map it onto the view, or list it in NOT_IN_VIEW", this.key);
			}
		}

		private void assertReading(String bucket, JsonNode value, Function<DimensionReading, Optional<Long>> field) {
			assertReading(bucket, value, field, Long::parseLong);
		}

		/**
		 * A null expectation means the value must be absent from every dimension the
		 * bucket could have been reported under.
		 */
		private void assertReading(String bucket, JsonNode value, Function<DimensionReading, Optional<Long>> field,
				Function<String, Long> expectedValue) {
			if (value.isNull()) {
				for (Dimension dimension : candidateDimensions(bucket)) {
					assertThat(this.feedback.getReading(dimension).flatMap(field)).as(this.key + " " + dimension)
						.isEmpty();
				}
				return;
			}
			Dimension dimension = dimensionOf(bucket);
			assertThat(this.feedback.getReading(dimension).flatMap(field)).as(this.key + " " + dimension)
				.hasValue(expectedValue.apply(value.asText()));
		}

		private Dimension dimensionOf(String bucket) {
			return switch (bucket) {
				case "requests" -> isPerDay("requests") ? Dimension.REQUESTS_PER_DAY : Dimension.REQUESTS_PER_MINUTE;
				case "tokens", "project_tokens" -> Dimension.TOKENS_PER_MINUTE;
				case "input_tokens", "fast_input_tokens" -> Dimension.INPUT_TOKENS_PER_MINUTE;
				case "output_tokens", "fast_output_tokens" -> Dimension.OUTPUT_TOKENS_PER_MINUTE;
				default -> throw new AssertionError("No dimension for bucket '" + bucket + "' of key " + this.key);
			};
		}

		private Set<Dimension> candidateDimensions(String bucket) {
			return switch (bucket) {
				case "requests" -> Set.of(Dimension.REQUESTS_PER_MINUTE, Dimension.REQUESTS_PER_DAY);
				case "tokens" -> Set.of(Dimension.TOKENS_PER_MINUTE, Dimension.TOKENS_PER_DAY);
				default -> Set.of(dimensionOf(bucket));
			};
		}

		private boolean isPerDay(String bucket) {
			return "day".equals(this.expected.path(bucket + "_window").asText())
					|| this.expected.path("inferred_" + bucket + "_window_s").asLong() == 86_400;
		}

		private void assertWindow(String bucket, String window) {
			Dimension minute = "requests".equals(bucket) ? Dimension.REQUESTS_PER_MINUTE : Dimension.TOKENS_PER_MINUTE;
			Dimension day = "requests".equals(bucket) ? Dimension.REQUESTS_PER_DAY : Dimension.TOKENS_PER_DAY;
			Dimension reported = "day".equals(window) ? day : minute;
			Dimension other = (reported == day) ? minute : day;
			assertThat(this.feedback.getReadings()).as(this.key).containsKey(reported).doesNotContainKey(other);
		}

		private void assertRetryNotBefore(String value) {
			assertThat(value).isEqualTo("next midnight America/Los_Angeles");
			ZoneId pacific = ZoneId.of("America/Los_Angeles");
			Instant midnight = this.now.atZone(pacific).toLocalDate().plusDays(1).atStartOfDay(pacific).toInstant();
			assertThat(this.feedback.getReadings().entrySet()).as(this.key).anySatisfy((entry) -> {
				assertThat(entry.getKey().getWindow()).isEqualTo(Duration.ofDays(1));
				assertThat(entry.getValue().getRemaining()).hasValue(0);
				assertThat(entry.getValue().getResetAt()).hasValue(midnight);
			});
		}

		private Dimension quotaDimension() {
			return known(GEMINI_QUOTA_IDS, this.expected.get("quota_id").asText());
		}

		private OptionalLong limit(Dimension dimension) {
			return this.feedback.getReading(dimension).map(DimensionReading::getLimit).orElse(OptionalLong.empty());
		}

		private OptionalLong remaining(Dimension dimension) {
			return this.feedback.getReading(dimension).map(DimensionReading::getRemaining).orElse(OptionalLong.empty());
		}

		private static String windowName(long seconds) {
			return switch ((int) seconds) {
				case 60 -> "minute";
				case 86_400 -> "day";
				default -> throw new AssertionError("Unexpected window of " + seconds + " s");
			};
		}

		private static Duration windowOf(String name) {
			return "day".equals(name) ? Duration.ofDays(1) : Duration.ofMinutes(1);
		}

		private static Optional<Long> boxed(OptionalLong value) {
			return value.isPresent() ? Optional.of(value.getAsLong()) : Optional.empty();
		}

		private static <T> T known(Map<String, T> vocabulary, String word) {
			T known = vocabulary.get(word);
			assertThat(known).as("mapping for '%s'", word).isNotNull();
			return known;
		}

	}

}
