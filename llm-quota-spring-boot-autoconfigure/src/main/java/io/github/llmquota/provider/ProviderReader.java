package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;

import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads what one provider's responses say beyond the generic HTTP signals: its rate-limit
 * headers, and the error codes that change what a status means. Readers run after the
 * status has been classified, and may reclassify it.
 */
@FunctionalInterface
interface ProviderReader {

	/** For providers without headers or error codes of their own to read. */
	ProviderReader NONE = (response, feedback) -> {
	};

	void read(Response response, ProviderFeedback.Builder feedback);

	/** The longest window of any limit read, and so the furthest a reset can lie. */
	Duration MAX_RESET = Duration.ofDays(1);

	/**
	 * One response, as the readers see it.
	 *
	 * @param status the HTTP status
	 * @param headers the headers
	 * @param body the error body
	 * @param now the time the response was received, to resolve relative values against
	 * @param maxDelay the longest server-directed delay passed on as sent
	 */
	record Response(int status, HeaderValues headers, ErrorBody body, Instant now, Duration maxDelay) {

		Instant after(Duration delay) {
			return (delay != null) ? this.now.plus(delay) : null;
		}

		/**
		 * Bound a reset read from a header. No limit read here refills over more than a
		 * day (OpenAI documents a per-minute token reset of {@code 6m0s}, so the
		 * dimension's own window is no bound), so a reset further away than both a day
		 * and the longest delay is garbage: it is reported and clamped.
		 * @param name the reset header, in lower case
		 * @param resetAt the reset as read, or {@code null}
		 * @return the reset, or {@code null} if {@code resetAt} is
		 */
		Instant resetAt(String name, Instant resetAt) {
			Instant latest = this.now.plus((this.maxDelay.compareTo(MAX_RESET) > 0) ? this.maxDelay : MAX_RESET);
			if (resetAt == null || !resetAt.isAfter(latest)) {
				return resetAt;
			}
			this.headers.reportMalformed(name, this.headers.get(name));
			return latest;
		}

	}

}
