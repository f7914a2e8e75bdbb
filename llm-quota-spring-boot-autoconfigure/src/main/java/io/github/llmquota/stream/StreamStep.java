package io.github.llmquota.stream;

import java.time.Duration;

/**
 * How often a stream charges its lease: once its output grew by {@code tokens} since the
 * last charge, or once {@code interval} passed since it, whichever comes first, checked
 * as chunks arrive. Each step is one store call (one script call on Redis).
 *
 * @param tokens the output tokens between two charges, positive
 * @param interval the longest time between two charges while chunks arrive, positive; it
 * must be shorter than {@code lease-timeout} for a long stream to keep its lease
 */
public record StreamStep(long tokens, Duration interval) {

	/**
	 * The default step: every 500 output tokens or every second.
	 */
	public static final StreamStep DEFAULT = new StreamStep(500, Duration.ofSeconds(1));

	/**
	 * No step at all: the stream is charged at its end only, as any other call. Its lease
	 * is not kept alive, and the fleet sees none of its output until it ends.
	 */
	public static final StreamStep AT_END_ONLY = new StreamStep(Long.MAX_VALUE,
			Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L));

	/**
	 * Create a step.
	 * @param tokens the output tokens between two charges
	 * @param interval the longest time between two charges
	 * @throws IllegalArgumentException if either is not positive
	 */
	public StreamStep {
		if (tokens <= 0) {
			throw new IllegalArgumentException("tokens must be positive, was " + tokens);
		}
		if (interval == null || interval.isZero() || interval.isNegative()) {
			throw new IllegalArgumentException("interval must be positive, was " + interval);
		}
	}

}
