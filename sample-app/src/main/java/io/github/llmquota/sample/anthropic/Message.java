package io.github.llmquota.sample.anthropic;

import java.util.List;

/**
 * One turn of the conversation sent to the model.
 *
 * @param role {@code user} or {@code assistant}
 * @param content the turn's content blocks
 */
public record Message(String role, List<ContentBlock> content) {

	/**
	 * Return a user turn of one text block.
	 * @param text the text
	 * @return the message
	 */
	public static Message user(String text) {
		return new Message("user", List.of(ContentBlock.text(text)));
	}

}
