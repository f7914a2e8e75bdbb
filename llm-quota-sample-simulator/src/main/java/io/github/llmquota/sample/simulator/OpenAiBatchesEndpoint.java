package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.llmquota.sample.simulator.MessagesEndpoint.Reply;

/**
 * OpenAI's Files and Batch APIs' behaviour apart from HTTP ({@code /v1/files},
 * {@code /v1/batches}), for {@code /v1/chat/completions} batches: a JSONL file is
 * uploaded with {@code purpose=batch}, a batch is created on it and ends a configured
 * delay later with an output file of chat completions. The queue has its own limit, in
 * enqueued input tokens per model, as OpenAI's does: a batch that would exceed it fails
 * ({@code token_limit_exceeded}) instead of starting. Thread-safe.
 */
final class OpenAiBatchesEndpoint {

	private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

	private static final String CHAT_COMPLETIONS = "/v1/chat/completions";

	private final ObjectMapper objectMapper;

	private final SimulatorProperties properties;

	private final SimulatorClock clock;

	private final Map<String, String> files = new ConcurrentHashMap<>();

	private final Map<String, Batch> batches = new ConcurrentHashMap<>();

	private final Map<String, Long> enqueued = new LinkedHashMap<>();

	OpenAiBatchesEndpoint(ObjectMapper objectMapper, SimulatorProperties properties, SimulatorClock clock) {
		this.objectMapper = objectMapper;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * Upload a file.
	 * @param contentType the request's content type, {@code multipart/form-data} with a
	 * boundary
	 * @param body the form: a {@code purpose} field and a {@code file} part
	 * @return the file object, or an error
	 */
	Reply upload(String contentType, byte[] body) {
		int at = (contentType != null) ? contentType.indexOf("boundary=") : -1;
		if (at < 0) {
			return ChatCompletionsEndpoint.error(400, "invalid_request_error", null, "Expected multipart/form-data");
		}
		String boundary = "--" + contentType.substring(at + "boundary=".length()).replace("\"", "").strip();
		String purpose = null;
		String content = null;
		String filename = "file";
		for (String part : new String(body, StandardCharsets.UTF_8).split(java.util.regex.Pattern.quote(boundary))) {
			int split = part.indexOf("\r\n\r\n");
			if (split < 0) {
				continue;
			}
			String headers = part.substring(0, split);
			String value = part.substring(split + 4);
			value = value.endsWith("\r\n") ? value.substring(0, value.length() - 2) : value;
			if (headers.contains("name=\"purpose\"")) {
				purpose = value.strip();
			}
			else if (headers.contains("name=\"file\"")) {
				content = value;
				int name = headers.indexOf("filename=\"");
				if (name >= 0) {
					filename = headers.substring(name + 10, headers.indexOf('"', name + 10));
				}
			}
		}
		if (!"batch".equals(purpose) || content == null) {
			return ChatCompletionsEndpoint.error(400, "invalid_request_error", null,
					"A 'file' part and purpose 'batch' are required");
		}
		String id = MessagesEndpoint.newId("file-");
		this.files.put(id, content);
		return new Reply(200, new LinkedHashMap<>(), file(id, filename, content.length()));
	}

	/**
	 * Return a file's content, or {@code null} for an unknown file.
	 * @param id the file id
	 * @return the content
	 */
	String content(String id) {
		return this.files.get(id);
	}

	/**
	 * Delete a file.
	 * @param id the file id
	 * @return the deletion, or a 404
	 */
	Reply delete(String id) {
		if (this.files.remove(id) == null) {
			return ChatCompletionsEndpoint.error(404, "invalid_request_error", null, "No such File object: " + id);
		}
		ObjectNode deleted = JSON.objectNode().put("id", id).put("object", "file").put("deleted", true);
		return new Reply(200, new LinkedHashMap<>(), deleted);
	}

	/**
	 * Create a batch on an uploaded file.
	 * @param body {@code {"input_file_id", "endpoint", "completion_window"}}
	 * @return the batch, or an error
	 */
	Reply create(byte[] body) {
		JsonNode params;
		try {
			params = this.objectMapper.readTree(body);
		}
		catch (IOException ex) {
			return ChatCompletionsEndpoint.error(400, "invalid_request_error", null,
					"The request body is not valid JSON");
		}
		String input = this.files.get(params.path("input_file_id").asText());
		if (input == null) {
			return ChatCompletionsEndpoint.error(400, "invalid_request_error", null, "input_file_id: no such file");
		}
		if (!CHAT_COMPLETIONS.equals(params.path("endpoint").asText())
				|| !"24h".equals(params.path("completion_window").asText())) {
			return ChatCompletionsEndpoint.error(400, "invalid_request_error", null,
					"The simulator batches only /v1/chat/completions with completion_window 24h");
		}
		List<JsonNode> requests = new ArrayList<>();
		Map<String, Long> tokens = new LinkedHashMap<>();
		try {
			for (String line : input.split("\n")) {
				if (!line.isBlank()) {
					JsonNode request = this.objectMapper.readTree(line);
					requests.add(request);
					tokens.merge(request.path("body").path("model").asText(),
							ChatCompletionsEndpoint.request(request.path("body")).inputTokens(), Long::sum);
				}
			}
		}
		catch (IOException | IllegalArgumentException ex) {
			return ChatCompletionsEndpoint.error(400, "invalid_request_error", null,
					"Invalid batch input file: " + ex.getMessage());
		}
		// Batches that ended since anyone looked leave the queue now.
		this.batches.values().forEach(this::ended);
		Batch batch = new Batch(MessagesEndpoint.newId("batch_"), params.path("input_file_id").asText(),
				this.clock.nanoTime(), requests, tokens);
		synchronized (this) {
			String over = tokens.keySet()
				.stream()
				.filter((model) -> this.enqueued.getOrDefault(model, 0L) + tokens.get(model) > this.properties
					.getOpenaiBatchQueueTokens())
				.findFirst()
				.orElse(null);
			if (over != null) {
				batch.failure = "Enqueued token limit reached for " + over + ". Limit: "
						+ this.properties.getOpenaiBatchQueueTokens()
						+ " enqueued tokens. Please try again once some in_progress batches have been completed.";
				batch.ended = true;
			}
			else {
				tokens.forEach((model, count) -> this.enqueued.merge(model, count, Long::sum));
			}
		}
		this.batches.put(batch.id, batch);
		return new Reply(200, new LinkedHashMap<>(), batch.json());
	}

	/**
	 * Retrieve a batch.
	 * @param id the batch id
	 * @return the batch, or a 404
	 */
	Reply retrieve(String id) {
		Batch batch = this.batches.get(id);
		if (batch == null) {
			return ChatCompletionsEndpoint.error(404, "invalid_request_error", null,
					"No batch found with id '" + id + "'");
		}
		ended(batch);
		return new Reply(200, new LinkedHashMap<>(), batch.json());
	}

	/**
	 * Return the input tokens in the queue of a model.
	 * @param model the model
	 * @return the enqueued tokens
	 */
	synchronized long enqueued(String model) {
		return this.enqueued.getOrDefault(model, 0L);
	}

	// A batch ends on the first look after its delay: its output file is written and its
	// tokens leave the queue.
	private void ended(Batch batch) {
		if (batch.ended || this.clock.nanoTime() - batch.createdNanos < this.properties.getOpenaiBatchCompletionDelay()
			.toNanos()) {
			return;
		}
		synchronized (this) {
			if (batch.ended) {
				return;
			}
			StringBuilder output = new StringBuilder();
			for (JsonNode request : batch.requests) {
				ObjectNode line = JSON.objectNode();
				line.put("id", MessagesEndpoint.newId("batch_req_"));
				line.put("custom_id", request.path("custom_id").asText());
				line.putObject("response")
					.put("status_code", 200)
					.put("request_id", MessagesEndpoint.newId("req_"))
					.set("body",
							ChatCompletionsEndpoint.completion(ChatCompletionsEndpoint.request(request.path("body")),
									this.clock.instantAt(this.clock.nanoTime()).getEpochSecond()));
				line.putNull("error");
				output.append(line).append('\n');
			}
			batch.outputFileId = MessagesEndpoint.newId("file-");
			this.files.put(batch.outputFileId, output.toString());
			batch.tokens.forEach((model, count) -> this.enqueued.merge(model, -count, Long::sum));
			batch.ended = true;
		}
	}

	private ObjectNode file(String id, String filename, long bytes) {
		ObjectNode file = JSON.objectNode();
		file.put("id", id);
		file.put("object", "file");
		file.put("bytes", bytes);
		file.put("created_at", this.clock.instantAt(this.clock.nanoTime()).getEpochSecond());
		file.put("filename", filename);
		file.put("purpose", "batch");
		file.put("status", "processed");
		return file;
	}

	private final class Batch {

		final String id;

		final String inputFileId;

		final long createdNanos;

		final List<JsonNode> requests;

		final Map<String, Long> tokens;

		final long createdAt;

		volatile boolean ended;

		volatile String outputFileId;

		volatile String failure;

		Batch(String id, String inputFileId, long createdNanos, List<JsonNode> requests, Map<String, Long> tokens) {
			this.id = id;
			this.inputFileId = inputFileId;
			this.createdNanos = createdNanos;
			this.createdAt = OpenAiBatchesEndpoint.this.clock.instantAt(createdNanos).getEpochSecond();
			this.requests = List.copyOf(requests);
			this.tokens = tokens;
		}

		ObjectNode json() {
			ObjectNode json = JSON.objectNode();
			json.put("id", this.id);
			json.put("object", "batch");
			json.put("endpoint", CHAT_COMPLETIONS);
			json.put("input_file_id", this.inputFileId);
			json.put("completion_window", "24h");
			String status = (this.failure != null) ? "failed" : this.ended ? "completed" : "in_progress";
			json.put("status", status);
			json.put("output_file_id", this.outputFileId);
			json.putNull("error_file_id");
			json.put("created_at", this.createdAt);
			json.put("expires_at", this.createdAt + 86_400);
			int total = this.requests.size();
			boolean completed = "completed".equals(status);
			json.putObject("request_counts")
				.put("total", total)
				.put("completed", completed ? total : 0)
				.put("failed", 0);
			if (this.failure != null) {
				ObjectNode errors = json.putObject("errors");
				errors.put("object", "list");
				errors.putArray("data").addObject().put("code", "token_limit_exceeded").put("message", this.failure);
			}
			return json;
		}

	}

}
