package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.time.Instant;
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
 * The Message Batches API's behaviour apart from HTTP ({@code /v1/messages/batches}): a
 * batch is created if its requests fit in the processing queue (its own limit, apart from
 * the Messages buckets), ends a configured delay after it was created, and then answers
 * each request with a simulated message. Thread-safe.
 */
final class BatchesEndpoint {

	private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

	private final ObjectMapper objectMapper;

	private final SimulatorProperties properties;

	private final SimulatorClock clock;

	private final Map<String, Batch> batches = new ConcurrentHashMap<>();

	private long queued;

	BatchesEndpoint(ObjectMapper objectMapper, SimulatorProperties properties, SimulatorClock clock) {
		this.objectMapper = objectMapper;
		this.properties = properties;
		this.clock = clock;
	}

	/**
	 * Create a batch.
	 * @param body the request body, {@code {"requests": [{"custom_id", "params"}]}}
	 * @return the batch, or an error
	 */
	Reply create(byte[] body) {
		List<JsonNode> requests = new ArrayList<>();
		try {
			this.objectMapper.readTree(body).path("requests").forEach(requests::add);
		}
		catch (IOException ex) {
			return MessagesEndpoint.error(400, "invalid_request_error", "The request body is not valid JSON");
		}
		if (requests.isEmpty()) {
			return MessagesEndpoint.error(400, "invalid_request_error", "requests: at least one request is required");
		}
		// Batches that ended since anyone looked leave the queue now.
		this.batches.values().forEach(this::ended);
		synchronized (this) {
			if (this.queued + requests.size() > this.properties.getBatchQueueLimit()) {
				return MessagesEndpoint.error(429, "rate_limit_error",
						"This batch would exceed your organization's limit of " + this.properties.getBatchQueueLimit()
								+ " batch requests in the processing queue. Please try again later.");
			}
			this.queued += requests.size();
		}
		Batch batch = new Batch(MessagesEndpoint.newId("msgbatch_"), this.clock.nanoTime(), requests);
		this.batches.put(batch.id, batch);
		return new Reply(200, new LinkedHashMap<>(), batch.json(ended(batch)));
	}

	/**
	 * Retrieve a batch.
	 * @param id the batch id
	 * @param baseUrl the simulator's base URL, for the results URL
	 * @return the batch, or a 404
	 */
	Reply retrieve(String id, String baseUrl) {
		Batch batch = this.batches.get(id);
		if (batch == null) {
			return MessagesEndpoint.error(404, "not_found_error", "batch: " + id);
		}
		boolean ended = ended(batch);
		ObjectNode json = batch.json(ended);
		if (ended) {
			json.put("results_url", baseUrl + "/v1/messages/batches/" + id + "/results");
		}
		return new Reply(200, new LinkedHashMap<>(), json);
	}

	/**
	 * Return the results of an ended batch as JSON lines, or {@code null} when the batch
	 * is unknown or has not ended.
	 * @param id the batch id
	 * @return the results
	 */
	String results(String id) {
		Batch batch = this.batches.get(id);
		if (batch == null || !ended(batch)) {
			return null;
		}
		StringBuilder lines = new StringBuilder();
		for (JsonNode request : batch.requests) {
			ObjectNode line = JSON.objectNode();
			line.put("custom_id", request.path("custom_id").asText());
			line.putObject("result").put("type", "succeeded").set("message", message(request.path("params")));
			lines.append(line).append('\n');
		}
		return lines.toString();
	}

	private static ObjectNode message(JsonNode params) {
		MessagesRequest request = MessagesRequest.of(params);
		long outputTokens = Math.min(request.maxTokens(), request.answerTokens());
		ObjectNode message = JSON.objectNode();
		message.put("id", MessagesEndpoint.newId("msg_"));
		message.put("type", "message");
		message.put("role", "assistant");
		message.put("model", request.model());
		message.putArray("content").addObject().put("type", "text").put("text", MessagesEndpoint.answer(outputTokens));
		message.put("stop_reason", (request.answerTokens() > request.maxTokens()) ? "max_tokens" : "end_turn");
		message.putNull("stop_sequence");
		message.putObject("usage")
			.put("input_tokens", request.inputTokens())
			.put("output_tokens", outputTokens)
			.put("service_tier", "batch");
		return message;
	}

	// A batch ends on the first look after its delay, and leaves the queue then.
	private boolean ended(Batch batch) {
		if (batch.ended) {
			return true;
		}
		if (this.clock.nanoTime() - batch.createdNanos < this.properties.getBatchCompletionDelay().toNanos()) {
			return false;
		}
		synchronized (this) {
			if (!batch.ended) {
				batch.ended = true;
				this.queued -= batch.requests.size();
			}
		}
		return true;
	}

	/**
	 * Return the requests in the processing queue.
	 * @return the queued requests
	 */
	synchronized long queued() {
		return this.queued;
	}

	private static final class Batch {

		final String id;

		final long createdNanos;

		final List<JsonNode> requests;

		final Instant createdAt = Instant.now();

		volatile boolean ended;

		Batch(String id, long createdNanos, List<JsonNode> requests) {
			this.id = id;
			this.createdNanos = createdNanos;
			this.requests = List.copyOf(requests);
		}

		ObjectNode json(boolean ended) {
			ObjectNode json = JSON.objectNode();
			json.put("id", this.id);
			json.put("type", "message_batch");
			json.put("processing_status", ended ? "ended" : "in_progress");
			json.putObject("request_counts")
				.put("processing", ended ? 0 : this.requests.size())
				.put("succeeded", ended ? this.requests.size() : 0)
				.put("errored", 0)
				.put("canceled", 0)
				.put("expired", 0);
			json.put("created_at", this.createdAt.toString());
			json.put("expires_at", this.createdAt.plusSeconds(86_400).toString());
			if (ended) {
				json.put("ended_at", Instant.now().toString());
			}
			else {
				json.putNull("ended_at");
			}
			json.putNull("cancel_initiated_at");
			json.putNull("archived_at");
			json.putNull("results_url");
			return json;
		}

	}

}
