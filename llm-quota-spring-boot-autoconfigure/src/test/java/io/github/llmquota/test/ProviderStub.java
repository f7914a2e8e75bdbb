package io.github.llmquota.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A provider on a free loopback port, built on the JDK's {@link HttpServer}: it answers
 * from a script of responses (then a default one), and records every HTTP attempt it saw,
 * with its arrival time and the SDK's retry count, so that tests can compare the
 * provider's own request count with the attempts llm-quota admitted. It records the most
 * attempts it ever had in flight, and can hold every attempt until the test lets it go.
 * Thread-safe; close it to stop the server.
 */
public final class ProviderStub implements AutoCloseable {

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();

	private final List<Attempt> attempts = new ArrayList<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger maxInFlight = new AtomicInteger();

	private volatile Answer fallback;

	private volatile Duration latency = Duration.ZERO;

	private volatile Semaphore gate;

	private volatile Consumer<Integer> onAttempt = (attempt) -> {
	};

	private volatile String pauseAfter;

	private final CountDownLatch resumed = new CountDownLatch(1);

	private ProviderStub(Answer fallback) {
		this.fallback = fallback;
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
	 * Start a stub that answers every request with an Anthropic message
	 * ({@link Answer#ok}) until told otherwise.
	 * @return the running stub
	 */
	public static ProviderStub start() {
		return start(Answer.ok(10, 20));
	}

	/**
	 * Start a stub that answers every request with {@code fallback} until told otherwise.
	 * @param fallback the answer once the script is used up
	 * @return the running stub
	 */
	public static ProviderStub start(Answer fallback) {
		return new ProviderStub(fallback);
	}

	/**
	 * Return the base URL to point an SDK or HTTP client at, such as
	 * {@code http://127.0.0.1:12345}.
	 */
	public String baseUrl() {
		return "http://" + this.server.getAddress().getHostString() + ":" + this.server.getAddress().getPort();
	}

	/**
	 * Answer the next requests, one each, before falling back to the default answer.
	 * @param answers the answers, in order
	 * @return this stub
	 */
	public ProviderStub then(Answer... answers) {
		this.script.addAll(List.of(answers));
		return this;
	}

	/**
	 * Answer the next requests, one each, then repeat the last of them.
	 * @param answers the answers, in order, at least one
	 * @return this stub
	 */
	public ProviderStub answer(Answer... answers) {
		then(answers);
		this.fallback = answers[answers.length - 1];
		return this;
	}

	/**
	 * Hold every request this long before answering, as a provider computing a reply
	 * does, so that concurrent attempts overlap at the stub.
	 * @param latency the time to hold each request
	 * @return this stub
	 */
	public ProviderStub latency(Duration latency) {
		this.latency = latency;
		return this;
	}

	/**
	 * Hold every attempt until {@link #release(int)} lets it go.
	 * @return this stub
	 */
	public ProviderStub hold() {
		this.gate = new Semaphore(0);
		return this;
	}

	/**
	 * Let held attempts go.
	 * @param count how many
	 */
	public void release(int count) {
		this.gate.release(count);
	}

	/**
	 * Send the body of each answer that contains {@code marker} up to the end of it, then
	 * hold the rest until {@link #resumeStreams()}: a stream caught in the middle, its
	 * connection open.
	 * @param marker where to pause
	 * @return this stub
	 */
	public ProviderStub pauseStreamsAfter(String marker) {
		this.pauseAfter = marker;
		return this;
	}

	/**
	 * Send the rest of the paused streams, and pause no more.
	 */
	public void resumeStreams() {
		this.resumed.countDown();
	}

	/**
	 * Run an action as each attempt arrives, before it is answered, with its number
	 * (1-based).
	 * @param action the action
	 * @return this stub
	 */
	public ProviderStub onAttempt(Consumer<Integer> action) {
		this.onAttempt = action;
		return this;
	}

	/**
	 * Return every attempt seen so far, oldest first.
	 */
	public List<Attempt> attempts() {
		synchronized (this.attempts) {
			return List.copyOf(this.attempts);
		}
	}

	/**
	 * Return how many attempts the stub has seen.
	 */
	public int attemptCount() {
		synchronized (this.attempts) {
			return this.attempts.size();
		}
	}

	/**
	 * Return the request body of every attempt seen so far, oldest first.
	 */
	public List<String> bodies() {
		return attempts().stream().map(Attempt::body).toList();
	}

	/**
	 * Return how many requests the stub holds now.
	 */
	public int inFlight() {
		return this.inFlight.get();
	}

	/**
	 * Return the most requests the stub ever held at the same time.
	 */
	public int maxInFlight() {
		return this.maxInFlight.get();
	}

	private void handle(HttpExchange exchange) throws IOException {
		int current = this.inFlight.incrementAndGet();
		this.maxInFlight.accumulateAndGet(current, Math::max);
		try (exchange) {
			byte[] requestBody;
			try (InputStream in = exchange.getRequestBody()) {
				requestBody = in.readAllBytes();
			}
			int number;
			synchronized (this.attempts) {
				this.attempts.add(new Attempt(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
						exchange.getRequestHeaders().getFirst("X-Stainless-Retry-Count"),
						new String(requestBody, StandardCharsets.UTF_8), System.nanoTime()));
				number = this.attempts.size();
			}
			this.onAttempt.accept(number);
			Semaphore gate = this.gate;
			if (gate != null && !gate.tryAcquire(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Attempt " + number + " was never released");
			}
			if (!this.latency.isZero()) {
				// The provider's think time, not a wait for the test: it makes attempts
				// overlap.
				LockSupport.parkNanos(this.latency.toNanos());
			}
			Answer answer = this.script.poll();
			if (answer == null) {
				answer = this.fallback;
			}
			byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
			if (answer.headers().keySet().stream().noneMatch("content-type"::equalsIgnoreCase)) {
				exchange.getResponseHeaders().add("content-type", "application/json");
			}
			answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			String pauseAfter = this.pauseAfter;
			int pause = (pauseAfter != null) ? answer.body().indexOf(pauseAfter) : -1;
			if (pause >= 0) {
				sendPaused(exchange, answer, pause + pauseAfter.length());
				return;
			}
			exchange.sendResponseHeaders(answer.status(), (body.length > 0) ? body.length : -1);
			if (body.length > 0) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.inFlight.decrementAndGet();
		}
	}

	private void sendPaused(HttpExchange exchange, Answer answer, int pause) throws IOException, InterruptedException {
		exchange.sendResponseHeaders(answer.status(), 0);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(answer.body().substring(0, pause).getBytes(StandardCharsets.UTF_8));
			out.flush();
			if (!this.resumed.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("A paused stream was never resumed");
			}
			out.write(answer.body().substring(pause).getBytes(StandardCharsets.UTF_8));
		}
	}

	@Override
	public void close() {
		this.resumed.countDown();
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	/**
	 * One scripted answer.
	 *
	 * @param status the HTTP status
	 * @param headers the response headers; {@code content-type} is
	 * {@code application/json} unless they name one
	 * @param body the response body, may be empty
	 */
	public record Answer(int status, Map<String, String> headers, String body) {

		/**
		 * Return an answer with no extra headers.
		 * @param status the HTTP status
		 * @param body the body
		 * @return the answer
		 */
		public static Answer of(int status, String body) {
			return new Answer(status, Map.of(), body);
		}

		/**
		 * An Anthropic message with its usage.
		 * @param input the input tokens
		 * @param output the output tokens
		 * @return the answer
		 */
		public static Answer ok(long input, long output) {
			return new Answer(200, Map.of("content-type", "application/json"),
					"{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"usage\":{\"input_tokens\":"
							+ input + ",\"output_tokens\":" + output + "}}");
		}

		/**
		 * An Anthropic rate limit.
		 * @param retryAfterMillis the {@code retry-after-ms} header
		 * @return the answer
		 */
		public static Answer rateLimited(long retryAfterMillis) {
			return new Answer(429,
					Map.of("content-type", "application/json", "retry-after-ms", String.valueOf(retryAfterMillis)),
					"{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}");
		}

		/**
		 * An Anthropic overload.
		 * @return the answer
		 */
		public static Answer overloaded() {
			return new Answer(529, Map.of("content-type", "application/json"),
					"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
		}

		/**
		 * An OpenAI {@code insufficient_quota} 429.
		 * @return the answer
		 */
		public static Answer insufficientQuota() {
			return new Answer(429, Map.of("content-type", "application/json"),
					"{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\","
							+ "\"param\":null,\"code\":\"insufficient_quota\"}}");
		}

		/**
		 * A successful server-sent event stream.
		 * @return the answer
		 */
		public static Answer stream() {
			return new Answer(200, Map.of("content-type", "text/event-stream"),
					"event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
							+ "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
		}

		/**
		 * A successful Anthropic event stream: one text delta, then its usage.
		 * @param input the input tokens its {@code message_start} reports
		 * @param text the text of its one delta
		 * @param output the output tokens its {@code message_delta} reports
		 * @return the answer
		 */
		public static Answer stream(long input, String text, long output) {
			return new Answer(200, Map.of("content-type", "text/event-stream"),
					"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
							+ "{\"input_tokens\":" + input + ",\"output_tokens\":1}}}\n\n"
							+ "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
							+ "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}\n\n"
							+ "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
							+ "{\"output_tokens\":" + output + "}}\n\n"
							+ "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
		}

	}

	/**
	 * One HTTP attempt the stub saw.
	 *
	 * @param method the HTTP method
	 * @param path the request path
	 * @param retryCount the SDK's {@code X-Stainless-Retry-Count} header, or {@code null}
	 * @param body the request body
	 * @param receivedNanos {@link System#nanoTime()} when it arrived
	 */
	public record Attempt(String method, String path, String retryCount, String body, long receivedNanos) {

	}

}
