package io.github.llmquota.provider;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The error object of a response body, found in any of the shapes providers use: a JSON
 * object with an {@code error} member (OpenAI, Anthropic, Gemini), the same wrapped in a
 * JSON array (Gemini and Vertex AI streaming), a bare object with a top-level
 * {@code message} (Cohere, Mistral, Bedrock), or an SSE {@code data:} event that reports
 * an error after HTTP 200 (Anthropic {@code error}, OpenAI {@code response.failed}).
 * Behind an error status, anything else (malformed JSON, a proxy's HTML page) leaves only
 * the raw text, which is still searched for retry hints.
 */
final class ErrorBody {

	// Error bodies are a few kilobytes. A larger body is a success payload or hostile,
	// and not worth parsing.
	private static final int MAX_LENGTH = 1 << 20;

	private static final ObjectMapper mapper = JsonMapper.builder().build();

	private static final ErrorBody NONE = new ErrorBody("", MissingNode.getInstance());

	private static final Pattern TRY_AGAIN_IN = Pattern
		.compile("(?:try again|retry) in (" + ValueParsers.GO_DURATION_SYNTAX + ")", Pattern.CASE_INSENSITIVE);

	private static final Pattern RETRY_AFTER_SECONDS = Pattern
		.compile("retry after (\\d{1,20}(?:\\.\\d{1,20})?) seconds?\\b", Pattern.CASE_INSENSITIVE);

	private final String text;

	private final JsonNode error;

	private ErrorBody(String text, JsonNode error) {
		this.text = text;
		this.error = error;
	}

	/**
	 * Find the error object of a body.
	 * @param body the raw body, may be {@code null}
	 * @param status the HTTP status; below 400 only an explicit {@code error} member
	 * counts, so that a successful payload is never mistaken for an error
	 * @return the error body, never {@code null}
	 */
	static ErrorBody parse(String body, int status) {
		if (body == null || body.isBlank() || body.length() > MAX_LENGTH) {
			return NONE;
		}
		boolean errorStatus = status >= 400;
		if (!errorStatus && !body.contains("\"error\"")) {
			return NONE;
		}
		JsonNode error = errorOf(readTree(body), errorStatus);
		if (error.isMissingNode()) {
			error = sseErrorOf(body);
		}
		// Without an error object, a successful body is content, and any "try again in"
		// inside it is the model talking.
		return (error.isMissingNode() && !errorStatus) ? NONE : new ErrorBody(body, error);
	}

	private static JsonNode sseErrorOf(String body) {
		for (String line : body.split("\\R")) {
			if (line.startsWith("data:") && line.contains("\"error\"")) {
				JsonNode error = errorOf(readTree(line.substring(5)), false);
				if (!error.isMissingNode()) {
					return error;
				}
			}
		}
		return MissingNode.getInstance();
	}

	private static JsonNode errorOf(JsonNode node, boolean topLevelCounts) {
		JsonNode candidate = (node.isArray() && !node.isEmpty()) ? node.get(0) : node;
		if (candidate.path("error").isObject()) {
			return candidate.get("error");
		}
		if (candidate.path("response").path("error").isObject()) {
			return candidate.get("response").get("error");
		}
		return (topLevelCounts && candidate.isObject()) ? candidate : MissingNode.getInstance();
	}

	private static JsonNode readTree(String json) {
		try {
			JsonNode node = mapper.readTree(json);
			return (node != null) ? node : MissingNode.getInstance();
		}
		catch (IOException ex) {
			return MissingNode.getInstance();
		}
	}

	/**
	 * Return the error object, or a missing node if the body holds none.
	 */
	JsonNode error() {
		return this.error;
	}

	/**
	 * Return {@code error.message}, or an empty string.
	 */
	String message() {
		return textOf(this.error.path("message"));
	}

	/**
	 * Return {@code error.type}, or an empty string.
	 */
	String type() {
		return textOf(this.error.path("type"));
	}

	/**
	 * Return {@code error.code} as text (Azure sends {@code "429"}, OpenAI
	 * {@code "insufficient_quota"}), or an empty string.
	 */
	String code() {
		return textOf(this.error.path("code"));
	}

	/**
	 * Return the {@code google.rpc} details of a Google error, empty for other providers.
	 */
	Iterable<JsonNode> details() {
		return this.error.path("details");
	}

	/**
	 * Return the delay of a {@code google.rpc.RetryInfo} detail.
	 */
	Optional<Duration> retryInfoDelay() {
		for (JsonNode detail : details()) {
			if (isDetail(detail, "RetryInfo")) {
				return ValueParsers.parseGoDuration(textOf(detail.path("retryDelay")));
			}
		}
		return Optional.empty();
	}

	/**
	 * Return the delay the error message asks for, in any of the phrasings providers use.
	 */
	Optional<Duration> messageRetryDelay() {
		String message = message().isEmpty() ? this.text : message();
		Matcher tryAgainIn = TRY_AGAIN_IN.matcher(message);
		if (tryAgainIn.find()) {
			return ValueParsers.parseGoDuration(tryAgainIn.group(1));
		}
		Matcher retryAfter = RETRY_AFTER_SECONDS.matcher(message);
		if (retryAfter.find()) {
			return ValueParsers.parseSeconds(retryAfter.group(1));
		}
		return Optional.empty();
	}

	static boolean isDetail(JsonNode detail, String type) {
		return textOf(detail.path("@type")).endsWith("google.rpc." + type);
	}

	static String textOf(JsonNode node) {
		return (node.isValueNode() && !node.isNull()) ? node.asText() : "";
	}

}
