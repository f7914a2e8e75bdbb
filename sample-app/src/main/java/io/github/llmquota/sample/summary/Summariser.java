package io.github.llmquota.sample.summary;

import io.github.llmquota.aop.LlmModel;
import io.github.llmquota.aop.LlmRateLimited;
import io.github.llmquota.core.Priority;
import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.anthropic.ContentBlock;
import io.github.llmquota.sample.anthropic.Prompt;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;

/**
 * Summarises documents with Claude at BACKGROUND priority: its calls take what
 * interactive work leaves, wait longest, and are shed first. The instructions are the
 * same for every document and marked for the prompt cache, so that after the first call
 * of five minutes they are read from the cache, which Anthropic does not count against
 * the input-token limit.
 */
@Service
public class Summariser {

	/** The model the summaries use. */
	public static final String MODEL = "claude-sonnet-4-5";

	private static final ContentBlock INSTRUCTIONS = ContentBlock.cachedText("""
			You summarise customer conversations for the support team of the llm-quota sample.
			Write three short bullet points: what the customer wanted, what the assistant answered,
			and whether anything is left to do. Quote product names and numbers exactly. Leave out
			greetings, apologies and anything the customer did not ask about. If a conversation is
			empty or unreadable, answer "nothing to summarise" and nothing else.""");

	private final AnthropicClient client;

	private final int maxTokens;

	Summariser(AnthropicClient client, @Value("${sample.summaries.max-tokens:300}") int maxTokens) {
		this.client = client;
		this.maxTokens = maxTokens;
	}

	/**
	 * Return the prompt that summarises a document with the standing instructions.
	 * @param document the text to summarise
	 * @return the prompt
	 */
	public Prompt prompt(String document) {
		return Prompt.of(INSTRUCTIONS, document, this.maxTokens);
	}

	/**
	 * Ask a model, governed by llm-quota at BACKGROUND priority.
	 * @param model the model to call: llm-quota passes the one it admitted the call for
	 * @param prompt what to ask
	 * @return the provider's answer, with its status and rate-limit headers
	 * @throws io.github.llmquota.core.QuotaRejectedException if the call is not admitted
	 * within BACKGROUND's wait budget, or is shed for higher-priority work
	 */
	@LlmRateLimited(model = MODEL, priority = Priority.BACKGROUND, inputTokens = "#prompt.estimatedInputTokens()",
			maxOutputTokens = "#prompt.maxTokens()")
	public ResponseEntity<Answer> summarise(@LlmModel String model, Prompt prompt) {
		return this.client.createMessage(prompt.toRequest(model));
	}

}
