package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads Gemini API and Vertex AI errors. Google sends no rate-limit headers; a 429 body
 * names the violated quotas in a {@code google.rpc.QuotaFailure} detail instead.
 */
final class GeminiReader implements ProviderReader {

	// Gemini per-day quotas reset at midnight Pacific time.
	private static final ZoneId QUOTA_DAY_ZONE = ZoneId.of("America/Los_Angeles");

	private static final Duration ONE_DAY = Duration.ofDays(1);

	// "Quota exceeded for metric: ..., limit: 0, model: ..." means the model has no quota
	// on the caller's tier at all.
	private static final Pattern LIMIT_ZERO = Pattern.compile("\\blimit: 0\\b");

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		ErrorBody body = response.body();
		boolean quotaFailure = false;
		boolean exhaustedUntilTomorrow = false;
		boolean noQuotaOnTier = LIMIT_ZERO.matcher(body.message()).find();
		for (JsonNode detail : body.details()) {
			if (ErrorBody.isDetail(detail, "QuotaFailure")) {
				quotaFailure = true;
				for (JsonNode violation : detail.path("violations")) {
					String quotaId = ErrorBody.textOf(violation.path("quotaId"));
					Long limit = ValueParsers.parseCount(ErrorBody.textOf(violation.path("quotaValue"))).orElse(null);
					Dimension dimension = dimensionOf(quotaId);
					exhaustedUntilTomorrow |= dimension != null && isPerDay(dimension);
					noQuotaOnTier |= limit != null && limit == 0;
					if (dimension != null) {
						readViolation(dimension, limit, response.now(), feedback);
					}
				}
			}
			else if (ErrorBody.isDetail(detail, "ErrorInfo")) {
				noQuotaOnTier |= "0".equals(ErrorBody.textOf(detail.path("metadata").path("quota_limit_value")));
			}
		}
		if (noQuotaOnTier || exhaustedUntilTomorrow) {
			feedback.classify(ErrorClass.QUOTA_EXHAUSTED);
		}
		else if (response.status() == 429 && !quotaFailure
				&& body.message().toLowerCase(Locale.ROOT).startsWith("resource exhausted")) {
			// Vertex AI dynamic shared quota: capacity shared by every customer ran out,
			// not this caller's quota.
			feedback.classify(ErrorClass.OVERLOADED);
		}
	}

	/**
	 * Record what a violation tells for certain: its limit, that no request is left of a
	 * request quota (a request costs exactly one), and when a per-day quota resets. A
	 * token quota can be violated with tokens left, so its remaining stays unknown.
	 */
	private void readViolation(Dimension dimension, Long limit, Instant now, ProviderFeedback.Builder feedback) {
		boolean requests = dimension == Dimension.REQUESTS_PER_MINUTE || dimension == Dimension.REQUESTS_PER_DAY;
		Instant resetAt = isPerDay(dimension) ? nextQuotaDay(now) : null;
		feedback.reading(dimension, limit, requests ? 0L : null, resetAt);
	}

	/**
	 * Map a quota id such as {@code GenerateRequestsPerDayPerProjectPerModel-FreeTier} or
	 * {@code GenerateContentInputTokensPerModelPerMinute-FreeTier} to a dimension.
	 * Gemini's token quotas count input tokens only.
	 */
	private static Dimension dimensionOf(String quotaId) {
		boolean perDay = quotaId.contains("PerDay");
		if (!perDay && !quotaId.contains("PerMinute")) {
			return null;
		}
		if (quotaId.contains("Requests")) {
			return perDay ? Dimension.REQUESTS_PER_DAY : Dimension.REQUESTS_PER_MINUTE;
		}
		if (quotaId.contains("Tokens")) {
			return perDay ? Dimension.TOKENS_PER_DAY : Dimension.INPUT_TOKENS_PER_MINUTE;
		}
		return null;
	}

	private static boolean isPerDay(Dimension dimension) {
		return ONE_DAY.equals(dimension.getWindow());
	}

	private static Instant nextQuotaDay(Instant now) {
		return now.atZone(QUOTA_DAY_ZONE).toLocalDate().plusDays(1).atStartOfDay(QUOTA_DAY_ZONE).toInstant();
	}

}
