package io.github.llmquota.sample.anthropic;

/**
 * A prompt-cache breakpoint on a content block: the prompt up to and including the block
 * is cached, and later requests that start with the same prefix read it from the cache.
 *
 * @param type the cache type; Anthropic knows {@code ephemeral}
 */
public record CacheControl(String type) {

	/** The only cache type: a five-minute cache refreshed by every hit. */
	public static final CacheControl EPHEMERAL = new CacheControl("ephemeral");

}
