package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.llmquota.sample.simulator.MessagesEndpoint.Call;
import io.github.llmquota.sample.simulator.MessagesEndpoint.Reply;
import io.github.llmquota.sample.simulator.SimulatedModel.Refusal;
import io.github.llmquota.sample.simulator.SimulatedModel.Usage;

/**
 * OpenAI's Chat Completions API's behaviour apart from HTTP
 * ({@code /v1/chat/completions}): a request body in; a status, OpenAI's
 * {@code x-ratelimit-*} headers and a JSON body out, in OpenAI's shapes.
 * <p>
 * A call is charged against the same per-model buckets as a Messages call: one request,
 * its input estimate, and its {@code max_completion_tokens} (or {@code max_tokens}) of
 * output reserved at admission and given back unused when it finishes; a streamed call
 * takes its output as it is emitted instead, as {@link MessagesEndpoint} does. There is
 * no prompt cache. A call over a limit is refused with OpenAI's 429 body,
 * {@code rate_limit_exceeded} with "Please try again in …", and takes nothing.
 * Thread-safe.
 */
final class ChatCompletionsEndpoint {

	// OpenAI's 429 messages name the organization; the simulator has only this one.
	private static final String ORGANIZATION = "org-simulator";

	private static final String RATE_LIMITS_PAGE = "Visit https://platform.openai.com/account/rate-limits to learn more.";

	private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

	private final ObjectMapper objectMapper;

	private final Map<String, SimulatedModel> models;

	private final SimulatorClock clock;

	ChatCompletionsEndpoint(ObjectMapper objectMapper, Map<String, SimulatedModel> models, SimulatorClock clock) {
		this.objectMapper = objectMapper;
		this.models = models;
		this.clock = clock;
	}

	/**
	 * Read a request and admit or refuse it. A request with {@code "stream": true} has
	 * its output taken from the output bucket as it is emitted ({@link Call#emit(long)}),
	 * not reserved.
	 * @param body the raw request body
	 * @return the call: an error already answered, or an admitted request to finish
	 */
	Call begin(byte[] body) {
		JsonNode root;
		MessagesRequest request;
		try {
			root = this.objectMapper.readTree(body);
			request = request(root);
		}
		catch (IOException ex) {
			return Call.answered(error(400, "invalid_request_error", null, "The request body is not valid JSON"));
		}
		catch (IllegalArgumentException ex) {
			return Call.answered(error(400, "invalid_request_error", null, ex.getMessage()));
		}
		SimulatedModel model = this.models.get(request.model());
		if (model == null) {
			return Call.answered(error(404, "invalid_request_error", "model_not_found",
					"The model `" + request.model() + "` does not exist or you do not have access to it."));
		}
		boolean streamed = streamed(root);
		Optional<Refusal> refusal = streamed ? model.admitStream(request.inputTokens(), request.maxTokens())
				: model.admit(request.inputTokens(), request.maxTokens());
		if (refusal.isPresent()) {
			Reply reply = rateLimited(request.model(), refusal.get());
			reply.headers().putAll(model.openAiRateLimitHeaders());
			return Call.answered(reply);
		}
		return new Call(true, () -> complete(model, request, streamed), streamed ? model : null);
	}

	/**
	 * Return whether a request asks for a stream.
	 * @param root the parsed body
	 * @return whether {@code stream} is {@code true}
	 */
	static boolean streamed(JsonNode root) {
		return root.path("stream").asBoolean(false);
	}

	/**
	 * Return whether a streamed request asks for a last chunk with the usage.
	 * @param root the parsed body
	 * @return whether {@code stream_options.include_usage} is {@code true}
	 */
	static boolean includeUsage(JsonNode root) {
		return root.path("stream_options").path("include_usage").asBoolean(false);
	}

	private Reply complete(SimulatedModel model, MessagesRequest request, boolean streamed) {
		long outputTokens = Math.min(request.maxTokens(), request.answerTokens());
		Usage usage = new Usage(request.inputTokens(), 0, 0, outputTokens);
		if (streamed) {
			model.completeStream(usage);
		}
		else {
			model.complete(request.maxTokens(), usage);
		}
		Map<String, String> headers = new LinkedHashMap<>(model.openAiRateLimitHeaders());
		headers.put("x-request-id", MessagesEndpoint.newId("req_"));
		return new Reply(200, headers,
				completion(request, this.clock.instantAt(this.clock.nanoTime()).getEpochSecond()));
	}

	/**
	 * Return the message of OpenAI's 429 for a refusal, in the form of real captures
	 * (providers.md §3.3): "Rate limit reached for <model> in organization <org> on
	 * tokens per min (TPM): Limit L, Used U, Requested R. Please try again in 1.146s.",
	 * or "Request too large for …" when the request can never fit.
	 * @param model the model
	 * @param refusal the refusal
	 * @return the message
	 */
	static String rateLimitMessage(String model, Refusal refusal) {
		String on = " in organization " + ORGANIZATION + " on " + ((refusal.limit() == SimulatedModel.Limit.REQUESTS)
				? "requests per min (RPM)" : "tokens per min (TPM)") + ": Limit " + refusal.perMinute();
		if (refusal.tooLarge()) {
			return "Request too large for " + model + on + ", Requested " + refusal.requested()
					+ ". The input or output tokens must be reduced in order to run successfully. " + RATE_LIMITS_PAGE;
		}
		return "Rate limit reached for " + model + on + ", Used " + refusal.used() + ", Requested "
				+ refusal.requested() + ". Please try again in " + GoDuration.format(refusal.waitNanos()) + ". "
				+ RATE_LIMITS_PAGE;
	}

	private static Reply rateLimited(String model, Refusal refusal) {
		Reply reply = error(429, (refusal.limit() == SimulatedModel.Limit.REQUESTS) ? "requests" : "tokens",
				"rate_limit_exceeded", rateLimitMessage(model, refusal));
		if (!refusal.tooLarge()) {
			// "Retry-After may be present on 429 responses caused by a temporary rate
			// limit" (OpenAI's rate-limits guide); never on a request that cannot fit.
			reply.headers().put("retry-after", Long.toString((refusal.waitNanos() + 999_999_999) / 1_000_000_000));
		}
		return reply;
	}

	/**
	 * Return an error in OpenAI's shape, with a fresh request id in the
	 * {@code x-request-id} header.
	 * @param status the HTTP status
	 * @param type the {@code error.type}
	 * @param code the {@code error.code}, or {@code null}
	 * @param message the {@code error.message}
	 * @return the reply, whose headers may be added to
	 */
	static Reply error(int status, String type, String code, String message) {
		ObjectNode body = JSON.objectNode();
		ObjectNode error = body.putObject("error").put("message", message).put("type", type).putNull("param");
		error.put("code", code);
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("x-request-id", MessagesEndpoint.newId("req_"));
		return new Reply(status, headers, body);
	}

	/**
	 * Read a Chat Completions body as a Messages request: the same model and messages (a
	 * system message counts as a message), max_tokens from {@code max_completion_tokens}
	 * or the older {@code max_tokens}, else 4,096.
	 * @param body the request body
	 * @return the request
	 * @throws IllegalArgumentException with a message for an
	 * {@code invalid_request_error} if a field the simulator needs is missing or
	 * malformed
	 */
	static MessagesRequest request(JsonNode body) {
		if (!body.isObject()) {
			throw new IllegalArgumentException("Request body must be a JSON object");
		}
		ObjectNode messages = body.deepCopy();
		JsonNode max = body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
		messages.put("max_tokens", (max != null && max.canConvertToLong()) ? max.asLong() : 4096);
		return MessagesRequest.of(messages);
	}

	/**
	 * Return the {@code chat.completion} that answers a request.
	 * @param request the request
	 * @param created its {@code created} time, in epoch seconds
	 * @return the completion, with its usage
	 */
	static ObjectNode completion(MessagesRequest request, long created) {
		long outputTokens = Math.min(request.maxTokens(), request.answerTokens());
		ObjectNode completion = JSON.objectNode();
		completion.put("id", MessagesEndpoint.newId("chatcmpl-"));
		completion.put("object", "chat.completion");
		completion.put("created", created);
		completion.put("model", request.model());
		ObjectNode choice = completion.putArray("choices").addObject();
		choice.put("index", 0);
		choice.putObject("message")
			.put("role", "assistant")
			.put("content", MessagesEndpoint.answer(outputTokens))
			.putNull("refusal");
		choice.putNull("logprobs");
		choice.put("finish_reason", (request.answerTokens() > request.maxTokens()) ? "length" : "stop");
		completion.putObject("usage")
			.put("prompt_tokens", request.inputTokens())
			.put("completion_tokens", outputTokens)
			.put("total_tokens", request.inputTokens() + outputTokens);
		completion.put("service_tier", "default");
		return completion;
	}

	/**
	 * Return one {@code chat.completion.chunk} of a completion's stream.
	 * @param completion the completion the stream sends
	 * @param delta the chunk's {@code delta}
	 * @param finishReason the {@code finish_reason}, on the last chunk with a choice only
	 * @param includeUsage whether the stream ends with a usage chunk, so that every other
	 * chunk carries {@code "usage": null}
	 * @return the chunk
	 */
	static ObjectNode chunk(JsonNode completion, ObjectNode delta, String finishReason, boolean includeUsage) {
		ObjectNode chunk = chunkOf(completion);
		ObjectNode choice = chunk.putArray("choices").addObject();
		choice.put("index", 0);
		choice.set("delta", delta);
		choice.putNull("logprobs");
		choice.put("finish_reason", finishReason);
		if (includeUsage) {
			chunk.putNull("usage");
		}
		return chunk;
	}

	/**
	 * Return the last chunk of a stream asked for with
	 * {@code stream_options.include_usage}: no choices, and the completion's usage.
	 * @param completion the completion the stream sent
	 * @return the chunk
	 */
	static ObjectNode usageChunk(JsonNode completion) {
		ObjectNode chunk = chunkOf(completion);
		chunk.putArray("choices");
		chunk.set("usage", completion.path("usage").deepCopy());
		return chunk;
	}

	private static ObjectNode chunkOf(JsonNode completion) {
		ObjectNode chunk = JSON.objectNode();
		chunk.put("id", completion.path("id").asText());
		chunk.put("object", "chat.completion.chunk");
		chunk.put("created", completion.path("created").asLong());
		chunk.put("model", completion.path("model").asText());
		return chunk;
	}

}
