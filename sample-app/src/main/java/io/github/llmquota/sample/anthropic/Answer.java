package io.github.llmquota.sample.anthropic;

import io.github.llmquota.usage.LlmUsage;

/**
 * A model's answer, with the model the request named. The answer's own
 * {@link MessageResponse#model() model} may differ in form (Anthropic answers with the
 * dated version of an alias); this one is the configured name llm-quota admitted the call
 * for.
 * <p>
 * It implements {@link LlmUsage}, so that llm-quota settles a governed call that returns
 * it, or a {@code ResponseEntity} of it, at the usage the provider reported rather than
 * at what the call reserved.
 *
 * @param model the model the request named
 * @param message the provider's answer
 */
public record Answer(String model, MessageResponse message) implements LlmUsage {

	/**
	 * Return the answer's text.
	 * @return the text, empty if there is none
	 */
	public String text() {
		return this.message.text();
	}

	// Without a usage block, -1 makes llm-quota settle the call at what it reserved.

	@Override
	public long inputTokens() {
		return (this.message.usage() != null) ? this.message.usage().inputTokens() : -1;
	}

	@Override
	public long cacheCreationInputTokens() {
		return (this.message.usage() != null) ? this.message.usage().cacheCreationInputTokens() : -1;
	}

	@Override
	public long cacheReadInputTokens() {
		return (this.message.usage() != null) ? this.message.usage().cacheReadInputTokens() : -1;
	}

	@Override
	public long outputTokens() {
		return (this.message.usage() != null) ? this.message.usage().outputTokens() : -1;
	}

}
