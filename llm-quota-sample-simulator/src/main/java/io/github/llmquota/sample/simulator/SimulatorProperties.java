package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the built-in provider simulator.
 * <p>
 * The default models mirror the limits the sample declares under
 * {@code llm.quota.models}, so that a correctly configured quota engine never sees a 429.
 * Lower them here to watch the engine learn a provider limit it was not told about.
 */
@ConfigurationProperties("sample.simulator")
@Validated
public class SimulatorProperties {

	/**
	 * Whether to serve the simulated provider.
	 */
	private boolean enabled = true;

	/**
	 * Loopback port of the simulated provider. 0 picks a free port.
	 */
	@Min(0)
	@Max(65535)
	private int port;

	/**
	 * Time the simulator takes to answer an admitted request, before jitter.
	 */
	private Duration latency = Duration.ofMillis(200);

	/**
	 * Largest random deviation, either way, from the latency.
	 */
	private Duration latencyJitter = Duration.ofMillis(100);

	/**
	 * Share of Messages requests, in [0, 1], answered '529 overloaded_error' at random,
	 * as Anthropic answers when it lacks capacity across all users. They take nothing
	 * from any bucket.
	 */
	@DecimalMin("0")
	@DecimalMax("1")
	private double overloadRatio;

	/**
	 * Maximum number of Message Batches requests in the processing queue, over all
	 * batches: a batch that would exceed it is answered '429 rate_limit_error', as
	 * Anthropic's "batch requests in processing queue" limit does.
	 */
	@Min(1)
	private long batchQueueLimit = 10_000;

	/**
	 * Time a Message Batch takes to end after it was created.
	 */
	private Duration batchCompletionDelay = Duration.ofSeconds(5);

	/**
	 * Maximum input tokens of OpenAI batch requests in the queue, per model: a batch that
	 * would exceed it fails with 'token_limit_exceeded', as OpenAI's "enqueued tokens"
	 * batch limit does.
	 */
	@Min(1)
	private long openaiBatchQueueTokens = 2_000_000;

	/**
	 * Time an OpenAI batch takes to complete after it was created.
	 */
	private Duration openaiBatchCompletionDelay = Duration.ofSeconds(5);

	/**
	 * Rate limits of each simulated model, by model name. An entry replaces the default
	 * entry of the same name, so give all three limits. Requests for other models get a
	 * 404.
	 */
	@Valid
	private Map<String, Limits> models = new LinkedHashMap<>(Map.of("claude-sonnet-4-5", Limits.of(50, 30_000, 8_000),
			"claude-haiku-4-5", Limits.of(50, 50_000, 10_000)));

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getPort() {
		return this.port;
	}

	public void setPort(int port) {
		this.port = port;
	}

	public Duration getLatency() {
		return this.latency;
	}

	public void setLatency(Duration latency) {
		this.latency = latency;
	}

	public Duration getLatencyJitter() {
		return this.latencyJitter;
	}

	public void setLatencyJitter(Duration latencyJitter) {
		this.latencyJitter = latencyJitter;
	}

	public double getOverloadRatio() {
		return this.overloadRatio;
	}

	public void setOverloadRatio(double overloadRatio) {
		this.overloadRatio = overloadRatio;
	}

	public long getBatchQueueLimit() {
		return this.batchQueueLimit;
	}

	public void setBatchQueueLimit(long batchQueueLimit) {
		this.batchQueueLimit = batchQueueLimit;
	}

	public Duration getBatchCompletionDelay() {
		return this.batchCompletionDelay;
	}

	public void setBatchCompletionDelay(Duration batchCompletionDelay) {
		this.batchCompletionDelay = batchCompletionDelay;
	}

	public long getOpenaiBatchQueueTokens() {
		return this.openaiBatchQueueTokens;
	}

	public void setOpenaiBatchQueueTokens(long openaiBatchQueueTokens) {
		this.openaiBatchQueueTokens = openaiBatchQueueTokens;
	}

	public Duration getOpenaiBatchCompletionDelay() {
		return this.openaiBatchCompletionDelay;
	}

	public void setOpenaiBatchCompletionDelay(Duration openaiBatchCompletionDelay) {
		this.openaiBatchCompletionDelay = openaiBatchCompletionDelay;
	}

	public Map<String, Limits> getModels() {
		return this.models;
	}

	public void setModels(Map<String, Limits> models) {
		this.models = models;
	}

	/**
	 * Anthropic's three per-model rate limits. Each is a token bucket whose capacity is
	 * the limit and which refills at limit/60 per second.
	 */
	public static class Limits {

		/**
		 * Maximum requests per minute.
		 */
		@Min(1)
		@Max(TokenBucket.MAX_LIMIT)
		private long requestsPerMinute;

		/**
		 * Maximum input tokens per minute, counting uncached input and cache writes but
		 * not cache reads.
		 */
		@Min(1)
		@Max(TokenBucket.MAX_LIMIT)
		private long inputTokensPerMinute;

		/**
		 * Maximum output tokens per minute. A request reserves its max_tokens when
		 * admitted and returns what it did not use when it ends.
		 */
		@Min(1)
		@Max(TokenBucket.MAX_LIMIT)
		private long outputTokensPerMinute;

		/**
		 * Create limits.
		 * @param requestsPerMinute the requests per minute
		 * @param inputTokensPerMinute the input tokens per minute
		 * @param outputTokensPerMinute the output tokens per minute
		 * @return the limits
		 */
		public static Limits of(long requestsPerMinute, long inputTokensPerMinute, long outputTokensPerMinute) {
			Limits limits = new Limits();
			limits.setRequestsPerMinute(requestsPerMinute);
			limits.setInputTokensPerMinute(inputTokensPerMinute);
			limits.setOutputTokensPerMinute(outputTokensPerMinute);
			return limits;
		}

		public long getRequestsPerMinute() {
			return this.requestsPerMinute;
		}

		public void setRequestsPerMinute(long requestsPerMinute) {
			this.requestsPerMinute = requestsPerMinute;
		}

		public long getInputTokensPerMinute() {
			return this.inputTokensPerMinute;
		}

		public void setInputTokensPerMinute(long inputTokensPerMinute) {
			this.inputTokensPerMinute = inputTokensPerMinute;
		}

		public long getOutputTokensPerMinute() {
			return this.outputTokensPerMinute;
		}

		public void setOutputTokensPerMinute(long outputTokensPerMinute) {
			this.outputTokensPerMinute = outputTokensPerMinute;
		}

	}

}
