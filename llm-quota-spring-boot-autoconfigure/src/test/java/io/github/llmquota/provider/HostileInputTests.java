package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;

import static io.github.llmquota.provider.HeaderMaps.headers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that no header value or body, however broken, makes the parser throw, turns into
 * a zero, or stops the rest of the response from being read.
 */
class HostileInputTests {

	private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

	private static final String OVERFLOW = "99999999999999999999999999999999999";

	// Every hostile header travels with this body; its hint surviving proves that parsing
	// went on past the bad value instead of falling back to the status alone.
	private static final String BODY_WITH_RETRY_HINT = "{\"error\":{\"message\":\"Please try again in 3s.\"}}";

	private static final String RETRY_INFO = "{\"error\":{\"details\":[{\"@type\":"
			+ "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":";

	private static final List<String> HOSTILE_VALUES = List.of("abc", "-1", "-10s", OVERFLOW, OVERFLOW + "s", "inf",
			"-inf", "Infinity", "nan", "NaN", "", "   ", "1e5", "0x10", "1,000", "\u0000", "1\r\nx-injected: 1", "null",
			"\uD800", "9".repeat(100_000), "1s".repeat(100_000));

	private static final List<Map.Entry<Provider, String>> HEADERS_READ = List.of(
			Map.entry(Provider.OPENAI, "x-ratelimit-limit-requests"),
			Map.entry(Provider.OPENAI, "x-ratelimit-remaining-tokens"),
			Map.entry(Provider.OPENAI, "x-ratelimit-reset-tokens"),
			Map.entry(Provider.OPENAI, "x-ratelimit-reset-project-tokens"),
			Map.entry(Provider.OPENAI, "retry-after-ms"),
			Map.entry(Provider.ANTHROPIC, "anthropic-ratelimit-input-tokens-limit"),
			Map.entry(Provider.ANTHROPIC, "anthropic-ratelimit-output-tokens-reset"),
			Map.entry(Provider.ANTHROPIC, "retry-after"), Map.entry(Provider.ANTHROPIC, "x-should-retry"),
			Map.entry(Provider.GROQ, "x-ratelimit-reset-requests"),
			Map.entry(Provider.MISTRAL, "ratelimitbysize-reset"),
			Map.entry(Provider.MISTRAL, "ratelimitbysize-remaining"),
			Map.entry(Provider.AZURE_OPENAI, "azure-openai-deployment-utilization"),
			Map.entry(Provider.COHERE, "x-trial-endpoint-call-remaining"));

	private final List<String> reported = new ArrayList<>();

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser(
			(pool, headerName, value) -> this.reported.add(headerName));

	@ParameterizedTest(name = "{0} {1}: {2}")
	@MethodSource("hostileHeaders")
	void hostileHeaderValueIsIgnoredAndReported(Provider provider, String header, String value) {
		ProviderFeedback feedback = parse(provider, headers(header, value), BODY_WITH_RETRY_HINT);
		assertThat(this.reported).containsExactly(header);
		assertThat(feedback).isEqualTo(parse(provider, headers(), BODY_WITH_RETRY_HINT));
		assertThat(feedback.getRetryAfter()).hasValue(Duration.ofSeconds(3));
	}

	@ParameterizedTest(name = "{0} {1}: {2}")
	@MethodSource("hostileBodies")
	void hostileBodyIsIgnored(Provider provider, int status, String body) {
		ProviderFeedback feedback = parse(provider, status, headers("retry-after", "7"), body);
		assertThat(feedback.getStatus()).isEqualTo(status);
		assertThat(feedback.getRetryAfter()).hasValue(Duration.ofSeconds(7));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { RETRY_INFO + "\"-5s\"}]}}", RETRY_INFO + "\"inf\"}]}}",
			RETRY_INFO + "\"" + OVERFLOW + "s\"}]}}", RETRY_INFO + "{\"seconds\":5}}]}}", RETRY_INFO + "null}]}}",
			"{\"error\":{\"message\":\"Please try again in -5s.\"}}",
			"{\"error\":{\"message\":\"Please try again in " + OVERFLOW + "s.\"}}",
			"{\"error\":{\"message\":\"Please retry after 1e9 seconds.\"}}",
			"{\"error\":{\"message\":\"Please retry after 99999999999999999999 seconds.\"}}",
			"{\"error\":{\"message\":\"Please retry in NaNs.\"}}" })
	void hostileRetryHintInTheBodyIsIgnored(String body) {
		ProviderFeedback feedback = parse(Provider.GEMINI, 429, headers(), body);
		assertThat(feedback.getRetryAfter()).isEmpty();
		assertThat(feedback.getRetryAfterSource()).isEmpty();
		assertThat(feedback.getErrorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
	}

	static Stream<Arguments> hostileHeaders() {
		return HEADERS_READ.stream()
			.flatMap((header) -> HOSTILE_VALUES.stream()
				.map((value) -> Arguments.of(header.getKey(), header.getValue(), Named.of(display(value), value))));
	}

	static Stream<Arguments> hostileBodies() {
		List<String> bodies = new ArrayList<>(List.of("", "   ", "{", "[", "[]", "{}", "null", "\"error\"", "42",
				"{\"error\":null}", "{\"error\":\"string\"}", "{\"error\":[]}",
				"{\"error\":{\"message\":5,\"type\":{},\"code\":[],\"details\":\"x\"}}",
				"{\"error\":{\"details\":[1,null,{\"@type\":7},"
						+ "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":\"x\"}]}}",
				"{\"error\":{\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":"
						+ "[null,1,{\"quotaId\":{},\"quotaValue\":-5},{\"quotaId\":\"PerDayRequests\",\"quotaValue\":"
						+ "\"" + OVERFLOW + "\"}]}]}}",
				"[".repeat(100_000), "{\"error\":".repeat(10_000), "x".repeat(2 << 20),
				"data: {broken\n\ndata: {\"error\": 1}\n", "<html><body>502 Bad Gateway</body></html>",
				"\u0000\uFFFF\uD800", "{\"error\":{\"message\":\"try again in " + "9".repeat(1_000_000) + "s\"}}"));
		bodies.add(null);
		return Stream.of(Provider.values())
			.flatMap((provider) -> Stream.of(200, 429)
				.flatMap((status) -> bodies.stream()
					.map((body) -> Arguments.of(provider, status, Named.of(display(body), body)))));
	}

	private ProviderFeedback parse(Provider provider, Map<String, List<String>> headers, String body) {
		return parse(provider, 429, headers, body);
	}

	private ProviderFeedback parse(Provider provider, int status, Map<String, List<String>> headers, String body) {
		return this.parser.parse("pool", provider, status, headers, body, NOW);
	}

	private static String display(String value) {
		if (value == null) {
			return "null";
		}
		String shown = (value.length() > 40) ? value.substring(0, 40) + "... (" + value.length() + " chars)" : value;
		return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
	}

}
