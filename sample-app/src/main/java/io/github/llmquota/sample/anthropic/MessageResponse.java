package io.github.llmquota.sample.anthropic;

import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of a successful {@code POST /v1/messages}.
 *
 * @param id the message id
 * @param model the model that answered
 * @param content the answer's content blocks
 * @param stopReason why generation stopped, such as {@code end_turn} or
 * {@code max_tokens}
 * @param usage the token usage, or {@code null} if the provider sent none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MessageResponse(String id, String model, List<ContentBlock> content,
		@JsonProperty("stop_reason") String stopReason, Usage usage) {

	/**
	 * Return the text of the answer's text blocks, joined.
	 * @return the text, empty if there is none
	 */
	public String text() {
		if (this.content == null) {
			return "";
		}
		return this.content.stream()
			.filter((block) -> "text".equals(block.type()) && block.text() != null)
			.map(ContentBlock::text)
			.collect(Collectors.joining());
	}

}
