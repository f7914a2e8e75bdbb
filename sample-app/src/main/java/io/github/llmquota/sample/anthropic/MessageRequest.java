package io.github.llmquota.sample.anthropic;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /v1/messages}, non-streaming.
 *
 * @param model the model
 * @param maxTokens the most output tokens the answer may have
 * @param system the system prompt's blocks, or {@code null} for none
 * @param messages the conversation, starting with a user turn
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record MessageRequest(String model, @JsonProperty("max_tokens") int maxTokens, List<ContentBlock> system,
		List<Message> messages) {

}
