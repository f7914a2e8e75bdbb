package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.sample.simulator.MessagesEndpoint.Call;
import io.github.llmquota.sample.simulator.MessagesEndpoint.Reply;

import org.springframework.context.SmartLifecycle;

/**
 * An Anthropic Messages API and OpenAI Chat Completions API stand-in that enforces
 * Anthropic's per-model token buckets, served on its own loopback port so that the sample
 * calls it over real HTTP, exactly as it would call the provider.
 * <p>
 * Endpoints:
 * <ul>
 * <li>{@code POST /v1/messages}: a Messages call; with {@code "stream": true} its answer
 * is a server-sent event stream in Anthropic's shape ({@code message_start}, text deltas
 * spread over the simulated latency, {@code message_delta} with the usage,
 * {@code message_stop}), whose output is taken from the output bucket as each delta is
 * sent rather than reserved at admission (Anthropic's current documentation: output
 * counts as it is produced, {@code max_tokens} does not); see
 * {@link #streamingOutput(String)}. {@code x-api-key} and {@code anthropic-version} are
 * accepted and ignored. Answers carry Anthropic's body shapes and the
 * {@code anthropic-ratelimit-*}, {@code retry-after}, {@code x-should-retry} and
 * {@code request-id} headers, so that the official SDKs parse them as they parse
 * Anthropic's. {@link #overloadNext(int)}, and {@code sample.simulator.overload-ratio} at
 * random, make it answer {@code 529 overloaded_error}.</li>
 * <li>{@code POST /v1/messages/batches}, {@code GET /v1/messages/batches/{id}} and its
 * {@code /results}: Message Batches ({@link BatchesEndpoint}).</li>
 * <li>{@code POST /v1/chat/completions}: an OpenAI Chat Completions call
 * ({@link ChatCompletionsEndpoint}) on the same per-model buckets, with OpenAI's
 * {@code x-ratelimit-*} headers and 429 body; with {@code "stream": true} its answer is
 * OpenAI's server-sent event stream ({@code data:} chunks spread over the simulated
 * latency, the last with a {@code finish_reason}, then with
 * {@code stream_options.include_usage} a chunk with the usage, then
 * {@code data: [DONE]}), whose output is taken as each chunk is sent, as for Messages.
 * Base URL for the OpenAI SDKs: {@link #baseUrl()} + {@code /v1}.</li>
 * <li>{@code POST /v1/files}, {@code GET /v1/files/{id}/content}, {@code DELETE
 * /v1/files/{id}}, {@code POST /v1/batches} and {@code GET /v1/batches/{id}}: OpenAI's
 * Files and Batch APIs for Chat Completions batches ({@link OpenAiBatchesEndpoint}).</li>
 * <li>{@code GET /stats}: {@link #stats()} as JSON; {@code POST /stats/reset}:
 * {@link #resetStats()}.</li>
 * </ul>
 * <p>
 * It runs on the JDK's own {@code com.sun.net.httpserver} rather than a second Tomcat
 * connector: a second connector would share the application's servlet stack, so every
 * controller would also answer on the provider's port and the simulator would need a
 * filter to tell the ports apart. The JDK server needs no dependency and keeps the two
 * apart by construction. It writes header names with a capital first letter; HTTP header
 * names are case-insensitive, and every HTTP client treats them so.
 * <p>
 * The port is bound on construction, so {@link #baseUrl()} is known before the
 * application context starts any lifecycle; requests are served from {@link #start()}.
 * {@link #stop()} releases the port, and a later {@link #start()} binds the same port
 * again. Thread-safe.
 */
public class ProviderSimulator implements SmartLifecycle, AutoCloseable {

	/**
	 * The lifecycle phase: before the quota engine and the web server start, and after
	 * they stop, so that no caller outlives the provider it calls.
	 */
	public static final int PHASE = DefaultQuotaEngine.PHASE - 1;

	// Anthropic refuses larger Messages bodies with a 413.
	private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

	// A streamed text delta: about ten tokens at four characters per token.
	private static final int STREAM_DELTA_CHARS = 40;

	private static final String HOST = "127.0.0.1";

	private final SimulatorProperties properties;

	private final SimulatorClock clock;

	private final ObjectMapper objectMapper = new ObjectMapper();

	private final Map<String, SimulatedModel> models;

	private final BatchesEndpoint batches;

	private final OpenAiBatchesEndpoint openAiBatches;

	private final MessagesEndpoint endpoint;

	private final ChatCompletionsEndpoint chatCompletions;

	private final int port;

	private final AtomicLong requests = new AtomicLong();

	private final AtomicLong overloaded = new AtomicLong();

	private final AtomicInteger overloadsToSend = new AtomicInteger();

	private HttpServer server;

	private ExecutorService executor;

	private boolean running;

	/**
	 * Create a simulator on the system clock and bind its port.
	 * @param properties the configuration
	 * @throws UncheckedIOException if the port cannot be bound
	 */
	public ProviderSimulator(SimulatorProperties properties) {
		this(properties, SimulatorClock.system());
	}

	/**
	 * Create a simulator and bind its port.
	 * @param properties the configuration
	 * @param clock the clock that drives the token buckets and the reset headers
	 * @throws UncheckedIOException if the port cannot be bound
	 */
	public ProviderSimulator(SimulatorProperties properties, SimulatorClock clock) {
		this.properties = properties;
		this.clock = clock;
		Map<String, SimulatedModel> models = new TreeMap<>();
		properties.getModels().forEach((name, limits) -> models.put(name, new SimulatedModel(limits, clock)));
		this.models = Collections.unmodifiableMap(models);
		this.endpoint = new MessagesEndpoint(this.objectMapper, this.models, new PromptCache(), clock);
		this.chatCompletions = new ChatCompletionsEndpoint(this.objectMapper, this.models, clock);
		this.batches = new BatchesEndpoint(this.objectMapper, properties, clock);
		this.openAiBatches = new OpenAiBatchesEndpoint(this.objectMapper, properties, clock);
		this.server = bind(properties.getPort());
		this.port = this.server.getAddress().getPort();
	}

	/**
	 * Return the URL to use as the Messages API base URL, without a trailing slash, for
	 * example {@code http://127.0.0.1:41234}; append {@code /v1/messages}. Known from
	 * construction, before the simulator serves requests.
	 * @return the base URL
	 */
	public String baseUrl() {
		return "http://" + HOST + ":" + this.port;
	}

	/**
	 * Return the bound port, which is the configured port unless that was 0.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return what the simulator served and refused since it started or was last reset.
	 * @return the figures, by model
	 */
	public SimulatorStats stats() {
		Map<String, SimulatorStats.ModelStats> stats = new TreeMap<>();
		this.models.forEach((name, model) -> stats.put(name, model.stats()));
		return new SimulatorStats(this.requests.get(), this.overloaded.get(), Collections.unmodifiableMap(stats));
	}

	/**
	 * Return the output tokens that the model's streams still open have emitted so far:
	 * the provider's own view of the output in flight.
	 * @param model the model name
	 * @return the output in flight
	 * @throws IllegalArgumentException if the simulator does not serve the model
	 */
	public long streamingOutput(String model) {
		SimulatedModel simulated = this.models.get(model);
		if (simulated == null) {
			throw new IllegalArgumentException("The simulator does not serve model '" + model + "'");
		}
		return simulated.streamingOutput();
	}

	/**
	 * Set every figure to zero. The token buckets and the prompt cache are left as they
	 * are.
	 */
	public void resetStats() {
		this.requests.set(0);
		this.overloaded.set(0);
		this.models.values().forEach(SimulatedModel::resetStats);
	}

	/**
	 * Answer the next {@code count} Messages requests with Anthropic's
	 * {@code 529 overloaded_error}, as Anthropic does when it lacks capacity across all
	 * users: they take nothing from any bucket. Adds to the overloads still to send.
	 * @param count how many requests to refuse, at least 0
	 * @throws IllegalArgumentException if {@code count} is negative
	 */
	public void overloadNext(int count) {
		if (count < 0) {
			throw new IllegalArgumentException("count must not be negative, was " + count);
		}
		this.overloadsToSend.addAndGet(count);
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		if (this.server == null) {
			this.server = bind(this.port);
		}
		// The default executor is the single dispatcher thread, which would serialise the
		// latency of concurrent calls. Concurrency is bounded by the callers: the quota
		// engine caps it per model.
		AtomicInteger threads = new AtomicInteger();
		this.executor = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "provider-simulator-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		this.server.setExecutor(this.executor);
		this.server.createContext("/v1/messages", exchange(this::messages));
		this.server.createContext("/v1/messages/batches", exchange(this::batches));
		this.server.createContext("/v1/chat/completions", exchange(this::chatCompletions));
		this.server.createContext("/v1/files", exchange(this::openAiFiles));
		this.server.createContext("/v1/batches", exchange(this::openAiBatches));
		this.server.createContext("/stats", exchange(this::stats));
		this.server.createContext("/stats/reset", exchange(this::resetStats));
		this.server.start();
		this.running = true;
	}

	@Override
	public synchronized void stop() {
		if (this.server != null) {
			if (!this.running) {
				// The JDK server closes its listening socket on its dispatcher thread, so
				// a server that never started would hold the port until the JVM exits.
				this.server.start();
			}
			this.server.stop(0);
			this.server = null;
		}
		if (this.executor != null) {
			this.executor.shutdownNow();
			this.executor = null;
		}
		this.running = false;
	}

	@Override
	public synchronized boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Stop serving and release the port, whether or not the simulator was started.
	 */
	@Override
	public void close() {
		stop();
	}

	private Reply messages(HttpExchange exchange) throws IOException {
		Post post = readPost(exchange, "/v1/messages", () -> MessagesEndpoint.error(413, "request_too_large",
				"Request exceeds the maximum allowed number of bytes."));
		if (post.refusal() != null) {
			return post.refusal();
		}
		byte[] body = post.body();
		if (this.overloadsToSend.getAndUpdate((left) -> Math.max(left - 1, 0)) > 0
				|| ThreadLocalRandom.current().nextDouble() < this.properties.getOverloadRatio()) {
			this.overloaded.incrementAndGet();
			return MessagesEndpoint.overloaded();
		}
		boolean streaming = streaming(body);
		Call call = streaming ? this.endpoint.beginStream(body) : this.endpoint.begin(body);
		if (!call.admitted()) {
			return call.finish();
		}
		if (!streaming) {
			sleep(latency());
			return call.finish();
		}
		stream(exchange, call, latency());
		return null;
	}

	// A provider call: a POST to path, its body read up to MAX_BODY_BYTES and counted as
	// a
	// request; or the reply that refuses it (another path or method, or a body over the
	// bound, which tooLarge answers in the provider's own words).
	private Post readPost(HttpExchange exchange, String path, Supplier<Reply> tooLarge) throws IOException {
		if (!path.equals(exchange.getRequestURI().getPath())) {
			return new Post(null, notFound(exchange));
		}
		if (!"POST".equals(exchange.getRequestMethod())) {
			return new Post(null, methodNotAllowed("POST"));
		}
		byte[] body;
		try (InputStream in = exchange.getRequestBody()) {
			body = in.readNBytes(MAX_BODY_BYTES + 1);
		}
		this.requests.incrementAndGet();
		return (body.length > MAX_BODY_BYTES) ? new Post(null, tooLarge.get()) : new Post(body, null);
	}

	private record Post(byte[] body, Reply refusal) {
	}

	private boolean streaming(byte[] body) {
		return ChatCompletionsEndpoint.streamed(json(body));
	}

	// Not JSON reads as an empty body: the endpoint answers it.
	private JsonNode json(byte[] body) {
		try {
			return this.objectMapper.readTree(body);
		}
		catch (IOException ex) {
			return this.objectMapper.missingNode();
		}
	}

	private Reply chatCompletions(HttpExchange exchange) throws IOException {
		Post post = readPost(exchange, "/v1/chat/completions", () -> ChatCompletionsEndpoint.error(413,
				"invalid_request_error", null, "Request exceeds the maximum allowed number of bytes."));
		if (post.refusal() != null) {
			return post.refusal();
		}
		byte[] body = post.body();
		Call call = this.chatCompletions.begin(body);
		if (!call.admitted()) {
			return call.finish();
		}
		JsonNode request = json(body);
		if (!ChatCompletionsEndpoint.streamed(request)) {
			sleep(latency());
			return call.finish();
		}
		try {
			streamChatCompletion(exchange, call, latency(), ChatCompletionsEndpoint.includeUsage(request));
		}
		finally {
			call.streamEnded();
		}
		return null;
	}

	// The finished completion as OpenAI streams it: a first chunk with the role, the
	// text in chunks of about ten tokens spread over the latency, a last chunk with the
	// finish reason, the usage chunk if asked for, and [DONE]. Each chunk's output is
	// taken from the output bucket as it is sent.
	private void streamChatCompletion(HttpExchange exchange, Call call, Duration latency, boolean includeUsage)
			throws IOException {
		Reply reply = call.finish();
		JsonNode completion = reply.body();
		String text = completion.path("choices").path(0).path("message").path("content").asText("");
		reply.headers().forEach(exchange.getResponseHeaders()::set);
		exchange.getResponseHeaders().set("content-type", "text/event-stream; charset=utf-8");
		exchange.sendResponseHeaders(200, 0);
		int deltas = Math.max(1, (text.length() + STREAM_DELTA_CHARS - 1) / STREAM_DELTA_CHARS);
		Duration pause = latency.dividedBy(deltas + 1);
		try (OutputStream out = exchange.getResponseBody()) {
			data(out,
					ChatCompletionsEndpoint.chunk(completion,
							this.objectMapper.createObjectNode().put("role", "assistant").put("content", ""), null,
							includeUsage));
			for (int i = 0; i < text.length(); i += STREAM_DELTA_CHARS) {
				sleep(pause);
				String chunk = text.substring(i, Math.min(text.length(), i + STREAM_DELTA_CHARS));
				call.emit(chunk.length() / MessagesRequest.CHARS_PER_TOKEN);
				data(out, ChatCompletionsEndpoint.chunk(completion,
						this.objectMapper.createObjectNode().put("content", chunk), null, includeUsage));
			}
			sleep(pause);
			data(out, ChatCompletionsEndpoint.chunk(completion, this.objectMapper.createObjectNode(),
					completion.path("choices").path(0).path("finish_reason").asText(), includeUsage));
			if (includeUsage) {
				data(out, ChatCompletionsEndpoint.usageChunk(completion));
			}
			out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
			out.flush();
		}
	}

	private void data(OutputStream out, JsonNode data) throws IOException {
		out.write(("data: " + this.objectMapper.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
		out.flush();
	}

	// The finished message as Anthropic streams it: the text in deltas of about ten
	// tokens, spread over the latency, and the output usage in the last delta. Each
	// delta's output is taken from the output bucket as it is sent; a stream cut off
	// takes only what it sent.
	private void stream(HttpExchange exchange, Call call, Duration latency) throws IOException {
		try {
			streamMessage(exchange, call, latency);
		}
		finally {
			call.streamEnded();
		}
	}

	private void streamMessage(HttpExchange exchange, Call call, Duration latency) throws IOException {
		Reply message = call.finish();
		JsonNode body = message.body();
		String text = body.path("content").path(0).path("text").asText("");
		JsonNode usage = body.path("usage");
		message.headers().forEach(exchange.getResponseHeaders()::set);
		exchange.getResponseHeaders().set("content-type", "text/event-stream");
		exchange.sendResponseHeaders(200, 0);
		int deltas = Math.max(1, (text.length() + STREAM_DELTA_CHARS - 1) / STREAM_DELTA_CHARS);
		Duration pause = latency.dividedBy(deltas + 1);
		try (OutputStream out = exchange.getResponseBody()) {
			ObjectNode start = ((ObjectNode) body.deepCopy());
			start.putArray("content");
			start.putNull("stop_reason");
			((ObjectNode) start.path("usage")).put("output_tokens", 1);
			event(out, "message_start",
					this.objectMapper.createObjectNode().put("type", "message_start").set("message", start));
			ObjectNode blockStart = this.objectMapper.createObjectNode()
				.put("type", "content_block_start")
				.put("index", 0);
			blockStart.putObject("content_block").put("type", "text").put("text", "");
			event(out, "content_block_start", blockStart);
			for (int i = 0; i < text.length(); i += STREAM_DELTA_CHARS) {
				sleep(pause);
				String chunk = text.substring(i, Math.min(text.length(), i + STREAM_DELTA_CHARS));
				call.emit(chunk.length() / MessagesRequest.CHARS_PER_TOKEN);
				ObjectNode delta = this.objectMapper.createObjectNode()
					.put("type", "content_block_delta")
					.put("index", 0);
				delta.putObject("delta").put("type", "text_delta").put("text", chunk);
				event(out, "content_block_delta", delta);
			}
			sleep(pause);
			event(out, "content_block_stop",
					this.objectMapper.createObjectNode().put("type", "content_block_stop").put("index", 0));
			ObjectNode end = this.objectMapper.createObjectNode().put("type", "message_delta");
			end.putObject("delta").put("stop_reason", body.path("stop_reason").asText()).putNull("stop_sequence");
			end.putObject("usage").put("output_tokens", usage.path("output_tokens").asLong());
			event(out, "message_delta", end);
			event(out, "message_stop", this.objectMapper.createObjectNode().put("type", "message_stop"));
		}
	}

	private void event(OutputStream out, String name, JsonNode data) throws IOException {
		out.write(("event: " + name + "\ndata: " + this.objectMapper.writeValueAsString(data) + "\n\n")
			.getBytes(StandardCharsets.UTF_8));
		out.flush();
	}

	private Reply batches(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		if ("/v1/messages/batches".equals(path)) {
			if (!"POST".equals(exchange.getRequestMethod())) {
				return methodNotAllowed("POST");
			}
			try (InputStream in = exchange.getRequestBody()) {
				return this.batches.create(in.readNBytes(MAX_BODY_BYTES));
			}
		}
		if (!"GET".equals(exchange.getRequestMethod())) {
			return methodNotAllowed("GET");
		}
		String id = path.substring("/v1/messages/batches/".length());
		if (!id.endsWith("/results")) {
			return this.batches.retrieve(id, baseUrl());
		}
		String results = this.batches.results(id.substring(0, id.length() - "/results".length()));
		if (results == null) {
			return notFound(exchange);
		}
		// JSON lines, not one JSON document: sent here rather than by send().
		byte[] bytes = results.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("content-type", "application/binary");
		exchange.sendResponseHeaders(200, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
		return null;
	}

	private Reply openAiFiles(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		if ("/v1/files".equals(path)) {
			if (!"POST".equals(exchange.getRequestMethod())) {
				return methodNotAllowed("POST");
			}
			try (InputStream in = exchange.getRequestBody()) {
				return this.openAiBatches.upload(exchange.getRequestHeaders().getFirst("content-type"),
						in.readNBytes(MAX_BODY_BYTES));
			}
		}
		String id = path.substring("/v1/files/".length());
		if ("DELETE".equals(exchange.getRequestMethod())) {
			return this.openAiBatches.delete(id);
		}
		String content = id.endsWith("/content")
				? this.openAiBatches.content(id.substring(0, id.length() - "/content".length())) : null;
		if (content == null) {
			return notFound(exchange);
		}
		// JSON lines, not one JSON document: sent here rather than by send().
		byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("content-type", "application/octet-stream");
		exchange.sendResponseHeaders(200, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
		return null;
	}

	private Reply openAiBatches(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		if ("/v1/batches".equals(path)) {
			if (!"POST".equals(exchange.getRequestMethod())) {
				return methodNotAllowed("POST");
			}
			try (InputStream in = exchange.getRequestBody()) {
				return this.openAiBatches.create(in.readNBytes(MAX_BODY_BYTES));
			}
		}
		if (!"GET".equals(exchange.getRequestMethod())) {
			return methodNotAllowed("GET");
		}
		return this.openAiBatches.retrieve(path.substring("/v1/batches/".length()));
	}

	/**
	 * Return the input tokens of OpenAI batch requests in the queue of a model.
	 * @param model the model
	 * @return the enqueued tokens
	 */
	public long openAiBatchTokensEnqueued(String model) {
		return this.openAiBatches.enqueued(model);
	}

	private Reply stats(HttpExchange exchange) {
		if (!"/stats".equals(exchange.getRequestURI().getPath())) {
			return notFound(exchange);
		}
		if (!"GET".equals(exchange.getRequestMethod())) {
			return methodNotAllowed("GET");
		}
		return new Reply(200, Map.of(), this.objectMapper.valueToTree(stats()));
	}

	private Reply resetStats(HttpExchange exchange) {
		if (!"/stats/reset".equals(exchange.getRequestURI().getPath())) {
			return notFound(exchange);
		}
		if (!"POST".equals(exchange.getRequestMethod())) {
			return methodNotAllowed("POST");
		}
		resetStats();
		return new Reply(204, Map.of(), null);
	}

	private static Reply notFound(HttpExchange exchange) {
		return MessagesEndpoint.error(404, "not_found_error", "Not found: " + exchange.getRequestURI().getPath());
	}

	private static Reply methodNotAllowed(String allowed) {
		Reply reply = MessagesEndpoint.error(405, "invalid_request_error", "Method not allowed; use " + allowed);
		reply.headers().put("allow", allowed);
		return reply;
	}

	private Duration latency() {
		long jitter = this.properties.getLatencyJitter().toNanos();
		long nanos = this.properties.getLatency().toNanos() + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
		return Duration.ofNanos(Math.max(0, nanos));
	}

	private static void sleep(Duration duration) {
		try {
			TimeUnit.NANOSECONDS.sleep(duration.toNanos());
		}
		catch (InterruptedException ex) {
			// Stopping: finish the call anyway so that its output reservation is settled.
			Thread.currentThread().interrupt();
		}
	}

	private HttpHandler exchange(Route route) {
		return (exchange) -> {
			try (exchange) {
				Reply reply;
				try {
					reply = route.handle(exchange);
				}
				catch (RuntimeException ex) {
					reply = MessagesEndpoint.error(500, "api_error", "Internal server error: " + ex);
				}
				if (reply != null) {
					send(exchange, reply);
				}
			}
		};
	}

	private void send(HttpExchange exchange, Reply reply) throws IOException {
		reply.headers().forEach(exchange.getResponseHeaders()::set);
		if (reply.body() == null) {
			exchange.sendResponseHeaders(reply.status(), -1);
			return;
		}
		byte[] bytes = this.objectMapper.writeValueAsBytes(reply.body());
		exchange.getResponseHeaders().set("content-type", "application/json");
		exchange.sendResponseHeaders(reply.status(), bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	private static HttpServer bind(int port) {
		try {
			return HttpServer.create(new InetSocketAddress(HOST, port), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not bind the provider simulator to " + HOST + ":" + port, ex);
		}
	}

	@FunctionalInterface
	private interface Route {

		Reply handle(HttpExchange exchange) throws IOException;

	}

}
