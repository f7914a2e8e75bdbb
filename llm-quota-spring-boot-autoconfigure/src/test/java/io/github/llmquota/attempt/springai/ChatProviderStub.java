package io.github.llmquota.attempt.springai;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local Anthropic Messages and OpenAI Chat Completions endpoint for Spring AI's chat
 * models, on a free loopback port. It answers from a script, then with a 200 (a JSON body,
 * or server-sent events when the request asks to stream), and counts every attempt it
 * sees together with the number of admissions the engine had granted when it arrived.
 */
final class ChatProviderStub implements AutoCloseable {

	static final String ANTHROPIC_PATH = "/v1/messages";

	static final String OPENAI_PATH = "/v1/chat/completions";

	private static final ObjectMapper JSON = new ObjectMapper();

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final IntSupplier admissions;

	private final Queue<Answer> script = new ConcurrentLinkedQueue<>();

	private final List<Attempt> attempts = new ArrayList<>();

	private ChatProviderStub(IntSupplier admissions) {
		this.admissions = admissions;
		try {
			this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.server.createContext("/", this::handle);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	/**
	 * Start a stub.
	 * @param admissions the admissions the engine has granted so far, read as each attempt
	 * arrives
	 * @return the running stub
	 */
	static ChatProviderStub start(IntSupplier admissions) {
		return new ChatProviderStub(admissions);
	}

	String baseUrl() {
		return "http://" + this.server.getAddress().getHostString() + ":" + this.server.getAddress().getPort();
	}

	/**
	 * Answer the next attempts with these, in order; later attempts get a 200.
	 * @param answers the answers
	 */
	void enqueue(Answer... answers) {
		this.script.addAll(List.of(answers));
	}

	synchronized List<Attempt> attempts() {
		return List.copyOf(this.attempts);
	}

	/**
	 * Return the attempts that reached the provider before an admission of their own: the
	 * n-th attempt is admitted only if at least n admissions had been granted when it
	 * arrived, since each attempt needs one and an admission precedes its send.
	 * @return the attempts sent without quota
	 */
	synchronized List<Attempt> unadmittedAttempts() {
		return this.attempts.stream().filter((attempt) -> attempt.admissionsAtArrival() < attempt.number()).toList();
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			JsonNode request = JSON.readTree(exchange.getRequestBody());
			Answer answer = this.script.poll();
			Attempt attempt = record(exchange.getRequestURI().getPath(), request,
					(answer != null) ? answer.status() : 200);
			if (answer != null) {
				answer.awaitRelease();
			}
			if (answer != null && answer.status() != 200) {
				respond(exchange, answer.status(), answer.headers(), answer.body());
			}
			else if (attempt.stream()) {
				streamOk(exchange, attempt);
			}
			else {
				respond(exchange, 200, Map.of(), ok(attempt));
			}
		}
	}

	private synchronized Attempt record(String path, JsonNode request, int status) {
		Attempt attempt = new Attempt(this.attempts.size() + 1, path, request.path("model").asText(),
				request.path("stream").asBoolean(), this.admissions.getAsInt(), status);
		this.attempts.add(attempt);
		return attempt;
	}

	private static String ok(Attempt attempt) {
		if (attempt.path().endsWith(ANTHROPIC_PATH)) {
			return """
					{"id":"msg_%d","type":"message","role":"assistant","model":"%s",
					"content":[{"type":"text","text":"answer %d"}],"stop_reason":"end_turn","stop_sequence":null,
					"usage":{"input_tokens":12,"output_tokens":5}}""".formatted(attempt.number(), attempt.model(),
					attempt.number());
		}
		return """
				{"id":"chatcmpl-%d","object":"chat.completion","created":1765000000,"model":"%s",
				"choices":[{"index":0,"message":{"role":"assistant","content":"answer %d"},"finish_reason":"stop"}],
				"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}""".formatted(attempt.number(),
				attempt.model(), attempt.number());
	}

	private static void streamOk(HttpExchange exchange, Attempt attempt) throws IOException {
		List<String> events = new ArrayList<>();
		if (attempt.path().endsWith(ANTHROPIC_PATH)) {
			events.add("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_"
					+ attempt.number() + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + attempt.model()
					+ "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
					+ "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}");
			events.add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
					+ "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
			events.add("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
					+ "\"delta\":{\"type\":\"text_delta\",\"text\":\"answer " + attempt.number() + "\"}}");
			events.add("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}");
			events.add("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
					+ "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}");
			events.add("event: message_stop\ndata: {\"type\":\"message_stop\"}");
		}
		else {
			String chunk = "data: {\"id\":\"chatcmpl-" + attempt.number()
					+ "\",\"object\":\"chat.completion.chunk\",\"created\":1765000000,\"model\":\"" + attempt.model()
					+ "\",\"choices\":[{\"index\":0,";
			events.add(chunk + "\"delta\":{\"role\":\"assistant\",\"content\":\"answer " + attempt.number()
					+ "\"},\"finish_reason\":null}]}");
			events.add(chunk + "\"delta\":{},\"finish_reason\":\"stop\"}]}");
			events.add("data: [DONE]");
		}
		respond(exchange, 200, Map.of("Content-Type", "text/event-stream"), String.join("\n\n", events) + "\n\n");
	}

	private static void respond(HttpExchange exchange, int status, Map<String, String> headers, String body)
			throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		headers.forEach(exchange.getResponseHeaders()::set);
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	/**
	 * One request the stub saw.
	 *
	 * @param number its place in arrival order, from 1
	 * @param path the request path
	 * @param model the model the request body named
	 * @param stream whether the request asked to stream
	 * @param admissionsAtArrival the admissions granted when it arrived
	 * @param status the status it was answered with
	 */
	record Attempt(int number, String path, String model, boolean stream, int admissionsAtArrival, int status) {

	}

	/**
	 * A scripted answer.
	 *
	 * @param status the HTTP status
	 * @param headers the response headers
	 * @param body the response body
	 * @param release counted down to let the answer go, or {@code null} to answer at once
	 */
	record Answer(int status, Map<String, String> headers, String body, CountDownLatch release) {

		static Answer anthropicRateLimited() {
			return new Answer(429, Map.of("retry-after", "1", "x-should-retry", "true"), """
					{"type":"error","error":{"type":"rate_limit_error",
					"message":"This request would exceed the rate limit for your organization"}}""", null);
		}

		static Answer anthropicOverloaded() {
			return new Answer(529, Map.of("x-should-retry", "true"), """
					{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", null);
		}

		static Answer anthropicSpendCap() {
			return new Answer(429, Map.of(), """
					{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified \
					workspace API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}""", null);
		}

		static Answer openAiRateLimited() {
			return new Answer(429, Map.of("retry-after", "1"), """
					{"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, \
					Used 3, Requested 1. Please try again in 1s.","type":"requests","param":null,\
					"code":"rate_limit_exceeded"}}""", null);
		}

		static Answer openAiInsufficientQuota() {
			return new Answer(429, Map.of(), """
					{"error":{"message":"You exceeded your current quota, please check your plan and billing \
					details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", null);
		}

		/**
		 * A 200 that is sent only once the latch is counted down.
		 * @param release the latch
		 * @return the answer
		 */
		static Answer okOnceReleased(CountDownLatch release) {
			return new Answer(200, Map.of(), "", release);
		}

		Answer {
			headers = new LinkedHashMap<>(headers);
		}

		void awaitRelease() {
			if (this.release == null) {
				return;
			}
			try {
				// Bounded, so that a test that never releases cannot hang the build.
				this.release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
