package io.github.llmquota.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A provider on a free loopback port (the JDK's {@code HttpServer}) that counts the
 * attempts it receives and answers them from a script, in order; once the script is used
 * up it repeats its last answer. It records the most attempts it ever had in flight, and can
 * hold every attempt until the test lets it go.
 */
public final class StubProvider implements AutoCloseable {

	private final HttpServer server;

	private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();

	private volatile Answer last = Answer.ok(10, 20);

	private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

	private final AtomicInteger attempts = new AtomicInteger();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger maxInFlight = new AtomicInteger();

	private volatile Semaphore gate;

	private volatile Consumer<Integer> onAttempt = (attempt) -> {
	};

	private StubProvider(HttpServer server) {
		this.server = server;
	}

	/**
	 * Start a provider.
	 * @return the provider
	 */
	public static StubProvider start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			StubProvider stub = new StubProvider(server);
			server.createContext("/", stub::handle);
			server.setExecutor(Executors.newCachedThreadPool());
			server.start();
			return stub;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Return the base URL, such as {@code http://127.0.0.1:12345}.
	 * @return the base URL
	 */
	public String baseUrl() {
		return "http://" + this.server.getAddress().getHostString() + ":" + this.server.getAddress().getPort();
	}

	/**
	 * Queue answers, in order.
	 * @param answers the answers
	 * @return this stub
	 */
	public StubProvider answer(Answer... answers) {
		this.script.addAll(List.of(answers));
		return this;
	}

	/**
	 * Hold every attempt until {@link #release(int)} lets it go.
	 * @return this stub
	 */
	public StubProvider hold() {
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
	 * Run an action as each attempt arrives, before it is answered, with its number
	 * (1-based).
	 * @param action the action
	 * @return this stub
	 */
	public StubProvider onAttempt(Consumer<Integer> action) {
		this.onAttempt = action;
		return this;
	}

	public int attempts() {
		return this.attempts.get();
	}

	public int inFlight() {
		return this.inFlight.get();
	}

	public int maxInFlight() {
		return this.maxInFlight.get();
	}

	public List<String> bodies() {
		return List.copyOf(this.bodies);
	}

	private void handle(HttpExchange exchange) throws IOException {
		int attempt = this.attempts.incrementAndGet();
		int now = this.inFlight.incrementAndGet();
		this.maxInFlight.accumulateAndGet(now, Math::max);
		try (exchange; InputStream in = exchange.getRequestBody()) {
			this.bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
			this.onAttempt.accept(attempt);
			Semaphore gate = this.gate;
			if (gate != null && !gate.tryAcquire(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Attempt " + attempt + " was never released");
			}
			Answer answer = this.script.poll();
			if (answer == null) {
				answer = this.last;
			}
			else {
				this.last = answer;
			}
			answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(answer.status(), body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			this.inFlight.decrementAndGet();
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	/**
	 * One scripted answer.
	 *
	 * @param status the HTTP status
	 * @param headers the headers
	 * @param body the body
	 */
	public record Answer(int status, Map<String, String> headers, String body) {

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

	}

}
