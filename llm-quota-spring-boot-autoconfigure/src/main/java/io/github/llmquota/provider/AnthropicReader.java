package io.github.llmquota.provider;

import java.util.regex.Pattern;

import io.github.llmquota.core.Dimension;

/**
 * Reads Anthropic's {@code anthropic-ratelimit-*} headers (RFC 3339 resets) and error types.
 */
final class AnthropicReader implements ProviderReader {

	// A self-imposed organisation or workspace spend limit comes back as a 400.
	private static final Pattern USAGE_LIMITS = Pattern.compile("specified (?:workspace )?API usage limits");

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		readBucket(response, "anthropic-ratelimit-requests-", Dimension.REQUESTS_PER_MINUTE, feedback);
		readBucket(response, "anthropic-ratelimit-tokens-", Dimension.TOKENS_PER_MINUTE, feedback);
		readBucket(response, "anthropic-ratelimit-input-tokens-", Dimension.INPUT_TOKENS_PER_MINUTE, feedback);
		readBucket(response, "anthropic-ratelimit-output-tokens-", Dimension.OUTPUT_TOKENS_PER_MINUTE, feedback);
		// Fast mode meters separate buckets under its own headers. Whether a fast-mode
		// response also carries the standard headers is undocumented, so the standard ones
		// win and the fast ones describe the bucket only when they are all there is.
		if (!feedback.hasReading(Dimension.INPUT_TOKENS_PER_MINUTE)) {
			readBucket(response, "anthropic-fast-input-tokens-", Dimension.INPUT_TOKENS_PER_MINUTE, feedback);
		}
		if (!feedback.hasReading(Dimension.OUTPUT_TOKENS_PER_MINUTE)) {
			readBucket(response, "anthropic-fast-output-tokens-", Dimension.OUTPUT_TOKENS_PER_MINUTE, feedback);
		}
		classify(response.body(), feedback);
	}

	private void readBucket(Response response, String prefix, Dimension dimension,
			ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		feedback.reading(dimension, headers.read(prefix + "limit", ValueParsers::parseCount).orElse(null),
				headers.read(prefix + "remaining", ValueParsers::parseCount).orElse(null),
				headers.read(prefix + "reset", ValueParsers::parseRfc3339).orElse(null));
	}

	// The error type decides, not the status: errors also arrive as SSE events after a 200.
	private void classify(ErrorBody body, ProviderFeedback.Builder feedback) {
		switch (body.type()) {
			case "rate_limit_error" -> feedback.classify(ErrorClass.RATE_LIMITED, true);
			case "overloaded_error" -> feedback.classify(ErrorClass.OVERLOADED, true);
			case "api_error", "timeout_error" -> feedback.classify(ErrorClass.OTHER, true);
			case "billing_error" -> feedback.classify(ErrorClass.QUOTA_EXHAUSTED, false);
			case "request_too_large" -> feedback.classify(ErrorClass.REQUEST_TOO_LARGE, false);
			default -> {
			}
		}
		// The monthly spend cap shares rate_limit_error with real rate limits; retrying
		// fails until the next month.
		boolean spendCap = "enforced_spend_limit_reached"
			.equals(ErrorBody.textOf(body.error().path("details").path("error_code")));
		if (spendCap || USAGE_LIMITS.matcher(body.message()).find()) {
			feedback.classify(ErrorClass.QUOTA_EXHAUSTED, false);
		}
	}

}
