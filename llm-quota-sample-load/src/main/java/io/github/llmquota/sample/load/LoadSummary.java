package io.github.llmquota.sample.load;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a load run did, as printed on its {@code LOAD-SUMMARY} line. Counts are those of
 * this instance's client during the run, as it saw them: they hold for any
 * Anthropic-compatible server, not only the simulator.
 *
 * @param provider the base URL the client called
 * @param durationSeconds from the first call to the end of the last one: the configured
 * duration, plus the time the calls started before its end took to finish
 * @param calls the governed calls the run started, by priority class
 * @param requestsSent the HTTP requests the client sent to the provider (by every caller
 * of the client, a fallback chain's second try, an SDK's own retries and the governor's
 * re-sends included)
 * @param admittedAttempts the requests this instance's quota engine admitted, as the
 * engine counts them ({@code QuotaEngineListener#admitted}); when every HTTP attempt is
 * governed, this equals the requests the provider counted from this instance
 * @param simulatorRequests the requests this instance's own simulator received during the
 * run, from any client, or {@code null} (left out of the JSON) when the instance calls
 * another provider
 * @param succeeded the 2xx answers
 * @param provider429s the 429 answers from the provider
 * @param providerErrors the other answers outside 2xx, and requests that got no answer
 * (connection failures, timeouts, and calls cut when the run ended)
 * @param rejected the calls llm-quota did not admit, by reason
 * @param cancelledAtEnd the calls interrupted because they were still waiting or running
 * three minutes after the end of the run; normally 0
 * @param fallbacks the calls served by another model than the one they asked for
 * @param acquireWaitMillis per priority class, how long admitted requests waited for
 * quota
 * @param tokens the tokens the provider reported in the usage of its 2xx answers
 * @param servedByModel the 2xx answers by the model the request named
 * @param goodputPercent per per-minute dimension, the units the provider counted for the
 * successful calls, per minute of the run, as a percentage of the configured limits of
 * the pools that served them (see {@link Goodput})
 * @param goodputPools the pools that served calls, whose limits {@code goodputPercent}
 * divides by
 * @param deferred the background calls the batch valve sent to the Message Batches API
 * @param tenantTokens per tenant of the tenant load, the input and output tokens of its
 * calls answered during the run, the drain after it left out (left out of the JSON
 * without tenant load)
 * @param scopeTokens per scope (organisation, project), the tokens the provider reported
 * for the answers of the models under it (input, cache and output; the drain included):
 * the per-project split of the organisation's tokens (left out of the JSON where no pool
 * names a scope)
 */
public record LoadSummary(String provider, double durationSeconds, Map<String, Long> calls, long requestsSent,
		long admittedAttempts, @JsonInclude(JsonInclude.Include.NON_NULL) Long simulatorRequests, long succeeded,
		long provider429s, long providerErrors, Map<String, Long> rejected, long cancelledAtEnd, long fallbacks,
		Map<String, Waits> acquireWaitMillis, Tokens tokens, Map<String, Long> servedByModel,
		Map<String, Double> goodputPercent, List<String> goodputPools, long deferred,
		@JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> tenantTokens,
		@JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> scopeTokens) {

	/**
	 * How long admitted requests of one priority class waited for quota.
	 *
	 * @param count the admissions
	 * @param p50 the median wait, in milliseconds
	 * @param p99 the 99th percentile wait, in milliseconds
	 * @param max the longest wait, in milliseconds
	 */
	public record Waits(long count, double p50, double p99, double max) {

	}

	/**
	 * Tokens the provider reported, per kind.
	 *
	 * @param input uncached input tokens
	 * @param cacheCreationInput input tokens written to the prompt cache
	 * @param cacheReadInput input tokens read from the prompt cache
	 * @param output output tokens
	 */
	public record Tokens(long input, long cacheCreationInput, long cacheReadInput, long output) {

	}

}
