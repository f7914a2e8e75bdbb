package io.github.llmquota.sample.simulator;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.github.llmquota.sample.simulator.SimulatorStats.ModelStats;

/**
 * One model's three token buckets, its rate-limit headers and its figures. Admission
 * takes from all buckets at once or from none, under the model's lock, so concurrent
 * requests see the buckets as Anthropic's would: one decision at a time.
 */
final class SimulatedModel {

	private final SimulatorClock clock;

	private final TokenBucket requests;

	private final TokenBucket inputTokens;

	private final TokenBucket outputTokens;

	private long served;

	private long rateLimitedByRequests;

	private long rateLimitedByInputTokens;

	private long rateLimitedByOutputTokens;

	private long inputTokensUsed;

	private long outputTokensUsed;

	private long streamingOutput;

	private long cacheCreationInputTokens;

	private long cacheReadInputTokens;

	SimulatedModel(SimulatorProperties.Limits limits, SimulatorClock clock) {
		this.clock = clock;
		long now = clock.nanoTime();
		this.requests = new TokenBucket(limits.getRequestsPerMinute(), now);
		this.inputTokens = new TokenBucket(limits.getInputTokensPerMinute(), now);
		this.outputTokens = new TokenBucket(limits.getOutputTokensPerMinute(), now);
	}

	/**
	 * Admit a request, taking one request, its input charge and a reservation of
	 * {@code maxTokens} output tokens, or refuse it and take nothing.
	 * @param inputCharge the uncached input plus cache-write tokens
	 * @param maxTokens the request's max_tokens
	 * @return the refusal, or empty if the request was admitted
	 */
	synchronized Optional<Refusal> admit(long inputCharge, long maxTokens) {
		long now = this.clock.nanoTime();
		Refusal refusal = refusal(inputCharge, maxTokens, now);
		if (refusal != null) {
			return counted(refusal);
		}
		this.requests.take(1, now);
		this.inputTokens.take(inputCharge, now);
		this.outputTokens.take(maxTokens, now);
		return Optional.empty();
	}

	// The statistics count each refusal by the limit it names.
	private Optional<Refusal> counted(Refusal refusal) {
		switch (refusal.limit()) {
			case REQUESTS -> this.rateLimitedByRequests++;
			case INPUT_TOKENS -> this.rateLimitedByInputTokens++;
			case OUTPUT_TOKENS -> this.rateLimitedByOutputTokens++;
		}
		return Optional.of(refusal);
	}

	private Refusal refusal(long inputCharge, long maxTokens, long now) {
		if (inputCharge > this.inputTokens.limit()) {
			return Refusal.tooLarge(Limit.INPUT_TOKENS, this.inputTokens.limit(), inputCharge);
		}
		if (maxTokens > this.outputTokens.limit()) {
			return Refusal.tooLarge(Limit.OUTPUT_TOKENS, this.outputTokens.limit(), maxTokens);
		}
		// The request needs room in every bucket, so it waits for the slowest; that
		// bucket is the one the 429 names.
		Refusal refusal = null;
		long longestWait = 0;
		for (Limit limit : Limit.values()) {
			TokenBucket bucket = bucket(limit);
			long cost = switch (limit) {
				case REQUESTS -> 1;
				case INPUT_TOKENS -> inputCharge;
				case OUTPUT_TOKENS -> maxTokens;
			};
			long wait = bucket.nanosUntilAvailable(cost, now);
			if (wait > longestWait) {
				longestWait = wait;
				refusal = new Refusal(limit, bucket.limit(), wait, cost, bucket.limit() - bucket.available(now));
			}
		}
		return refusal;
	}

	/**
	 * Admit a streamed request, taking one request and its input charge, or refuse it and
	 * take nothing. Its output is taken as it is emitted ({@link #emit}), as Anthropic's
	 * current documentation says output is counted: it needs room for its first token
	 * only, and a stream that goes on drives the bucket into debt, which later requests
	 * wait out.
	 * @param inputCharge the uncached input plus cache-write tokens
	 * @param maxTokens the request's max_tokens, refused if above the limit
	 * @return the refusal, or empty if the request was admitted
	 */
	synchronized Optional<Refusal> admitStream(long inputCharge, long maxTokens) {
		long now = this.clock.nanoTime();
		Refusal refusal = (maxTokens > this.outputTokens.limit())
				? Refusal.tooLarge(Limit.OUTPUT_TOKENS, this.outputTokens.limit(), maxTokens)
				: refusal(inputCharge, 1, now);
		if (refusal != null) {
			return counted(refusal);
		}
		this.requests.take(1, now);
		this.inputTokens.take(inputCharge, now);
		return Optional.empty();
	}

	/**
	 * Take a stream's output as it is emitted, and count it.
	 * @param tokens the output tokens of one chunk
	 */
	synchronized void emit(long tokens) {
		this.outputTokens.take(tokens, this.clock.nanoTime());
		this.outputTokensUsed += tokens;
		this.streamingOutput += tokens;
	}

	/**
	 * Note that a stream ended, whose output no longer counts as in flight.
	 * @param emitted the output tokens it emitted
	 */
	synchronized void streamEnded(long emitted) {
		this.streamingOutput -= emitted;
	}

	/**
	 * Return the output tokens that the streams still open have emitted so far.
	 * @return the output in flight
	 */
	synchronized long streamingOutput() {
		return this.streamingOutput;
	}

	/**
	 * Settle a streamed request, whose output was counted as it was emitted.
	 * @param usage the usage the stream reports
	 */
	synchronized void completeStream(Usage usage) {
		count(new Usage(usage.inputTokens(), usage.cacheCreationInputTokens(), usage.cacheReadInputTokens(), 0));
	}

	/**
	 * Settle an admitted request: give back the output tokens it reserved but did not
	 * produce, and count what it used.
	 * @param maxTokens the output tokens reserved at admission
	 * @param usage the usage the response reports
	 */
	synchronized void complete(long maxTokens, Usage usage) {
		this.outputTokens.giveBack(maxTokens - usage.outputTokens(), this.clock.nanoTime());
		count(usage);
	}

	private void count(Usage usage) {
		this.served++;
		this.inputTokensUsed += usage.inputTokens();
		this.outputTokensUsed += usage.outputTokens();
		this.cacheCreationInputTokens += usage.cacheCreationInputTokens();
		this.cacheReadInputTokens += usage.cacheReadInputTokens();
	}

	/**
	 * Return the {@code anthropic-ratelimit-*} headers for the buckets as they are now.
	 * <p>
	 * Token counts remaining are rounded to the nearest thousand, as Anthropic's are.
	 * Each reset is the instant the bucket is full again, rounded up to a whole second so
	 * that a client waiting for it finds the bucket full. The {@code tokens-*} headers
	 * describe the input and output buckets together: limits and (rounded) remainders add
	 * up, and the reset is the earlier of the two, as in every real capture (providers.md
	 * §2.3).
	 * @return the headers, in a stable order
	 */
	synchronized Map<String, String> rateLimitHeaders() {
		long now = this.clock.nanoTime();
		Map<String, String> headers = new LinkedHashMap<>();
		addBucket(headers, "requests", this.requests.limit(), this.requests.available(now), reset(this.requests, now));
		long inputRemaining = roundToThousand(this.inputTokens.available(now));
		long outputRemaining = roundToThousand(this.outputTokens.available(now));
		Instant inputReset = reset(this.inputTokens, now);
		Instant outputReset = reset(this.outputTokens, now);
		addBucket(headers, "input-tokens", this.inputTokens.limit(), inputRemaining, inputReset);
		addBucket(headers, "output-tokens", this.outputTokens.limit(), outputRemaining, outputReset);
		addBucket(headers, "tokens", this.inputTokens.limit() + this.outputTokens.limit(),
				inputRemaining + outputRemaining, inputReset.isBefore(outputReset) ? inputReset : outputReset);
		return headers;
	}

	/**
	 * Return OpenAI's {@code x-ratelimit-*} headers for the buckets as they are now.
	 * <p>
	 * OpenAI has one token limit per model where Anthropic has two, so the
	 * {@code -tokens} headers describe the input and output buckets together, as the
	 * Anthropic {@code tokens-*} headers do: limits and remainders add up, and the reset
	 * is the time until both are full, "the time until the rate limit resets to its
	 * initial state". Remainders are floors, not rounded, and resets are Go durations
	 * truncated to whole milliseconds, as OpenAI's are (providers.md §3.2).
	 * @return the headers, in a stable order
	 */
	synchronized Map<String, String> openAiRateLimitHeaders() {
		long now = this.clock.nanoTime();
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("x-ratelimit-limit-requests", Long.toString(this.requests.limit()));
		headers.put("x-ratelimit-limit-tokens", Long.toString(this.inputTokens.limit() + this.outputTokens.limit()));
		headers.put("x-ratelimit-remaining-requests", Long.toString(this.requests.available(now)));
		headers.put("x-ratelimit-remaining-tokens",
				Long.toString(this.inputTokens.available(now) + this.outputTokens.available(now)));
		headers.put("x-ratelimit-reset-requests", GoDuration.format(this.requests.nanosUntilFull(now)));
		headers.put("x-ratelimit-reset-tokens", GoDuration
			.format(Math.max(this.inputTokens.nanosUntilFull(now), this.outputTokens.nanosUntilFull(now))));
		return headers;
	}

	synchronized ModelStats stats() {
		return new ModelStats(this.served, this.rateLimitedByRequests, this.rateLimitedByInputTokens,
				this.rateLimitedByOutputTokens, this.inputTokensUsed, this.outputTokensUsed,
				this.cacheCreationInputTokens, this.cacheReadInputTokens);
	}

	synchronized void resetStats() {
		this.served = 0;
		this.rateLimitedByRequests = 0;
		this.rateLimitedByInputTokens = 0;
		this.rateLimitedByOutputTokens = 0;
		this.inputTokensUsed = 0;
		this.outputTokensUsed = 0;
		this.cacheCreationInputTokens = 0;
		this.cacheReadInputTokens = 0;
	}

	private TokenBucket bucket(Limit limit) {
		return switch (limit) {
			case REQUESTS -> this.requests;
			case INPUT_TOKENS -> this.inputTokens;
			case OUTPUT_TOKENS -> this.outputTokens;
		};
	}

	private Instant reset(TokenBucket bucket, long now) {
		Instant full = this.clock.instantAt(now + bucket.nanosUntilFull(now));
		Instant second = full.truncatedTo(ChronoUnit.SECONDS);
		return second.equals(full) ? second : second.plusSeconds(1);
	}

	private static void addBucket(Map<String, String> headers, String name, long limit, long remaining, Instant reset) {
		String prefix = "anthropic-ratelimit-" + name + "-";
		headers.put(prefix + "limit", Long.toString(limit));
		headers.put(prefix + "remaining", Long.toString(remaining));
		headers.put(prefix + "reset", DateTimeFormatter.ISO_INSTANT.format(reset));
	}

	private static long roundToThousand(long tokens) {
		return (tokens + 500) / 1000 * 1000;
	}

	/**
	 * The three per-model limits, named as Anthropic's 429 messages name them.
	 */
	enum Limit {

		REQUESTS("requests"), INPUT_TOKENS("input tokens"), OUTPUT_TOKENS("output tokens");

		private final String unit;

		Limit(String unit) {
			this.unit = unit;
		}

		String unit() {
			return this.unit;
		}

	}

	/**
	 * Why a request was not admitted.
	 *
	 * @param limit the limit the request would exceed
	 * @param perMinute that limit's value
	 * @param waitNanos the time until the request would fit, or -1 if it never can
	 * @param requested what the request needed of that limit
	 * @param used what of that limit was in use, as OpenAI's 429 messages say
	 */
	record Refusal(Limit limit, long perMinute, long waitNanos, long requested, long used) {

		static Refusal tooLarge(Limit limit, long perMinute, long requested) {
			return new Refusal(limit, perMinute, -1, requested, 0);
		}

		boolean tooLarge() {
			return this.waitNanos < 0;
		}

	}

	/**
	 * The token counts of one response's {@code usage}.
	 *
	 * @param inputTokens the uncached input tokens
	 * @param cacheCreationInputTokens the input tokens written to the prompt cache
	 * @param cacheReadInputTokens the input tokens read from the prompt cache
	 * @param outputTokens the output tokens
	 */
	record Usage(long inputTokens, long cacheCreationInputTokens, long cacheReadInputTokens, long outputTokens) {
	}

}
