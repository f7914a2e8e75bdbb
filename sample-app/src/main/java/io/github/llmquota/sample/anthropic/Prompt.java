package io.github.llmquota.sample.anthropic;

import java.util.List;
import java.util.stream.Stream;

import org.springframework.util.Assert;

/**
 * What to ask a model, apart from which model: the system prompt, the conversation and
 * the output budget. Keeping the model out lets one prompt go to whichever model
 * llm-quota admitted the call for.
 *
 * @param system the system prompt's blocks, possibly empty
 * @param messages the conversation, not empty
 * @param maxTokens the most output tokens the answer may have, at least 1
 */
public record Prompt(List<ContentBlock> system, List<Message> messages, int maxTokens) {

	/**
	 * The rule of thumb for English text. Anthropic's tokenizer differs, but llm-quota
	 * only needs an estimate up front: it settles every call to the usage the provider
	 * reports.
	 */
	private static final int CHARS_PER_TOKEN = 4;

	/**
	 * Create a prompt, copying the lists.
	 * @throws IllegalArgumentException if there is no message or {@code maxTokens} is
	 * below 1
	 */
	public Prompt {
		system = List.copyOf(system);
		messages = List.copyOf(messages);
		Assert.notEmpty(messages, "'messages' must not be empty");
		Assert.isTrue(maxTokens >= 1, () -> "'maxTokens' must be at least 1, was " + maxTokens);
	}

	/**
	 * Return a one-turn prompt.
	 * @param system the system prompt's single block
	 * @param userText the user's text
	 * @param maxTokens the output budget
	 * @return the prompt
	 */
	public static Prompt of(ContentBlock system, String userText, int maxTokens) {
		return new Prompt(List.of(system), List.of(Message.user(userText)), maxTokens);
	}

	/**
	 * Estimate the prompt's size in tokens, cached parts included: one token per four
	 * characters of text.
	 * @return the estimated input tokens
	 */
	public long estimatedInputTokens() {
		long chars = Stream.concat(this.system.stream(), this.messages.stream().flatMap((m) -> m.content().stream()))
			.map(ContentBlock::text)
			.mapToLong((text) -> (text != null) ? text.length() : 0)
			.sum();
		return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
	}

	/**
	 * Return the request that asks a model this prompt.
	 * @param model the model
	 * @return the request body
	 */
	public MessageRequest toRequest(String model) {
		return new MessageRequest(model, this.maxTokens, this.system, this.messages);
	}

}
