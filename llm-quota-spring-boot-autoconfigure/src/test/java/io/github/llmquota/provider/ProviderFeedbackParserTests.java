package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionReading;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.RetryAfterSource;

import static io.github.llmquota.provider.HeaderMaps.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link ProviderFeedbackParser}, for behaviour the reference vectors do not
 * pin down (see {@link HeaderVectorsTests} for those).
 */
class ProviderFeedbackParserTests {

	private static final Instant NOW = Instant.parse("2023-09-29T16:26:37Z");

	private final List<String> reported = new ArrayList<>();

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser(
			(pool, headerName, value) -> this.reported.add(pool + " " + headerName + "=" + value));

	@Test
	void malformedRetryAfterMsFallsBackToRetryAfterSeconds() {
		ProviderFeedback feedback = parse(Provider.AZURE_OPENAI, 429,
				headers("retry-after-ms", "soon", "retry-after", "2"));
		assertRetryAfter(feedback, Duration.ofSeconds(2), RetryAfterSource.RETRY_AFTER_SECONDS);
		assertThat(this.reported).containsExactly("pool retry-after-ms=soon");
	}

	@Test
	void retryAfterHeaderIsPreferredOverBodyHints() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers("retry-after", "3"),
				"{\"error\":{\"message\":\"Please try again in 9s.\"}}");
		assertRetryAfter(feedback, Duration.ofSeconds(3), RetryAfterSource.RETRY_AFTER_SECONDS);
	}

	@Test
	void retryInfoIsPreferredOverTheMessageHint() {
		String body = """
				{"error":{"code":429,"message":"Please retry in 25.4s.","details":[
				{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}]}}""";
		ProviderFeedback feedback = parse(Provider.GEMINI, 429, headers(), body);
		assertRetryAfter(feedback, Duration.ofSeconds(26), RetryAfterSource.BODY_RETRY_INFO);
	}

	@Test
	void httpDateRetryAfterIsMeasuredFromTheGivenNow() {
		Map<String, List<String>> headers = headers("retry-after", "Fri, 29 Sep 2023 16:27:37 GMT");
		assertThat(this.parser.parse("pool", Provider.OPENAI, 429, headers, null, NOW).getRetryAfter())
			.hasValue(Duration.ofSeconds(60));
		assertThat(this.parser.parse("pool", Provider.OPENAI, 429, headers, null, NOW.plusSeconds(45)).getRetryAfter())
			.hasValue(Duration.ofSeconds(15));
	}

	@Test
	void httpDateRetryAfterInThePastIsIgnoredWithoutReportAndTheBodyHintIsUsed() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers("retry-after", "Fri, 29 Sep 2023 16:26:27 GMT"),
				"{\"error\":{\"message\":\"Please try again in 2s.\"}}");
		assertRetryAfter(feedback, Duration.ofSeconds(2), RetryAfterSource.BODY_MESSAGE);
		assertThat(this.reported).isEmpty();
	}

	@Test
	void unreadableRetryAfterIsReportedWithPoolAndHeaderName() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 429, headers("Retry-After", "soon"));
		assertThat(feedback.getRetryAfter()).isEmpty();
		assertThat(this.reported).containsExactly("pool retry-after=soon");
	}

	@Test
	void retryDelayIsRoundedUpToWholeMilliseconds() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers("retry-after-ms", "1.2"));
		assertThat(feedback.getRetryAfter()).hasValue(Duration.ofMillis(2));
	}

	@Test
	void headerNamesAreMatchedIgnoringCase() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429,
				headers("Retry-After", "4", "X-RateLimit-Limit-Tokens", "30000", "X-RATELIMIT-REMAINING-TOKENS", "0"));
		assertThat(feedback.getRetryAfter()).hasValue(Duration.ofSeconds(4));
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE)).hasValue(new DimensionReading(30000L, 0L, null));
	}

	@Test
	void firstNonNullValueOfARepeatedHeaderIsUsed() {
		ProviderFeedback feedback = this.parser.parse("pool", Provider.ANTHROPIC, 429,
				Map.of("retry-after", Arrays.asList(null, "5", "7")), null, NOW);
		assertThat(feedback.getRetryAfter()).hasValue(Duration.ofSeconds(5));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			textBlock = """
					retry-after-ms | 86400000                      | RETRY_AFTER_MS        | retry-after-ms=86400000
					retry-after    | 9000000000                    | RETRY_AFTER_SECONDS   | retry-after=9000000000
					retry-after    | Fri, 01 Jan 2100 00:00:00 GMT | RETRY_AFTER_HTTP_DATE | retry-after=Fri, 01 Jan 2100 00:00:00 GMT
					retry-after    | Friday, 29-Sep-23 17:26:37 GMT | RETRY_AFTER_HTTP_DATE | retry-after=Friday, 29-Sep-23 17:26:37 GMT
					retry-after    | Fri Sep 29 17:26:37 2023      | RETRY_AFTER_HTTP_DATE | retry-after=Fri Sep 29 17:26:37 2023
					""")
	void retryDelayBeyondTheCeilingIsClampedToItAndReported(String header, String value, RetryAfterSource source,
			String report) {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers(header, value));
		assertRetryAfter(feedback, ProviderFeedbackParser.DEFAULT_MAX_DELAY, source);
		assertThat(this.reported).containsExactly("pool " + report);
	}

	@Test
	void retryDelayInTheBodyBeyondTheCeilingIsClampedAndReportedUnderItsPlaceInTheBody() {
		String retryInfo = """
				{"error":{"code":429,"message":"Quota exceeded.","details":[
				{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3600s"}]}}""";
		assertRetryAfter(parse(Provider.GEMINI, 429, headers(), retryInfo), ProviderFeedbackParser.DEFAULT_MAX_DELAY,
				RetryAfterSource.BODY_RETRY_INFO);
		assertRetryAfter(
				parse(Provider.OPENAI, 429, headers(), "{\"error\":{\"message\":\"Please try again in 2h.\"}}"),
				ProviderFeedbackParser.DEFAULT_MAX_DELAY, RetryAfterSource.BODY_MESSAGE);
		assertThat(this.reported).containsExactly("pool body:RetryInfo=PT1H", "pool body:message=PT2H");
	}

	@Test
	void retryDelayAtTheCeilingIsPassedOnAsSentWithoutReport() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers("retry-after", "300"));
		assertRetryAfter(feedback, Duration.ofMinutes(5), RetryAfterSource.RETRY_AFTER_SECONDS);
		assertThat(this.reported).isEmpty();
	}

	@Test
	void ceilingOfRetryDelaysIsTheOneTheParserWasCreatedWith() {
		ProviderFeedbackParser parser = new ProviderFeedbackParser(
				(pool, headerName, value) -> this.reported.add(headerName + "=" + value), Duration.ofSeconds(30));
		ProviderFeedback feedback = parser.parse("pool", Provider.ANTHROPIC, 429, headers("retry-after", "31"), null,
				NOW);
		assertRetryAfter(feedback, Duration.ofSeconds(30), RetryAfterSource.RETRY_AFTER_SECONDS);
		assertThat(this.reported).containsExactly("retry-after=31");
	}

	@Test
	void ceilingThatIsNotPositiveIsAProgrammingError() {
		MalformedHeaderReporter ignore = (pool, headerName, value) -> {
		};
		assertThatIllegalArgumentException().isThrownBy(() -> new ProviderFeedbackParser(ignore, Duration.ZERO))
			.withMessageContaining("'maxDelay'");
		assertThatNullPointerException().isThrownBy(() -> new ProviderFeedbackParser(ignore, null))
			.withMessageContaining("'maxDelay'");
	}

	@Test
	void resetMoreThanADayAheadIsClampedToADayAndReported() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 200, headers("anthropic-ratelimit-requests-remaining",
				"4", "anthropic-ratelimit-requests-reset", "2023-09-30T16:26:38Z"));
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_MINUTE))
			.hasValue(new DimensionReading(null, 4L, NOW.plus(Duration.ofDays(1))));
		assertThat(this.reported).containsExactly("pool anthropic-ratelimit-requests-reset=2023-09-30T16:26:38Z");
	}

	@Test
	void resetExactlyADayAheadIsKeptWithoutReport() {
		ProviderFeedback feedback = parse(Provider.GROQ, 200,
				headers("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "24h"));
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_DAY))
			.hasValue(new DimensionReading(null, 0L, NOW.plus(Duration.ofDays(1))));
		assertThat(this.reported).isEmpty();
	}

	@Test
	void duplicatedCountHeaderYieldsItsTightestValidValue() {
		Map<String, List<String>> headers = new LinkedHashMap<>();
		headers.put("anthropic-ratelimit-input-tokens-remaining", List.of("28000", "abc", "12000", "19000"));
		headers.put("Anthropic-RateLimit-Input-Tokens-Remaining", List.of("15000"));
		headers.put("anthropic-ratelimit-input-tokens-limit", List.of("30000", "50000"));
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 200, headers);
		assertThat(feedback.getReading(Dimension.INPUT_TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(30000L, 12000L, null));
		assertThat(this.reported).containsExactly("pool anthropic-ratelimit-input-tokens-remaining=abc");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			textBlock = """
					ANTHROPIC | anthropic-ratelimit-requests-limit | anthropic-ratelimit-requests-remaining | REQUESTS_PER_MINUTE
					OPENAI    | x-ratelimit-limit-tokens           | x-ratelimit-remaining-tokens           | TOKENS_PER_MINUTE
					MISTRAL   | ratelimitbysize-limit              | ratelimitbysize-remaining              | TOKENS_PER_MINUTE
					COHERE    | x-trial-endpoint-call-limit        | x-trial-endpoint-call-remaining        | REQUESTS_PER_MINUTE
					""")
	void remainingAboveTheLimitIsReportedAndIgnored(Provider provider, String limit, String remaining,
			Dimension dimension) {
		ProviderFeedback feedback = parse(provider, 200, headers(limit, "50", remaining, "51"));
		assertThat(feedback.getReading(dimension)).hasValue(new DimensionReading(50L, null, null));
		assertThat(this.reported).containsExactly("pool " + remaining + "=51");
	}

	@Test
	void remainingEqualToTheLimitIsAFullBucket() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 200,
				headers("x-ratelimit-limit-tokens", "50", "x-ratelimit-remaining-tokens", "50"));
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE)).hasValue(new DimensionReading(50L, 50L, null));
		assertThat(this.reported).isEmpty();
	}

	@ParameterizedTest(name = "{1}")
	@CsvSource(delimiter = '|',
			textBlock = """
					INPUT_TOKENS_PER_MINUTE  | would exceed the rate limit for your organization (0b5e7a1c) of 30,000 input tokens per minute. For details
					OUTPUT_TOKENS_PER_MINUTE | would exceed your organization's rate limit of 8,000 output tokens per minute. For details
					TOKENS_PER_MINUTE        | would exceed your organization's rate limit of 1,000,000 tokens per minute.
					REQUESTS_PER_MINUTE      | would exceed your organization's rate limit of 50 requests per minute.
					""")
	void anthropicRateLimitNamedOnlyInTheMessageExposesTheDimension(Dimension dimension, String message) {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 429, headers(), anthropicRateLimit(message));
		assertThat(feedback.getLimitedDimension()).hasValue(dimension);
		assertThat(feedback.getReading(dimension)).hasValueSatisfying((reading) -> assertThat(reading.getLimit())
			.hasValue(Long.parseLong(message.replaceAll(".* of ([\\d,]+) .*", "$1").replace(",", ""))));
	}

	@Test
	void anthropicRateLimitInAUnitWithoutADimensionExposesNone() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 429, headers(),
				anthropicRateLimit("This request would exceed your organization's rate limit of 20,000,000 prompt "
						+ "bytes per hour (org: 5576611f, model: claude-sonnet-4-5)."));
		assertThat(feedback.getLimitedDimension()).isEmpty();
		assertThat(feedback.getReadings()).isEmpty();
	}

	@Test
	void anthropicErrorOtherThanARateLimitExposesNoLimitedDimension() {
		String body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
				+ "\"Overloaded; the rate limit of 50 requests per minute is not the problem.\"}}";
		assertThat(parse(Provider.ANTHROPIC, 529, headers(), body).getLimitedDimension()).isEmpty();
	}

	@Test
	void azureRateLimitMessageNamesTokensOrRequests() {
		String calls = "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation "
				+ "have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after 2 seconds.\"}}";
		assertThat(parse(Provider.AZURE_OPENAI, 429, headers(), calls).getLimitedDimension())
			.hasValue(Dimension.REQUESTS_PER_MINUTE);
		assertThat(parse(Provider.OPENAI, 429, headers(), calls).getLimitedDimension()).isEmpty();
	}

	@Test
	void openAiFreeTierRequestsLimitIsReportedPerDay() {
		// Real capture: 2.263 requests outstanding take 16m17.764s to refill, so a day.
		ProviderFeedback feedback = parse(Provider.OPENAI, 200, headers("x-ratelimit-limit-requests", "200",
				"x-ratelimit-remaining-requests", "197", "x-ratelimit-reset-requests", "16m17.764s"));
		assertThat(feedback.getReadings()).containsOnlyKeys(Dimension.REQUESTS_PER_DAY);
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_DAY))
			.hasValue(new DimensionReading(200L, 197L, NOW.plusMillis(977_764)));
	}

	@Test
	void openAiRequestsLimitThatRefillsWithinAMinuteIsReportedPerMinute() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 200, headers("x-ratelimit-limit-requests", "5000",
				"x-ratelimit-remaining-requests", "4999", "x-ratelimit-reset-requests", "12ms"));
		assertThat(feedback.getReadings()).containsOnlyKeys(Dimension.REQUESTS_PER_MINUTE);
	}

	@Test
	void openAiFullRequestsBucketIsReportedPerMinute() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 200, headers("x-ratelimit-limit-requests", "10000",
				"x-ratelimit-remaining-requests", "10000", "x-ratelimit-reset-requests", "0s"));
		assertThat(feedback.getReadings()).containsOnlyKeys(Dimension.REQUESTS_PER_MINUTE);
	}

	@Test
	void groqRequestsLimitIsPerDayWhateverItsReset() {
		ProviderFeedback feedback = parse(Provider.GROQ, 200, headers("x-ratelimit-limit-requests", "14400",
				"x-ratelimit-remaining-requests", "14399", "x-ratelimit-reset-requests", "6ms"));
		assertThat(feedback.getReadings()).containsOnlyKeys(Dimension.REQUESTS_PER_DAY);
	}

	@Test
	void openAiRateLimitReportedMidStreamAfter200IsRetryable() {
		String body = "event: response.failed\n" + "data: {\"type\":\"response.failed\",\"response\":{\"error\":"
				+ "{\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached for gpt-5.1 on tokens per min "
				+ "(TPM): Limit 30000, Used 22999, Requested 12528. Please try again in 11.054s.\"}}}\n\n";
		ProviderFeedback feedback = parse(Provider.OPENAI, 200, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
		assertRetryAfter(feedback, Duration.ofMillis(11_054), RetryAfterSource.BODY_MESSAGE);
	}

	@Test
	void successfulBodyMentioningErrorsIsNotMistakenForAnError() {
		String body = "{\"choices\":[{\"message\":{\"tool_calls\":[{\"result\":{\"error\":\"timeout\"}}],"
				+ "\"content\":\"The tool failed, please try again in 5s.\"}}]}";
		ProviderFeedback feedback = parse(Provider.OPENAI, 200, headers(), body);
		assertThat(feedback).isEqualTo(parse(Provider.OPENAI, 200, headers(), null));
	}

	@Test
	void anthropicWorkspaceUsageLimitIsNotRetryable() {
		String body = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"You have "
				+ "reached your specified workspace API usage limits. You will regain access on 2026-10-01.\"}}";
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 400, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void anthropicPlainInvalidRequestIsNotRetryable() {
		String body = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: "
				+ "must be positive\"}}";
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 400, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.OTHER);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void anthropicOverloadIsRetryableWithoutBlamingTheQuota() {
		String body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 529, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.OVERLOADED);
		assertThat(feedback.isRetryable()).isTrue();
	}

	@Test
	void anthropicFastModeHeadersDoNotReplaceTheStandardOnes() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 200,
				headers("anthropic-ratelimit-input-tokens-remaining", "28000", "anthropic-fast-input-tokens-remaining",
						"99200", "anthropic-fast-output-tokens-remaining", "19700"));
		assertThat(feedback.getReading(Dimension.INPUT_TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(null, 28000L, null));
		assertThat(feedback.getReading(Dimension.OUTPUT_TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(null, 19700L, null));
	}

	@Test
	void anthropicFastModeHeadersAreIgnoredEvenWhenTighterThanTheStandardOnes() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 200, headers("anthropic-ratelimit-input-tokens-remaining",
				"28000", "anthropic-fast-input-tokens-remaining", "1000"));
		assertThat(feedback.getReading(Dimension.INPUT_TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(null, 28000L, null));
	}

	@Test
	void geminiViolationWithALimitOfZeroMeansNoQuotaEvenWhenALaterOneHasALimit() {
		String body = """
				{"error":{"code":429,"message":"You exceeded your current quota.","details":[
				{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
				{"quotaId":"GenerateContentInputTokensPerModelPerMinute-FreeTier","quotaValue":"0"},
				{"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaValue":"15"}]}]}}""";
		ProviderFeedback feedback = parse(Provider.GEMINI, 429, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void openAiRequestExactlyAsLargeAsTheLimitIsAnOrdinaryRateLimit() {
		String body = "{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached for gpt-4o "
				+ "on tokens per min (TPM): Limit 30000, Requested 30000.\"}}";
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
	}

	@Test
	void retryHintInABodyThatIsNotJsonIsRead() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers(),
				"Rate limit exceeded. Please try again in 20s.");
		assertRetryAfter(feedback, Duration.ofSeconds(20), RetryAfterSource.BODY_MESSAGE);
	}

	@Test
	void errorObjectWithoutAnErrorKeyIsReadFromAStatus400() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 400, headers(),
				"{\"message\":\"Invalid request, please try again in 2s\"}");
		assertThat(feedback.getErrorMessage()).hasValue("Invalid request, please try again in 2s");
		assertRetryAfter(feedback, Duration.ofSeconds(2), RetryAfterSource.BODY_MESSAGE);
	}

	@Test
	void bodyOfExactlyOneMebibyteIsReadAndALargerOneIsIgnored() {
		String json = "{\"error\":{\"message\":\"Please try again in 5s.\"}}";
		String oneMebibyte = json + " ".repeat((1 << 20) - json.length());
		assertRetryAfter(parse(Provider.OPENAI, 429, headers(), oneMebibyte), Duration.ofSeconds(5),
				RetryAfterSource.BODY_MESSAGE);
		assertThat(parse(Provider.OPENAI, 429, headers(), oneMebibyte + " ").getRetryAfter()).isEmpty();
	}

	@Test
	void geminiPerDayQuotaIsExhaustedUntilNextMidnightPacific() {
		String body = """
				{"error":{"code":429,"message":"You exceeded your current quota.","details":[
				{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
				{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":"250"}]}]}}""";
		Instant now = Instant.parse("2026-07-01T10:00:00Z");
		ProviderFeedback feedback = this.parser.parse("pool", Provider.GEMINI, 429, headers(), body, now);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
		// 03:00 PDT on July 1st; the quota day ends at 00:00 PDT on July 2nd.
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_DAY))
			.hasValue(new DimensionReading(250L, 0L, Instant.parse("2026-07-02T07:00:00Z")));
	}

	@Test
	void geminiPerMinuteRequestsViolationIsRetryableWithNoRequestsLeft() {
		String body = """
				{"error":{"code":429,"message":"You exceeded your current quota.","details":[
				{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
				{"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaValue":"15"}]},
				{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}""";
		ProviderFeedback feedback = parse(Provider.GEMINI, 429, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_MINUTE)).hasValue(new DimensionReading(15L, 0L, null));
		assertRetryAfter(feedback, Duration.ofMillis(1500), RetryAfterSource.BODY_RETRY_INFO);
	}

	@Test
	void geminiQuotaLimitOfZeroInErrorInfoIsNotRetryable() {
		String body = """
				{"error":{"code":429,"message":"Quota exceeded.","details":[
				{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED",
				"metadata":{"quota_metric":"generativelanguage.googleapis.com/generate_content_requests",
				"quota_limit_value":"0"}}]}}""";
		ProviderFeedback feedback = parse(Provider.GEMINI, 429, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void vertexProvisionedThroughputExhaustionIsTheCallersRateLimit() {
		String body = "{\"error\":{\"code\":429,\"message\":\"Too many requests. Exceeded the Provisioned "
				+ "Throughput.\",\"status\":\"RESOURCE_EXHAUSTED\"}}";
		ProviderFeedback feedback = parse(Provider.GEMINI, 429, headers(), body);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
	}

	@ParameterizedTest(name = "{0} with {1}")
	@CsvSource({ "'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 429, RATE_LIMITED, true",
			"ServiceUnavailableException, 503, OVERLOADED, true", "ModelNotReadyException, 429, OVERLOADED, true",
			"ServiceQuotaExceededException, 400, QUOTA_EXHAUSTED, false", "ValidationException, 400, OTHER, false" })
	void bedrockErrorTypeDecidesWhatTheFailureMeans(String errorType, int status, ErrorClass errorClass,
			boolean retryable) {
		ProviderFeedback feedback = parse(Provider.BEDROCK, status, headers("x-amzn-errortype", errorType));
		assertThat(feedback.getErrorClass()).isEqualTo(errorClass);
		assertThat(feedback.isRetryable()).isEqualTo(retryable);
	}

	@Test
	void azureProvisionedDeploymentUtilizationIsReported() {
		ProviderFeedback feedback = parse(Provider.AZURE_OPENAI, 200,
				headers("azure-openai-deployment-utilization", "87.5"));
		assertThat(feedback.getUtilization()).hasValue(87.5);
	}

	@Test
	void utilizationHeaderIsIgnoredForProvidersThatDoNotSendIt() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 200, headers("azure-openai-deployment-utilization", "87.5"));
		assertThat(feedback.getUtilization()).isEmpty();
	}

	@Test
	void azureResetHeadersAreNotGuessedAt() {
		ProviderFeedback feedback = parse(Provider.AZURE_OPENAI, 200, headers("x-ratelimit-remaining-tokens", "1000",
				"x-ratelimit-reset-tokens", "40", "x-ratelimit-remaining-requests", "9"));
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE)).hasValue(new DimensionReading(null, 1000L, null));
		assertThat(feedback.getReading(Dimension.REQUESTS_PER_MINUTE)).hasValue(new DimensionReading(null, 9L, null));
		assertThat(this.reported).isEmpty();
	}

	@Test
	void mistralMinuteHeadersStandInForMissingBucketHeaders() {
		ProviderFeedback feedback = parse(Provider.MISTRAL, 200,
				headers("x-ratelimitbysize-limit-minute", "500000", "x-ratelimitbysize-remaining-minute", "467993"));
		assertThat(feedback.getReading(Dimension.TOKENS_PER_MINUTE))
			.hasValue(new DimensionReading(500000L, 467993L, null));
	}

	@Test
	void cohereTrialPerMinuteLimitIsRetryable() {
		ProviderFeedback feedback = parse(Provider.COHERE, 429, headers(),
				"{\"id\":\"x\",\"message\":\"You are using a Trial key, which is limited to 10 API calls / minute.\"}");
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
	}

	@Test
	void otherProvidersGetOnlyTheGenericReading() {
		ProviderFeedback feedback = parse(Provider.OTHER, 429,
				headers("x-ratelimit-remaining-tokens", "0", "retry-after", "3"));
		assertThat(feedback.getReadings()).isEmpty();
		assertRetryAfter(feedback, Duration.ofSeconds(3), RetryAfterSource.RETRY_AFTER_SECONDS);
	}

	@ParameterizedTest(name = "{0} is {1}, retryable {2}")
	@CsvSource({ "200, NONE, false", "0, NONE, false", "-1, NONE, false", "400, OTHER, false", "401, OTHER, false",
			"402, QUOTA_EXHAUSTED, false", "403, OTHER, false", "404, OTHER, false", "408, OTHER, true",
			"409, OTHER, true", "413, REQUEST_TOO_LARGE, false", "429, RATE_LIMITED, true", "500, OTHER, true",
			"502, OTHER, true", "503, OVERLOADED, true", "504, OTHER, true", "529, OVERLOADED, true",
			"999, OTHER, false" })
	void statusAloneDecidesWhenNothingElseIsSaid(int status, ErrorClass errorClass, boolean retryable) {
		ProviderFeedback feedback = parse(Provider.DEEPSEEK, status, headers());
		assertThat(feedback.getStatus()).isEqualTo(status);
		assertThat(feedback.getErrorClass()).isEqualTo(errorClass);
		assertThat(feedback.isRetryable()).isEqualTo(retryable);
	}

	@Test
	void shouldRetryTrueCannotMakeAnExhaustedQuotaRetryable() {
		ProviderFeedback feedback = parse(Provider.OPENAI, 429, headers("x-should-retry", "true"),
				"{\"error\":{\"message\":\"You exceeded your current quota.\",\"code\":\"insufficient_quota\"}}");
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void shouldRetryTrueMakesAnOtherwiseFinalErrorRetryable() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 400, headers("x-should-retry", "true"));
		assertThat(feedback.isRetryable()).isTrue();
	}

	@Test
	void shouldRetryOnASuccessLeavesNothingToRetry() {
		ProviderFeedback feedback = parse(Provider.ANTHROPIC, 200, headers("x-should-retry", "true"));
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.NONE);
		assertThat(feedback.isRetryable()).isFalse();
	}

	@Test
	void nullHeadersAndBodyLeaveTheStatusReading() {
		ProviderFeedback feedback = this.parser.parse("pool", Provider.ANTHROPIC, 429, null, null, NOW);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.getReadings()).isEmpty();
		assertThat(feedback.getRetryAfter()).isEmpty();
	}

	@Test
	void failureInsideTheParserFallsBackToTheStatusAlone() {
		Map<String, List<String>> unreadable = new AbstractMap<>() {

			@Override
			public Set<Entry<String, List<String>>> entrySet() {
				throw new IllegalStateException("headers already consumed");
			}

		};
		ProviderFeedback feedback = this.parser.parse("pool", Provider.OPENAI, 429, unreadable,
				"{\"error\":{\"message\":\"Please try again in 9s.\"}}", NOW);
		assertThat(feedback.getStatus()).isEqualTo(429);
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
		assertThat(feedback.isRetryable()).isTrue();
		assertThat(feedback.getRetryAfter()).isEmpty();
	}

	@Test
	void missingPoolProviderOrNowIsAProgrammingError() {
		assertThatNullPointerException()
			.isThrownBy(() -> this.parser.parse(null, Provider.OPENAI, 200, headers(), null, NOW))
			.withMessageContaining("'pool'");
		assertThatNullPointerException().isThrownBy(() -> this.parser.parse("pool", null, 200, headers(), null, NOW))
			.withMessageContaining("'provider'");
		assertThatNullPointerException()
			.isThrownBy(() -> this.parser.parse("pool", Provider.OPENAI, 200, headers(), null, null))
			.withMessageContaining("'now'");
	}

	private ProviderFeedback parse(Provider provider, int status, Map<String, List<String>> headers) {
		return parse(provider, status, headers, null);
	}

	private ProviderFeedback parse(Provider provider, int status, Map<String, List<String>> headers, String body) {
		return this.parser.parse("pool", provider, status, headers, body, NOW);
	}

	private static String anthropicRateLimit(String message) {
		return "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"" + message + "\"}}";
	}

	private static void assertRetryAfter(ProviderFeedback feedback, Duration delay, RetryAfterSource source) {
		assertThat(feedback.getRetryAfter()).hasValue(delay);
		assertThat(feedback.getRetryAfterSource()).hasValue(source);
	}

}
