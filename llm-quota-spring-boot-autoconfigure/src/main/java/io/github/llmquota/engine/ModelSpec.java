package io.github.llmquota.engine;

import java.util.List;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;

/**
 * A model and its accounting profile: what a call costs each dimension of its pool when
 * it is admitted, and what it costs once the provider reports its usage. A model called
 * with several API keys has one spec per key, each drawing from the key's own pool.
 *
 * @param name the model name
 * @param pool the pool it draws from
 * @param cacheReadsCountAsInput whether prompt-cache reads count toward input-token
 * limits (OpenAI: yes; current Anthropic models: no)
 * @param apiKey the name of the API key the pool belongs to, or {@code null} when the
 * model has no keys configured
 */
public record ModelSpec(String name, PoolSpec pool, boolean cacheReadsCountAsInput, String apiKey) {

	/**
	 * Create the spec of a model without API keys of its own.
	 * @param name the model name
	 * @param pool the pool it draws from
	 * @param cacheReadsCountAsInput whether prompt-cache reads count toward input-token
	 * limits
	 */
	public ModelSpec(String name, PoolSpec pool, boolean cacheReadsCountAsInput) {
		this(name, pool, cacheReadsCountAsInput, null);
	}

	/**
	 * Return the up-front charge of a request: the whole prompt and {@code max_tokens}.
	 * @param request the request
	 * @param rates the limits to charge, the pool's or a user's
	 * @return the cost per limit, in the order of {@code rates}
	 */
	public long[] reserve(QuotaRequest request, List<RateLimit> rates) {
		return cost(rates, request.inputTokens(), request.maxOutputTokens());
	}

	/**
	 * Return what a call really cost, from the provider's usage report.
	 * @param usage the reported usage
	 * @param rates the limits charged, the pool's or a user's
	 * @return the cost per limit, in the order of {@code rates}
	 */
	public long[] actual(TokenUsage usage, List<RateLimit> rates) {
		long input = usage.inputTokens() + usage.cacheCreationInputTokens()
				+ (this.cacheReadsCountAsInput ? usage.cacheReadInputTokens() : 0);
		return cost(rates, input, usage.outputTokens());
	}

	/**
	 * Return what a call that ended without a usage report is taken to have cost.
	 * @param request the request the call was admitted for
	 * @param outcome what happened to the call
	 * @param rates the limits charged, the pool's or a user's
	 * @return the cost per limit, in the order of {@code rates}
	 */
	public long[] released(QuotaRequest request, CallOutcome outcome, List<RateLimit> rates) {
		if (outcome == CallOutcome.NOT_SENT) {
			return new long[rates.size()];
		}
		// The provider saw the request and its prompt, but produced no output.
		return cost(rates, request.inputTokens(), 0);
	}

	private static long[] cost(List<RateLimit> rates, long input, long output) {
		long[] cost = new long[rates.size()];
		for (int i = 0; i < cost.length; i++) {
			cost[i] = switch (rates.get(i).dimension()) {
				case REQUESTS_PER_MINUTE, REQUESTS_PER_DAY -> 1;
				case INPUT_TOKENS_PER_MINUTE -> input;
				case OUTPUT_TOKENS_PER_MINUTE -> output;
				case TOKENS_PER_MINUTE, TOKENS_PER_DAY -> saturatedAdd(input, output);
				case CONCURRENCY -> throw new IllegalStateException("concurrency is not a rate");
			};
		}
		return cost;
	}

	private static long saturatedAdd(long a, long b) {
		long sum = a + b;
		return (sum < 0) ? Long.MAX_VALUE : sum;
	}

}
