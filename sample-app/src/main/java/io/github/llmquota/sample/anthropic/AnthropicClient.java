package io.github.llmquota.sample.anthropic;

import org.springframework.http.ResponseEntity;

/**
 * Sends Messages requests to Anthropic, or to any server that speaks its API, such as the
 * built-in simulator. {@code sample.provider.client} chooses the implementation:
 * {@link RestAnthropicClient} on Spring's {@code RestClient} ({@code rest-client}, the
 * default) or {@link SdkAnthropicClient} on the official Java SDK
 * ({@code anthropic-sdk}). Both let the provider's error answers propagate in their own
 * exception types, which llm-quota reads its feedback from. Implementations are
 * thread-safe.
 */
public interface AnthropicClient {

	/**
	 * Send one non-streaming Messages request.
	 * @param request the request
	 * @return the answer, with the provider's status and headers
	 */
	ResponseEntity<Answer> createMessage(MessageRequest request);

	/**
	 * Return the base URL this client calls.
	 * @return the base URL, without {@code /v1/messages}
	 */
	String baseUrl();

}
