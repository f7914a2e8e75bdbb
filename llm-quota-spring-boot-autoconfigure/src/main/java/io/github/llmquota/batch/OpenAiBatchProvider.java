package io.github.llmquota.batch;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.MultipartField;
import com.openai.core.ObjectMappers;
import com.openai.core.http.HttpResponse;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.Provider;

/**
 * OpenAI's Batch API through the official openai-java client: each group of deferred
 * calls is uploaded as one JSONL file ({@code purpose=batch}, one
 * {@code /v1/chat/completions} request per line, the call's id as {@code custom_id}),
 * then a batch is created on it with the {@code 24h} completion window. An ended batch's
 * output file gives the answered calls, each result the {@link ChatCompletion} as JSON,
 * and its error file the calls that failed, expired ({@code batch_expired}) or were
 * cancelled. Thread-safe.
 */
public class OpenAiBatchProvider implements BatchProvider {

	private static final Log logger = LogFactory.getLog(OpenAiBatchProvider.class);

	private static final String ENDPOINT = "/v1/chat/completions";

	private static final Set<Batch.Status> RUNNING = Set.of(Batch.Status.VALIDATING, Batch.Status.IN_PROGRESS,
			Batch.Status.FINALIZING, Batch.Status.CANCELLING);

	private final OpenAIClient client;

	/**
	 * Create a provider on a client. The client should not be governed by llm-quota's
	 * attempt interceptor for the Chat Completions API: batch calls have limits of their
	 * own.
	 * @param client the client
	 */
	public OpenAiBatchProvider(OpenAIClient client) {
		this.client = client;
	}

	/**
	 * Return the batch body of a Chat Completions request, for
	 * {@link BatchValve#call(io.github.llmquota.core.QuotaRequest, String, java.util.function.Function, java.util.function.Supplier)}.
	 * @param params the request
	 * @return its parameters as JSON
	 */
	public static String body(ChatCompletionCreateParams params) {
		try {
			return ObjectMappers.jsonMapper().writeValueAsString(params._body());
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("Cannot write the Chat Completions request as JSON", ex);
		}
	}

	/**
	 * Read the chat completion a successful deferred call returned.
	 * @param body the result's body
	 * @return the chat completion
	 * @throws IllegalArgumentException if the body is not a chat completion
	 */
	public static ChatCompletion chatCompletion(String body) {
		try {
			return ObjectMappers.jsonMapper().readValue(body, ChatCompletion.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("Not an OpenAI chat completion: " + body, ex);
		}
	}

	@Override
	public Provider provider() {
		return Provider.OPENAI;
	}

	@Override
	public String submit(List<BatchItem> items) {
		String fileId = this.client.files()
			.create(FileCreateParams.builder()
				.file(MultipartField.<InputStream>builder()
					.value(new ByteArrayInputStream(jsonLines(items)))
					.filename("llm-quota-batch.jsonl")
					.contentType("application/jsonl")
					.build())
				.purpose(FilePurpose.BATCH)
				.build())
			.id();
		try {
			return this.client.batches()
				.create(BatchCreateParams.builder()
					.inputFileId(fileId)
					.endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
					.completionWindow(BatchCreateParams.CompletionWindow._24H)
					.build())
				.id();
		}
		catch (RuntimeException ex) {
			// The calls are sent again later, in a new file: this one would only take
			// storage.
			deleteQuietly(fileId);
			throw ex;
		}
	}

	@Override
	public Optional<List<BatchItemResult>> poll(String batchId) {
		Batch batch = this.client.batches().retrieve(batchId);
		if (RUNNING.contains(batch.status())) {
			return Optional.empty();
		}
		if (Batch.Status.FAILED.equals(batch.status()) && refusedForNow(batch)) {
			throw new BatchRefusedException("OpenAI batch " + batchId + " failed: "
					+ batch.errors().map(Object::toString).orElse("token_limit_exceeded"));
		}
		List<BatchItemResult> results = new ArrayList<>();
		batch.outputFileId().ifPresent((file) -> read(file, results));
		batch.errorFileId().ifPresent((file) -> read(file, results));
		if (Batch.Status.FAILED.equals(batch.status())) {
			// A batch that failed validation has no files: its calls end as errors.
			logger.warn("llm-quota's OpenAI batch " + batchId + " failed: "
					+ batch.errors().map(Object::toString).orElse("no reason given"));
		}
		return Optional.of(results);
	}

	// The enqueued-token limit was reached (by other clients, or without
	// llm.quota.batch.max-queued-tokens): the same calls fit once the queue drains.
	private static boolean refusedForNow(Batch batch) {
		return batch.errors()
			.flatMap(Batch.Errors::data)
			.map((errors) -> errors.stream()
				.anyMatch((error) -> error.code().filter("token_limit_exceeded"::equals).isPresent()))
			.orElse(false);
	}

	private static byte[] jsonLines(List<BatchItem> items) {
		StringBuilder lines = new StringBuilder();
		for (BatchItem item : items) {
			ObjectNode line = ObjectMappers.jsonMapper().createObjectNode();
			line.put("custom_id", item.id());
			line.put("method", "POST");
			line.put("url", ENDPOINT);
			line.set("body", tree(item.body()));
			lines.append(line).append('\n');
		}
		return lines.toString().getBytes(StandardCharsets.UTF_8);
	}

	private void read(String fileId, List<BatchItemResult> results) {
		try (HttpResponse response = this.client.files().content(fileId);
				BufferedReader reader = new BufferedReader(
						new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			for (String line = reader.readLine(); line != null; line = reader.readLine()) {
				if (!line.isBlank()) {
					results.add(result(tree(line)));
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read OpenAI batch file " + fileId, ex);
		}
	}

	// A line of either file: a response whose status tells success, or an error.
	private static BatchItemResult result(JsonNode line) {
		String id = line.path("custom_id").asText();
		JsonNode response = line.path("response");
		JsonNode error = line.path("error");
		boolean noError = error.isMissingNode() || error.isNull();
		if (noError && response.path("status_code").asInt() == 200) {
			JsonNode body = response.path("body");
			JsonNode usage = body.path("usage");
			return BatchItemResult.succeeded(id, body.toString(), body.path("model").asText(null),
					usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong());
		}
		String code = error.path("code").asText("");
		BatchItemResult.Outcome outcome = switch (code) {
			case "batch_expired" -> BatchItemResult.Outcome.EXPIRED;
			case "batch_cancelled" -> BatchItemResult.Outcome.CANCELED;
			default -> BatchItemResult.Outcome.ERRORED;
		};
		String explanation = noError ? response.path("body").toString() : error.toString();
		return BatchItemResult.failed(id, outcome, explanation);
	}

	private void deleteQuietly(String fileId) {
		try {
			this.client.files().delete(fileId);
		}
		catch (RuntimeException ex) {
			logger.debug("llm-quota could not delete OpenAI batch input file " + fileId, ex);
		}
	}

	private static JsonNode tree(String json) {
		try {
			return ObjectMappers.jsonMapper().readTree(json);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException("Not JSON: " + json, ex);
		}
	}

}
