package io.github.llmquota.sample.chat;

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
 * Answers chat messages with Claude. Each call waits for quota at INTERACTIVE priority,
 * ahead of every background job of the fleet, and may be served by another model of the
 * {@code chat} fallback chain ({@code llm.quota.fallback-chains.chat}) when the chat's
 * model cannot take it.
 */
@Service
public class ChatService {

	/** The model the chat asks first. */
	public static final String MODEL = "claude-sonnet-4-5";

	private static final ContentBlock SYSTEM = ContentBlock
		.text("You are the friendly assistant of the llm-quota sample. Answer briefly and plainly.");

	private final AnthropicClient client;

	private final int maxTokens;

	ChatService(AnthropicClient client, @Value("${sample.chat.max-tokens:1024}") int maxTokens) {
		this.client = client;
		this.maxTokens = maxTokens;
	}

	/**
	 * Return the prompt that asks the chat's question.
	 * @param message the user's message
	 * @return the prompt
	 */
	public Prompt prompt(String message) {
		return Prompt.of(SYSTEM, message, this.maxTokens);
	}

	/**
	 * Ask a model, governed by llm-quota. The whole prompt and its {@code max_tokens} are
	 * reserved up front and settled to the usage in the answer. A 429 or other error
	 * answer propagates as a
	 * {@link org.springframework.web.client.RestClientResponseException}, which llm-quota
	 * reads to cool the pool down fleet-wide.
	 * @param userId who is asking, for per-user quotas
	 * @param model the model to call: llm-quota passes the one it admitted the call for,
	 * whatever the caller gives
	 * @param prompt what to ask
	 * @return the provider's answer, with its status and rate-limit headers
	 * @throws io.github.llmquota.core.QuotaRejectedException if no model of the chain can
	 * take the call within INTERACTIVE's wait budget
	 */
	@LlmRateLimited(model = MODEL, priority = Priority.INTERACTIVE, inputTokens = "#prompt.estimatedInputTokens()",
			maxOutputTokens = "#prompt.maxTokens()", user = "#userId", fallback = "chat")
	public ResponseEntity<Answer> reply(String userId, @LlmModel String model, Prompt prompt) {
		return this.client.createMessage(prompt.toRequest(model));
	}

}
