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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A provider on a free loopback port, built on the JDK's {@link HttpServer}: it answers
 * from a script of responses (then a default one), and records every HTTP attempt it saw,
 * so that tests can compare the provider's own request count with the attempts llm-quota
 * admitted. Thread-safe; close it to stop the server.
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
	 * Start a stub that answers every request with {@code fallback} until told otherwise.
	 * @param fallback the answer once the script is used up
	 * @return the running stub
	 */
	public static ProviderStub start(Answer fallback) {
		return new ProviderStub(fallback);
	}

	/**
	 * Return the base URL to point an SDK or HTTP client at.
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
	 * Hold every request this long before answering, as a provider computing a reply does,
	 * so that concurrent attempts overlap at the stub.
	 * @param latency the time to hold each request
	 * @return this stub
	 */
	public ProviderStub latency(Duration latency) {
		this.latency = latency;
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
			synchronized (this.attempts) {
				this.attempts.add(new Attempt(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
						exchange.getRequestHeaders().getFirst("X-Stainless-Retry-Count"),
						new String(requestBody, StandardCharsets.UTF_8), System.nanoTime()));
			}
			if (!this.latency.isZero()) {
				// The provider's think time, not a wait for the test: it makes attempts overlap.
				LockSupport.parkNanos(this.latency.toNanos());
			}
			Answer answer = this.script.poll();
			if (answer == null) {
				answer = this.fallback;
			}
			byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().add("content-type", "application/json");
			answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
			exchange.sendResponseHeaders(answer.status(), (body.length > 0) ? body.length : -1);
			if (body.length > 0) {
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			}
		}
		finally {
			this.inFlight.decrementAndGet();
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	/**
	 * One scripted answer.
	 *
	 * @param status the HTTP status
	 * @param headers the response headers
	 * @param body the response body, JSON, may be empty
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
