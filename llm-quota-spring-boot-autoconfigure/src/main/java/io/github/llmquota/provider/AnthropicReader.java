package io.github.llmquota.provider;

import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads Anthropic's {@code anthropic-ratelimit-*} headers (RFC 3339 resets) and error
 * types.
 */
final class AnthropicReader implements ProviderReader {

	// A self-imposed organisation or workspace spend limit comes back as a 400.
	private static final Pattern USAGE_LIMITS = Pattern.compile("specified (?:workspace )?API usage limits");

	// "This request would exceed the rate limit for your organization (...) of 50,000
	// input tokens per minute" and "... your organization's rate limit of 30,000 input
	// tokens per minute". Other units ("prompt bytes per hour") have no Dimension.
	private static final Pattern LIMIT_IN_MESSAGE = Pattern.compile(
			"\\brate limit\\b.{0,80}? of ([\\d,]{1,30}) (input tokens|output tokens|tokens|requests) per (minute|day)\\b");

	private static final Map<String, Dimension> LIMITED_DIMENSIONS = Map.of("input tokens per minute",
			Dimension.INPUT_TOKENS_PER_MINUTE, "output tokens per minute", Dimension.OUTPUT_TOKENS_PER_MINUTE,
			"tokens per minute", Dimension.TOKENS_PER_MINUTE, "requests per minute", Dimension.REQUESTS_PER_MINUTE,
			"tokens per day", Dimension.TOKENS_PER_DAY, "requests per day", Dimension.REQUESTS_PER_DAY);

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		readBucket(response, "anthropic-ratelimit-requests-", Dimension.REQUESTS_PER_MINUTE, feedback);
		readBucket(response, "anthropic-ratelimit-tokens-", Dimension.TOKENS_PER_MINUTE, feedback);
		readBucket(response, "anthropic-ratelimit-input-tokens-", Dimension.INPUT_TOKENS_PER_MINUTE, feedback);
		readBucket(response, "anthropic-ratelimit-output-tokens-", Dimension.OUTPUT_TOKENS_PER_MINUTE, feedback);
		// Fast mode meters separate buckets under its own headers. Whether a fast-mode
		// response also carries the standard headers is undocumented, so the standard
		// ones win and the fast ones describe the bucket only when they are all there is.
		if (!feedback.hasReading(Dimension.INPUT_TOKENS_PER_MINUTE)) {
			readBucket(response, "anthropic-fast-input-tokens-", Dimension.INPUT_TOKENS_PER_MINUTE, feedback);
		}
		if (!feedback.hasReading(Dimension.OUTPUT_TOKENS_PER_MINUTE)) {
			readBucket(response, "anthropic-fast-output-tokens-", Dimension.OUTPUT_TOKENS_PER_MINUTE, feedback);
		}
		classify(response.body(), feedback);
	}

	private void readBucket(Response response, String prefix, Dimension dimension, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Long limit = headers.readCount(prefix + "limit").orElse(null);
		Instant resetAt = headers.read(prefix + "reset", ValueParsers::parseRfc3339).orElse(null);
		feedback.reading(dimension, limit, headers.remaining(prefix + "remaining", limit),
				response.resetAt(prefix + "reset", resetAt));
	}

	// The error type decides, not the status: errors also arrive as SSE events after a
	// 200.
	private void classify(ErrorBody body, ProviderFeedback.Builder feedback) {
		switch (body.type()) {
			case "rate_limit_error" -> feedback.classify(ErrorClass.RATE_LIMITED);
			case "overloaded_error" -> feedback.classify(ErrorClass.OVERLOADED);
			case "api_error", "timeout_error" -> feedback.classify(ErrorClass.OTHER, true);
			case "billing_error" -> feedback.classify(ErrorClass.QUOTA_EXHAUSTED);
			case "request_too_large" -> feedback.classify(ErrorClass.REQUEST_TOO_LARGE);
			default -> {
			}
		}
		// The monthly spend cap shares rate_limit_error with real rate limits; retrying
		// fails until the next month.
		boolean spendCap = "enforced_spend_limit_reached"
			.equals(ErrorBody.textOf(body.error().path("details").path("error_code")));
		if (spendCap || USAGE_LIMITS.matcher(body.message()).find()) {
			feedback.classify(ErrorClass.QUOTA_EXHAUSTED);
		}
		else if (feedback.errorClass() == ErrorClass.RATE_LIMITED) {
			readLimitInMessage(body.message(), feedback);
		}
	}

	/**
	 * A 429 may carry no rate-limit headers and name the exhausted limit only in prose.
	 * The limit it quotes becomes a reading, and a request limit that was exceeded has
	 * nothing left, because a request costs exactly one. A token limit can be exceeded by
	 * a large request with tokens left, so its remaining stays unknown.
	 */
	private void readLimitInMessage(String message, ProviderFeedback.Builder feedback) {
		Matcher matcher = LIMIT_IN_MESSAGE.matcher(message);
		if (!matcher.find()) {
			return;
		}
		Dimension dimension = LIMITED_DIMENSIONS.get(matcher.group(2) + " per " + matcher.group(3));
		if (dimension == null) {
			return;
		}
		feedback.limitedDimension(dimension);
		boolean requests = dimension == Dimension.REQUESTS_PER_MINUTE || dimension == Dimension.REQUESTS_PER_DAY;
		ValueParsers.parseCount(matcher.group(1).replace(",", ""))
			.ifPresent((limit) -> feedback.reading(dimension, limit, requests ? 0L : null, null));
	}

}
