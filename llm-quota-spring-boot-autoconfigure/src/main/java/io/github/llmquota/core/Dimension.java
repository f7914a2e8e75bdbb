package io.github.llmquota.core;

import java.time.Duration;

/**
 * One metered dimension of a provider rate limit. A request is admitted only when every
 * configured dimension of its pool has room for it; any one exhausted means the provider
 * would answer 429.
 */
public enum Dimension {

	/** Requests per minute. */
	REQUESTS_PER_MINUTE(Duration.ofMinutes(1)),

	/** Input (prompt) tokens per minute, as Anthropic meters them. */
	INPUT_TOKENS_PER_MINUTE(Duration.ofMinutes(1)),

	/** Output (completion) tokens per minute, as Anthropic meters them. */
	OUTPUT_TOKENS_PER_MINUTE(Duration.ofMinutes(1)),

	/** Input plus output tokens per minute, as OpenAI meters them. */
	TOKENS_PER_MINUTE(Duration.ofMinutes(1)),

	/** Requests per day. */
	REQUESTS_PER_DAY(Duration.ofDays(1)),

	/** Input plus output tokens per day. */
	TOKENS_PER_DAY(Duration.ofDays(1)),

	/** Requests in flight at the same time; not a rate, so it has no window. */
	CONCURRENCY(null);

	private final Duration window;

	Dimension(Duration window) {
		this.window = window;
	}

	/**
	 * Return the window over which the limit refills completely, or {@code null} for
	 * {@link #CONCURRENCY}.
	 * @return the refill window
	 */
	public Duration getWindow() {
		return this.window;
	}

	/**
	 * Whether this dimension is a continuously refilling rate (as opposed to a
	 * concurrency cap).
	 * @return whether this is a rate
	 */
	public boolean isRate() {
		return this.window != null;
	}

}
