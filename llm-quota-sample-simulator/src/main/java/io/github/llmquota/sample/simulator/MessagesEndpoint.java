package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.llmquota.sample.simulator.SimulatedModel.Refusal;
import io.github.llmquota.sample.simulator.SimulatedModel.Usage;

/**
 * The Messages API's behaviour apart from HTTP: a request body in; a status, headers and
 * a JSON body out.
 * <p>
 * A call has two steps so that the generation time passes between them, as it does at
 * Anthropic: {@link #begin} admits the request, taking its input tokens and reserving
 * max_tokens of output, and {@link Call#finish()} produces the answer and gives back the
 * output tokens it did not use. Thread-safe.
 */
final class MessagesEndpoint {

	// Anthropic's 429 messages name the organization; the simulator has only this one.
	private static final String ORGANIZATION = "00000000-0000-0000-0000-000000000000";

	private static final String ANSWER_TEXT = "This is a simulated answer from the llm-quota provider simulator. ";

	private static final String ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

	private final ObjectMapper objectMapper;

	private final Map<String, SimulatedModel> models;

	private final PromptCache cache;

	private final SimulatorClock clock;

	MessagesEndpoint(ObjectMapper objectMapper, Map<String, SimulatedModel> models, PromptCache cache,
			SimulatorClock clock) {
		this.objectMapper = objectMapper;
		this.models = models;
		this.cache = cache;
		this.clock = clock;
	}

	/**
	 * Read a request and admit or refuse it.
	 * @param body the raw request body
	 * @return the call: an error already answered, or an admitted request to finish
	 */
	Call begin(byte[] body) {
		return begin(body, false);
	}

	/**
	 * Read a streamed request and admit or refuse it. Its output is taken from the output
	 * bucket as it is emitted ({@link Call#emit(long)}), not reserved at admission.
	 * @param body the raw request body
	 * @return the call: an error already answered, or an admitted request to finish
	 */
	Call beginStream(byte[] body) {
		return begin(body, true);
	}

	private Call begin(byte[] body, boolean streamed) {
		MessagesRequest request;
		try {
			request = MessagesRequest.of(this.objectMapper.readTree(body));
		}
		catch (IOException ex) {
			return Call.answered(error(400, "invalid_request_error", "The request body is not valid JSON"));
		}
		catch (IllegalArgumentException ex) {
			return Call.answered(error(400, "invalid_request_error", ex.getMessage()));
		}
		SimulatedModel model = this.models.get(request.model());
		if (model == null) {
			return Call.answered(error(404, "not_found_error", "model: " + request.model()));
		}
		PromptCache.Lookup lookup = this.cache.lookup(request, this.clock.nanoTime());
		Optional<Refusal> refusal = streamed ? model.admitStream(lookup.inputCharge(), request.maxTokens())
				: model.admit(lookup.inputCharge(), request.maxTokens());
		if (refusal.isPresent()) {
			return Call.answered(rateLimited(model, refusal.get()));
		}
		this.cache.record(lookup, this.clock.nanoTime());
		return new Call(true, () -> complete(model, request, lookup, streamed), streamed ? model : null);
	}

	private Reply complete(SimulatedModel model, MessagesRequest request, PromptCache.Lookup lookup, boolean streamed) {
		long outputTokens = Math.min(request.maxTokens(), request.answerTokens());
		Usage usage = new Usage(lookup.inputTokens(), lookup.cacheCreationInputTokens(), lookup.cacheReadInputTokens(),
				outputTokens);
		if (streamed) {
			model.completeStream(usage);
		}
		else {
			model.complete(request.maxTokens(), usage);
		}
		ObjectNode body = JSON.objectNode();
		body.put("id", newId("msg_"));
		body.put("type", "message");
		body.put("role", "assistant");
		body.put("model", request.model());
		body.putArray("content").addObject().put("type", "text").put("text", answer(outputTokens));
		body.put("stop_reason", (request.answerTokens() > request.maxTokens()) ? "max_tokens" : "end_turn");
		body.putNull("stop_sequence");
		body.putObject("usage")
			.put("input_tokens", lookup.inputTokens())
			.put("cache_creation_input_tokens", lookup.cacheCreationInputTokens())
			.put("cache_read_input_tokens", lookup.cacheReadInputTokens())
			.put("output_tokens", outputTokens);
		Map<String, String> headers = new LinkedHashMap<>(model.rateLimitHeaders());
		headers.put("request-id", newId("req_"));
		return new Reply(200, headers, body);
	}

	private Reply rateLimited(SimulatedModel model, Refusal refusal) {
		String limit = String.format(Locale.US, "the rate limit for your organization (%s) of %,d %s per minute",
				ORGANIZATION, refusal.perMinute(), refusal.limit().unit());
		Reply reply = error(429, "rate_limit_error", refusal.tooLarge()
				? "Request too large: this request alone exceeds " + limit
						+ ", so it can never be admitted. Please reduce the prompt length or the maximum tokens requested."
				: "This request would exceed " + limit + ". For details, refer to: "
						+ "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
						+ "Please reduce the prompt length or the maximum tokens requested, or try again later.");
		reply.headers().putAll(model.rateLimitHeaders());
		if (refusal.tooLarge()) {
			// Anthropic's SDKs, and llm-quota, obey x-should-retry before anything else.
			reply.headers().put("x-should-retry", "false");
		}
		else {
			reply.headers().put("retry-after", Long.toString(ceilSeconds(refusal.waitNanos())));
			reply.headers().put("x-should-retry", "true");
		}
		return reply;
	}

	/**
	 * Return Anthropic's answer when it lacks capacity: {@code 529 overloaded_error},
	 * which its SDKs retry with their own backoff.
	 * @return the reply
	 */
	static Reply overloaded() {
		Reply reply = error(529, "overloaded_error", "Overloaded");
		reply.headers().put("x-should-retry", "true");
		return reply;
	}

	/**
	 * Return an error in Anthropic's shape, with a fresh request id in the body and in
	 * the {@code request-id} header.
	 * @param status the HTTP status
	 * @param type the {@code error.type}
	 * @param message the {@code error.message}
	 * @return the reply, whose headers may be added to
	 */
	static Reply error(int status, String type, String message) {
		String requestId = newId("req_");
		ObjectNode body = JSON.objectNode();
		body.put("type", "error");
		body.putObject("error").put("type", type).put("message", message);
		body.put("request_id", requestId);
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("request-id", requestId);
		return new Reply(status, headers, body);
	}

	// The answer is sized so that the input estimate, ceil(chars / 4), would count it as
	// exactly the output tokens reported.
	static String answer(long tokens) {
		StringBuilder text = new StringBuilder();
		while (text.length() < tokens * MessagesRequest.CHARS_PER_TOKEN) {
			text.append(ANSWER_TEXT);
		}
		text.setLength((int) tokens * MessagesRequest.CHARS_PER_TOKEN);
		return text.toString();
	}

	private static long ceilSeconds(long nanos) {
		return (nanos + 999_999_999) / 1_000_000_000;
	}

	static String newId(String prefix) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		StringBuilder id = new StringBuilder(prefix);
		for (int i = 0; i < 24; i++) {
			id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
		}
		return id.toString();
	}

	/**
	 * One request on its way through the simulator.
	 */
	static final class Call {

		private final boolean admitted;

		private final Supplier<Reply> finisher;

		// The model a streamed request's output is counted in, as it is emitted; null
		// for other requests, whose output was reserved at admission.
		private final SimulatedModel streamedTo;

		private long emitted;

		Call(boolean admitted, Supplier<Reply> finisher, SimulatedModel streamedTo) {
			this.admitted = admitted;
			this.finisher = finisher;
			this.streamedTo = streamedTo;
		}

		static Call answered(Reply reply) {
			return new Call(false, () -> reply, null);
		}

		/**
		 * Count output a streamed request emits, as it is emitted.
		 * @param tokens the output tokens of one chunk
		 */
		void emit(long tokens) {
			if (this.streamedTo != null) {
				this.streamedTo.emit(tokens);
				this.emitted += tokens;
			}
		}

		/**
		 * Note that a streamed request's stream ended, sent whole or cut off.
		 */
		void streamEnded() {
			if (this.streamedTo != null) {
				this.streamedTo.streamEnded(this.emitted);
			}
		}

		/**
		 * Return whether the request was admitted, and so should take the simulated
		 * latency before it is finished.
		 */
		boolean admitted() {
			return this.admitted;
		}

		/**
		 * Return the reply, completing an admitted request. Call once.
		 */
		Reply finish() {
			return this.finisher.get();
		}

	}

	/**
	 * A reply to send.
	 *
	 * @param status the HTTP status
	 * @param headers the response headers other than {@code content-type}, in lower case
	 * @param body the JSON body
	 */
	record Reply(int status, Map<String, String> headers, JsonNode body) {
	}

}
