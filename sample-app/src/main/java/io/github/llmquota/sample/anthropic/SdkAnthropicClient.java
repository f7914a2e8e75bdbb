package io.github.llmquota.sample.anthropic;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.anthropic.core.ClientOptions;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.errors.AnthropicException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlockParam;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;

/**
 * The {@code anthropic-sdk} {@link AnthropicClient}: the official Java SDK
 * ({@code anthropic-java}), with its default retries. The SDK's own exceptions propagate:
 * {@link AnthropicServiceException} and its subclasses for an answer outside 2xx once the
 * SDK has stopped retrying, with the status, headers and JSON body that llm-quota reads
 * its feedback from, and other {@link AnthropicException}s when no answer could be read.
 * Thread-safe.
 */
public class SdkAnthropicClient implements AnthropicClient, AutoCloseable {

	private final com.anthropic.client.AnthropicClient client;

	private final String baseUrl;

	/**
	 * Create a client.
	 * @param client the SDK client, with the provider's base URL and API key
	 * @param baseUrl the base URL it calls, for messages
	 */
	public SdkAnthropicClient(com.anthropic.client.AnthropicClient client, String baseUrl) {
		this.client = client;
		this.baseUrl = baseUrl;
	}

	/**
	 * {@inheritDoc}
	 * @throws AnthropicServiceException for an answer outside 2xx, after the SDK's
	 * retries
	 * @throws AnthropicException when no answer could be read
	 */
	@Override
	public ResponseEntity<Answer> createMessage(MessageRequest request) {
		HttpResponseFor<com.anthropic.models.messages.Message> response = this.client.messages()
			.withRawResponse()
			.create(params(request));
		MessageResponse body = messageResponse(response.parse());
		return new ResponseEntity<>(new Answer(request.model(), body), headers(response.headers()),
				HttpStatusCode.valueOf(response.statusCode()));
	}

	@Override
	public String baseUrl() {
		return this.baseUrl;
	}

	/**
	 * Return a client that shares this one's connections, with its options modified, as
	 * {@link com.anthropic.client.AnthropicClient#withOptions(Consumer)} does: to add an
	 * interceptor, for example, which then runs inside the ones this client has. Closing
	 * either client closes the connections of both.
	 * @param modifier modifies a copy of this client's options
	 * @return the new client
	 */
	public SdkAnthropicClient withOptions(Consumer<ClientOptions.Builder> modifier) {
		return new SdkAnthropicClient(this.client.withOptions(modifier), this.baseUrl);
	}

	/**
	 * Close the SDK client, releasing its connections and threads.
	 */
	@Override
	public void close() {
		this.client.close();
	}

	private static MessageCreateParams params(MessageRequest request) {
		MessageCreateParams.Builder params = MessageCreateParams.builder()
			.model(request.model())
			.maxTokens(request.maxTokens());
		if (request.system() != null && !request.system().isEmpty()) {
			params.systemOfTextBlockParams(request.system().stream().map(SdkAnthropicClient::textBlock).toList());
		}
		for (Message message : request.messages()) {
			List<ContentBlockParam> content = message.content()
				.stream()
				.map((block) -> ContentBlockParam.ofText(textBlock(block)))
				.toList();
			switch (message.role()) {
				case "user" -> params.addUserMessageOfContentBlockParams(content);
				case "assistant" -> params.addAssistantMessageOfContentBlockParams(content);
				default -> throw new IllegalArgumentException(
						"Message role must be 'user' or 'assistant', was '" + message.role() + "'");
			}
		}
		return params.build();
	}

	private static TextBlockParam textBlock(ContentBlock block) {
		if (!"text".equals(block.type())) {
			throw new IllegalArgumentException("Only text blocks are supported, not '" + block.type() + "'");
		}
		TextBlockParam.Builder text = TextBlockParam.builder().text(block.text());
		if (block.cacheControl() != null) {
			text.cacheControl(CacheControlEphemeral.builder().build());
		}
		return text.build();
	}

	private static MessageResponse messageResponse(com.anthropic.models.messages.Message message) {
		List<ContentBlock> content = new ArrayList<>();
		message.content()
			.forEach((block) -> block.text().ifPresent((text) -> content.add(ContentBlock.text(text.text()))));
		com.anthropic.models.messages.Usage usage = message.usage();
		return new MessageResponse(message.id(), message.model().asString(), content,
				message.stopReason().map(StopReason::asString).orElse(null),
				new Usage(usage.inputTokens(), usage.cacheCreationInputTokens().orElse(0L),
						usage.cacheReadInputTokens().orElse(0L), usage.outputTokens()));
	}

	private static HttpHeaders headers(Headers headers) {
		HttpHeaders converted = new HttpHeaders();
		headers.names().forEach((name) -> converted.addAll(name, headers.values(name)));
		return converted;
	}

}
