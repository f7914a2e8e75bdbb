package io.github.llmquota.sample.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A content block of a message or of the system prompt. Only text blocks are used here.
 *
 * @param type the block type, {@code text}
 * @param text the text
 * @param cacheControl a prompt-cache breakpoint after this block, or {@code null}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContentBlock(String type, String text, @JsonProperty("cache_control") CacheControl cacheControl) {

	/**
	 * Return a text block.
	 * @param text the text
	 * @return the block
	 */
	public static ContentBlock text(String text) {
		return new ContentBlock("text", text, null);
	}

	/**
	 * Return a text block that ends a cached prompt prefix.
	 * @param text the text
	 * @return the block, with an ephemeral cache breakpoint
	 */
	public static ContentBlock cachedText(String text) {
		return new ContentBlock("text", text, CacheControl.EPHEMERAL);
	}

}
