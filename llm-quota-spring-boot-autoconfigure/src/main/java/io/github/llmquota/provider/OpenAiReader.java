package io.github.llmquota.provider;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderScope;

/**
 * Reads the {@code x-ratelimit-{limit,remaining,reset}-*} headers and error codes that
 * OpenAI, Groq and Azure OpenAI share. The header names are the same but what they meter
 * is not: Groq's {@code *-requests} are per day, OpenAI's are per minute or per day
 * depending on the account, and Azure documents no reset headers but reports the
 * utilisation of a provisioned deployment.
 */
final class OpenAiReader implements ProviderReader {

	// A requests limit refills over either a minute or a day. Splitting at their
	// geometric mean (about 38 minutes) leaves a wide margin on both sides for the
	// rounding of remaining and reset.
	private static final double DAY_WINDOW_THRESHOLD_SECONDS = Math.sqrt(60.0 * 86_400.0);

	// "Limit 30000, Requested 45000" or "Limit 50000, Used 47949, Requested 3006".
	private static final Pattern LIMIT_AND_REQUESTED = Pattern
		.compile("\\bLimit (\\d{1,18}),(?: Used \\d{1,18},)? Requested (\\d{1,18})\\b");

	// Azure OpenAI names the exhausted limit in prose only: "have exceeded token rate
	// limit" (tokens per minute) or "have exceeded call rate limit" (requests per
	// minute).
	private static final Pattern AZURE_LIMITED = Pattern.compile("\\bexceeded (token|call) rate limit\\b");

	private final Provider provider;

	OpenAiReader(Provider provider) {
		this.provider = provider;
	}

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Long requestsLimit = headers.readCount("x-ratelimit-limit-requests").orElse(null);
		Long requestsRemaining = headers.remaining("x-ratelimit-remaining-requests", requestsLimit);
		Duration requestsReset = readReset(headers, "x-ratelimit-reset-requests");
		Dimension requests = requestsDimension(requestsLimit, requestsRemaining, requestsReset);
		feedback.reading(requests, requestsLimit, requestsRemaining,
				response.resetAt("x-ratelimit-reset-requests", response.after(requestsReset)));
		// A project-scoped token limit can bind before the model's: a scope that mirrors
		// the project takes it, otherwise the pool takes the tighter of the two.
		readTokens(response, "tokens", null, feedback);
		readTokens(response, "project-tokens", ProviderScope.PROJECT, feedback);
		if (this.provider == Provider.AZURE_OPENAI) {
			headers.read("azure-openai-deployment-utilization", ValueParsers::parsePercent)
				.ifPresent(feedback::utilization);
		}
		classify(response, feedback);
	}

	private void readTokens(Response response, String suffix, ProviderScope scope, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Long limit = headers.readCount("x-ratelimit-limit-" + suffix).orElse(null);
		String reset = "x-ratelimit-reset-" + suffix;
		feedback.reading(scope, Dimension.TOKENS_PER_MINUTE, limit,
				headers.remaining("x-ratelimit-remaining-" + suffix, limit),
				response.resetAt(reset, response.after(readReset(headers, reset))));
	}

	private Duration readReset(HeaderValues headers, String name) {
		// Azure's reset format is undocumented; guessing could turn a bad guess into a
		// wrong reset time.
		if (this.provider == Provider.AZURE_OPENAI) {
			return null;
		}
		return headers.read(name, ValueParsers::parseGoDuration).orElse(null);
	}

	private Dimension requestsDimension(Long limit, Long remaining, Duration reset) {
		return switch (this.provider) {
			case GROQ -> Dimension.REQUESTS_PER_DAY;
			case OPENAI -> inferRequestsWindow(limit, remaining, reset);
			default -> Dimension.REQUESTS_PER_MINUTE;
		};
	}

	/**
	 * OpenAI's buckets refill continuously, so the reset is the time to refill what was
	 * used: {@code reset = (limit - remaining) / limit * window}. Solved for the window,
	 * {@code 10000 / 9999 / 8.64s} gives a day and {@code 5000 / 4999 / 12ms} a minute. A
	 * full bucket shows nothing, and is reported per minute, the common case.
	 */
	private static Dimension inferRequestsWindow(Long limit, Long remaining, Duration reset) {
		if (limit == null || remaining == null || reset == null || remaining >= limit) {
			return Dimension.REQUESTS_PER_MINUTE;
		}
		double windowSeconds = reset.toNanos() / 1e9 * limit / (limit - remaining);
		return (windowSeconds > DAY_WINDOW_THRESHOLD_SECONDS) ? Dimension.REQUESTS_PER_DAY
				: Dimension.REQUESTS_PER_MINUTE;
	}

	private void classify(Response response, ProviderFeedback.Builder feedback) {
		ErrorBody body = response.body();
		// Only the error body tells a billing problem from a rate limit: both are 429.
		if ("insufficient_quota".equals(body.code()) || "insufficient_quota".equals(body.type())) {
			feedback.classify(ErrorClass.QUOTA_EXHAUSTED);
			return;
		}
		if (requestsMoreThanLimit(body.message())) {
			feedback.classify(ErrorClass.REQUEST_TOO_LARGE);
			return;
		}
		// The Responses API reports a rate limit hit mid-stream as a failed event after
		// 200.
		if (response.status() < 400 && "rate_limit_exceeded".equals(body.code())) {
			feedback.classify(ErrorClass.RATE_LIMITED);
		}
		Matcher azureLimited = AZURE_LIMITED.matcher(body.message());
		if (this.provider == Provider.AZURE_OPENAI && feedback.errorClass() == ErrorClass.RATE_LIMITED
				&& azureLimited.find()) {
			feedback.limitedDimension("token".equals(azureLimited.group(1)) ? Dimension.TOKENS_PER_MINUTE
					: Dimension.REQUESTS_PER_MINUTE);
		}
	}

	// A request larger than the whole bucket carries the same code as a transient rate
	// limit (OpenAI 429, Groq 413), but can never fit.
	private static boolean requestsMoreThanLimit(String message) {
		Matcher matcher = LIMIT_AND_REQUESTED.matcher(message);
		return matcher.find() && Long.parseLong(matcher.group(2)) > Long.parseLong(matcher.group(1));
	}

}
