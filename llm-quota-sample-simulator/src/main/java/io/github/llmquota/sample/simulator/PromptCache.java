package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's prompt cache, reduced to what the rate limits see: which prompt prefixes
 * were written less than five minutes ago. A hit refreshes the five minutes, as
 * Anthropic's does. The minimum cacheable prompt length is not simulated.
 * <p>
 * Bounded: at most {@value #MAX_ENTRIES} prefixes, the least recently used going first,
 * and an expired entry is dropped when it is next looked at. Thread-safe.
 */
final class PromptCache {

	static final Duration TTL = Duration.ofMinutes(5);

	static final int MAX_ENTRIES = 10_000;

	// Anthropic checks for hits at up to 20 block boundaries before each breakpoint,
	// which is what lets the next turn of a conversation read the previous turn's cache.
	private static final int LOOKBACK_BLOCKS = 20;

	private final Map<String, Long> expiries = new LinkedHashMap<>(16, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
			return size() > MAX_ENTRIES;
		}

	};

	/**
	 * Find how a request's prompt splits into cache reads, cache writes and uncached
	 * input, without changing the cache: a refused request must leave no trace.
	 * @param request the request
	 * @param now the current nanosecond reading
	 * @return the split, to {@link #record} if the request is admitted
	 */
	synchronized Lookup lookup(MessagesRequest request, long now) {
		List<Integer> breakpoints = request.breakpoints();
		if (breakpoints.isEmpty()) {
			return new Lookup(0, 0, request.inputTokens(), List.of());
		}
		int hit = longestLivePrefix(request, now);
		long read = (hit < 0) ? 0 : request.prefixTokens(hit);
		long cached = request.prefixTokens(breakpoints.get(breakpoints.size() - 1));
		List<String> writes = new ArrayList<>();
		if (hit >= 0) {
			writes.add(request.prefixKey(hit));
		}
		breakpoints.stream().filter((breakpoint) -> breakpoint > hit).map(request::prefixKey).forEach(writes::add);
		return new Lookup(read, cached - read, request.inputTokens() - cached, writes);
	}

	// Scanning breakpoints from the last, each back to its lookback limit, finds the
	// longest hit first: a later breakpoint's window never ends before an earlier one's.
	private int longestLivePrefix(MessagesRequest request, long now) {
		List<Integer> breakpoints = request.breakpoints();
		for (int b = breakpoints.size() - 1; b >= 0; b--) {
			int breakpoint = breakpoints.get(b);
			for (int i = breakpoint; i >= Math.max(0, breakpoint - LOOKBACK_BLOCKS); i--) {
				if (isLive(request.prefixKey(i), now)) {
					return i;
				}
			}
		}
		return -1;
	}

	private boolean isLive(String key, long now) {
		Long expiry = this.expiries.get(key);
		if (expiry != null && expiry - now <= 0) {
			this.expiries.remove(key);
			return false;
		}
		return expiry != null;
	}

	/**
	 * Write, or refresh, the prefixes of an admitted request.
	 * @param lookup the request's lookup
	 * @param now the current nanosecond reading
	 */
	synchronized void record(Lookup lookup, long now) {
		for (String key : lookup.writes()) {
			this.expiries.put(key, now + TTL.toNanos());
		}
	}

	/**
	 * How a prompt splits for billing and rate limiting.
	 *
	 * @param cacheReadInputTokens the tokens read from the cache, which ITPM does not
	 * count
	 * @param cacheCreationInputTokens the tokens written to the cache, up to the last
	 * breakpoint
	 * @param inputTokens the tokens after the last breakpoint
	 * @param writes the prefix keys to write or refresh
	 */
	record Lookup(long cacheReadInputTokens, long cacheCreationInputTokens, long inputTokens, List<String> writes) {

		/**
		 * Return what the input-tokens-per-minute limit counts.
		 */
		long inputCharge() {
			return this.inputTokens + this.cacheCreationInputTokens;
		}

	}

}
