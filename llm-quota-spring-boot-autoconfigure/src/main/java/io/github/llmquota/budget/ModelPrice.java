package io.github.llmquota.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

import io.github.llmquota.core.TokenUsage;

/**
 * The list price of one model, per million tokens, in the price table's currency.
 *
 * @param input a million uncached input tokens
 * @param output a million output tokens
 * @param cacheWrite a million input tokens written to the prompt cache
 * @param cacheRead a million input tokens read from the prompt cache
 */
public record ModelPrice(BigDecimal input, BigDecimal output, BigDecimal cacheWrite, BigDecimal cacheRead) {

	private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

	/**
	 * Create a price.
	 * @throws IllegalArgumentException if a price is missing or negative
	 */
	public ModelPrice {
		requireNotNegative("input", input);
		requireNotNegative("output", output);
		requireNotNegative("cacheWrite", cacheWrite);
		requireNotNegative("cacheRead", cacheRead);
	}

	/**
	 * Return the worst case a request can cost: its whole prompt at the input price and
	 * {@code max_tokens} at the output price.
	 * @param inputTokens the prompt tokens
	 * @param maxOutputTokens the most output tokens the call may produce
	 * @return the cost in micro-units of the currency
	 */
	public long worstCase(long inputTokens, long maxOutputTokens) {
		return worstCase(inputTokens, 0, maxOutputTokens);
	}

	/**
	 * Return the worst case a request that may write the prompt cache can cost: the
	 * tokens it may write at the dearer of the cache-write and input prices (a write that
	 * does not happen is billed as input), the rest of the prompt at the dearer of the
	 * input and cache-read prices, and {@code max_tokens} at the output price. Never less
	 * than {@link #cost(TokenUsage)} of a usage with at most that many cache writes.
	 * @param inputTokens the prompt tokens, cache writes included
	 * @param cacheWriteTokens the part of the prompt the call may write to the cache
	 * @param maxOutputTokens the most output tokens the call may produce
	 * @return the cost in micro-units of the currency
	 */
	public long worstCase(long inputTokens, long cacheWriteTokens, long maxOutputTokens) {
		long written = Math.min(Math.max(cacheWriteTokens, 0), inputTokens);
		long cost = micros(inputTokens - written, this.input.max(this.cacheRead));
		cost = saturatedAdd(cost, micros(written, this.cacheWrite.max(this.input)));
		return saturatedAdd(cost, micros(maxOutputTokens, this.output));
	}

	/**
	 * Return what a call cost by its reported usage.
	 * @param usage the usage
	 * @return the cost in micro-units of the currency
	 */
	public long cost(TokenUsage usage) {
		long cost = saturatedAdd(micros(usage.inputTokens(), this.input), micros(usage.outputTokens(), this.output));
		cost = saturatedAdd(cost, micros(usage.cacheCreationInputTokens(), this.cacheWrite));
		return saturatedAdd(cost, micros(usage.cacheReadInputTokens(), this.cacheRead));
	}

	/**
	 * Return the price of tokens in micro-units of the currency: a price per million
	 * tokens is, per token, exactly that many micro-units. Rounded up to whole
	 * micro-units, so that a reservation never falls short.
	 * @param tokens the tokens
	 * @param perMillion the price of a million tokens
	 * @return the cost, {@link Long#MAX_VALUE} where it overflows
	 */
	static long micros(long tokens, BigDecimal perMillion) {
		BigDecimal micros = perMillion.multiply(BigDecimal.valueOf(tokens)).setScale(0, RoundingMode.CEILING);
		return (micros.compareTo(MAX) < 0) ? micros.longValueExact() : Long.MAX_VALUE;
	}

	private static long saturatedAdd(long a, long b) {
		long sum = a + b;
		return (sum < 0) ? Long.MAX_VALUE : sum;
	}

	private static void requireNotNegative(String name, BigDecimal price) {
		if (price == null || price.signum() < 0) {
			throw new IllegalArgumentException(name + " must be a price of zero or more, was " + price);
		}
	}

}
