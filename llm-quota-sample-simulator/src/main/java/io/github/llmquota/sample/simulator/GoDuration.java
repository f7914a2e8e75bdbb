package io.github.llmquota.sample.simulator;

import java.util.concurrent.TimeUnit;

/**
 * Durations as OpenAI writes them in its {@code x-ratelimit-reset-*} headers and its 429
 * messages: Go's {@code time.Duration} form ({@code 6m0s}, {@code 3.114s},
 * {@code 425ms}), truncated to whole milliseconds, so that anything below one millisecond
 * is {@code 0s} (providers.md §3.2).
 */
final class GoDuration {

	private GoDuration() {
	}

	/**
	 * Format a duration.
	 * @param nanos the duration, at least 0
	 * @return the duration in Go's form, truncated to milliseconds
	 */
	static String format(long nanos) {
		long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
		if (millis < 1000) {
			return (millis == 0) ? "0s" : millis + "ms";
		}
		long hours = TimeUnit.MILLISECONDS.toHours(millis);
		long minutes = TimeUnit.MILLISECONDS.toMinutes(millis) % 60;
		StringBuilder text = new StringBuilder();
		if (hours > 0) {
			text.append(hours).append('h');
		}
		if (hours > 0 || minutes > 0) {
			text.append(minutes).append('m');
		}
		text.append(TimeUnit.MILLISECONDS.toSeconds(millis) % 60);
		long fraction = millis % 1000;
		if (fraction > 0) {
			// Go drops the fraction's trailing zeros: 8.64s, not 8.640s.
			String digits = String.format("%03d", fraction);
			text.append('.').append(digits.replaceFirst("0+$", ""));
		}
		return text.append('s').toString();
	}

}
