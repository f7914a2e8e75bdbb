package io.github.llmquota.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import com.anthropic.models.messages.batches.MessageBatchResult;
import com.fasterxml.jackson.core.JsonProcessingException;

import io.github.llmquota.core.Provider;

/**
 * Anthropic's Message Batches API ({@code /v1/messages/batches}) through the official
 * anthropic-java client: one batch per group of deferred calls, each call's body the
 * parameters of one Messages request, and its result the {@link Message} as JSON.
 * Thread-safe.
 */
public class AnthropicBatchProvider implements BatchProvider {

	private final AnthropicClient client;

	/**
	 * Create a provider on a client. The client should not be governed by llm-quota's
	 * attempt interceptor for the Messages API: batch calls have limits of their own.
	 * @param client the client
	 */
	public AnthropicBatchProvider(AnthropicClient client) {
		this.client = client;
	}

	/**
	 * Return the batch body of a Messages request, for
	 * {@link BatchValve#call(io.github.llmquota.core.QuotaRequest, String, java.util.function.Function, java.util.function.Supplier)}.
	 * @param params the request
	 * @return its parameters as JSON
	 */
	public static String body(MessageCreateParams params) {
		return write(params._body());
	}

	/**
	 * Read the message a successful deferred call returned.
	 * @param body the result's body
	 * @return the message
	 * @throws IllegalArgumentException if the body is not a message
	 */
	public static Message message(String body) {
		try {
			return ObjectMappers.jsonMapper().readValue(body, Message.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("Not an Anthropic message: " + body, ex);
		}
	}

	@Override
	public Provider provider() {
		return Provider.ANTHROPIC;
	}

	@Override
	public String submit(List<BatchItem> items) {
		BatchCreateParams.Builder params = BatchCreateParams.builder();
		for (BatchItem item : items) {
			params.addRequest(BatchCreateParams.Request.builder()
				.customId(item.id())
				.params(read(item.body(), BatchCreateParams.Request.Params.class))
				.build());
		}
		return this.client.messages().batches().create(params.build()).id();
	}

	@Override
	public Optional<List<BatchItemResult>> poll(String batchId) {
		MessageBatch batch = this.client.messages().batches().retrieve(batchId);
		if (!MessageBatch.ProcessingStatus.ENDED.equals(batch.processingStatus())) {
			return Optional.empty();
		}
		List<BatchItemResult> results = new ArrayList<>();
		try (StreamResponse<MessageBatchIndividualResponse> stream = this.client.messages()
			.batches()
			.resultsStreaming(batchId)) {
			stream.stream().forEach((response) -> results.add(result(response.customId(), response.result())));
		}
		return Optional.of(results);
	}

	private static BatchItemResult result(String id, MessageBatchResult result) {
		if (result.isSucceeded()) {
			Message message = result.asSucceeded().message();
			return BatchItemResult.succeeded(id, write(message), message.model().asString(),
					message.usage().inputTokens(), message.usage().outputTokens());
		}
		if (result.isErrored()) {
			return BatchItemResult.failed(id, BatchItemResult.Outcome.ERRORED, write(result.asErrored().error()));
		}
		if (result.isExpired()) {
			return BatchItemResult.failed(id, BatchItemResult.Outcome.EXPIRED,
					"the batch expired before the call was processed");
		}
		return BatchItemResult.failed(id, BatchItemResult.Outcome.CANCELED,
				"the batch was cancelled before the call was processed");
	}

	private static String write(Object value) {
		try {
			return ObjectMappers.jsonMapper().writeValueAsString(value);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("Cannot write " + value.getClass().getSimpleName() + " as JSON", ex);
		}
	}

	private static <T> T read(String body, Class<T> type) {
		try {
			return ObjectMappers.jsonMapper().readValue(body, type);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("Not a Messages request body: " + body, ex);
		}
	}

}
