package io.github.llmquota.provider;

import java.time.Duration;
import java.time.Instant;

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

	/**
	 * One response, as the readers see it.
	 *
	 * @param status the HTTP status
	 * @param headers the headers
	 * @param body the error body
	 * @param now the time the response was received, to resolve relative values against
	 */
	record Response(int status, HeaderValues headers, ErrorBody body, Instant now) {

		Instant after(Duration delay) {
			return (delay != null) ? this.now.plus(delay) : null;
		}

	}

}
