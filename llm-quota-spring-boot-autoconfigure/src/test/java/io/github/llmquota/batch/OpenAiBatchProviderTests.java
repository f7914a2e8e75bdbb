package io.github.llmquota.batch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link OpenAiBatchProvider}: the official openai-java client against a Files
 * and Batch API on a loopback port, driven by {@link BatchValve}s on a real Redis.
 */
class OpenAiBatchProviderTests {

	private static final Duration A_DAY = Duration.ofDays(1);

	private final String prefix = "o" + UUID.randomUUID().toString().substring(0, 8);

	private final QuotaSettings quotaSettings = TestSettings.pool("pool")
		.provider(Provider.OPENAI)
		.limit(Dimension.REQUESTS_PER_MINUTE, 60)
		.build();

	/** Uploaded files by id: their JSON lines. */
	private final Map<String, String> files = new ConcurrentHashMap<>();

	/** Created batches by id: their input file id. */
	private final Map<String, String> batches = new ConcurrentHashMap<>();

	private final List<String> purposes = Collections.synchronizedList(new ArrayList<>());

	private final List<String> created = Collections.synchronizedList(new ArrayList<>());

	private final List<BatchItemResult> orphans = Collections.synchronizedList(new ArrayList<>());

	/** The custom ids that the ended batch answers with an error (expired, or a 400). */
	private final Map<String, String> failures = new ConcurrentHashMap<>();

	private volatile boolean ended;

	private HttpServer server;

	private LettuceConnectionFactory factory;

	private DefaultQuotaEngine engine;

	private OpenAIClient client;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/v1/files", this::files);
		this.server.createContext("/v1/batches", this::batches);
		this.server.start();
		this.factory = TestRedis.shared().connectionFactory();
		this.engine = new DefaultQuotaEngine(this.quotaSettings,
				new RedisQuotaStore(this.factory, this.quotaSettings, this.prefix));
		this.client = OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + this.server.getAddress().getPort() + "/v1")
			.apiKey("unused")
			.maxRetries(0)
			.build();
	}

	@AfterEach
	void stop() {
		this.client.close();
		this.engine.close();
		this.factory.destroy();
		this.server.stop(0);
	}

	@Test
	void deferredChatCompletionsGoOutAsOneJsonlFileAndBatchAndComeBackAsCompletionsOrClearErrors() {
		BatchValve valve = valve();
		CompletableFuture<BatchItemResult> summary = valve.defer("model", OpenAiBatchProvider.body(params("one")), 12);
		CompletableFuture<BatchItemResult> late = valve.defer("model", OpenAiBatchProvider.body(params("two")), 12);
		CompletableFuture<BatchItemResult> refused = valve.defer("model", OpenAiBatchProvider.body(params("three")),
				12);

		valve.work();

		assertThat(this.purposes).containsExactly("batch");
		assertThat(this.created).singleElement()
			.satisfies((body) -> assertThat(body).contains("\"endpoint\":\"/v1/chat/completions\"",
					"\"completion_window\":\"24h\""));
		String lines = this.files.values().iterator().next();
		assertThat(lines.split("\n")).hasSize(3)
			.allSatisfy((line) -> assertThat(line).contains("\"custom_id\":\"llmq_", "\"method\":\"POST\"",
					"\"url\":\"/v1/chat/completions\"", "\"model\":\"gpt-4o-mini\""));
		this.failures.put(customId(lines, "two"), "batch_expired");
		this.failures.put(customId(lines, "three"), "400");
		this.ended = true;
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			valve.work();
			return summary.isDone() && late.isDone() && refused.isDone();
		});

		ChatCompletion completion = OpenAiBatchProvider.chatCompletion(summary.join().body());
		assertThat(completion.choices().get(0).message().content()).hasValue("A summary");
		assertThat(summary.join().inputTokens()).isEqualTo(9);
		assertThat(failure(late)).isInstanceOf(DeferredCallException.class)
			.hasMessageContaining("expired")
			.satisfies((ex) -> assertThat(((DeferredCallException) ex).getResult().outcome())
				.isEqualTo(BatchItemResult.Outcome.EXPIRED));
		assertThat(failure(refused)).isInstanceOf(DeferredCallException.class)
			.hasMessageContaining("errored")
			.hasMessageContaining("max_tokens is too large");
		assertThat(valve.ledger().queued("pool")).isZero();
		assertThat(valve.ledger().queuedTokens("pool")).isZero();
	}

	@Test
	void batchInFlightWhenItsInstanceStopsIsDeliveredByAnotherInstanceExactlyOnce() {
		BatchValve stopped = valve();
		stopped.defer("model", OpenAiBatchProvider.body(params("one")), 12);
		stopped.defer("model", OpenAiBatchProvider.body(params("two")), 12);
		stopped.work();
		assertThat(this.batches).hasSize(1);
		this.ended = true;

		BatchValve other = valve();
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			other.work();
			return this.orphans.size() >= 2;
		});
		other.work();
		valve().work();

		assertThat(this.orphans).hasSize(2)
			.allSatisfy((result) -> assertThat(OpenAiBatchProvider.chatCompletion(result.body()).model())
				.isEqualTo("gpt-4o-mini"));
	}

	private BatchValve valve() {
		return new BatchValve(this.engine, this.quotaSettings,
				new BatchSettings(Duration.ZERO, 10, Duration.ZERO, 100, Duration.ofMillis(1), Duration.ofMillis(1),
						Duration.ofMillis(10), A_DAY, 1_000),
				new BatchLedger(new StringRedisTemplate(this.factory), this.prefix),
				new OpenAiBatchProvider(this.client), this.orphans::add);
	}

	private static ChatCompletionCreateParams params(String text) {
		return ChatCompletionCreateParams.builder()
			.model("gpt-4o-mini")
			.maxCompletionTokens(300)
			.addUserMessage("Summarise " + text)
			.build();
	}

	private static String customId(String lines, String text) {
		for (String line : lines.split("\n")) {
			if (line.contains("Summarise " + text)) {
				return line.replaceAll(".*\"custom_id\":\"(llmq_[0-9a-f]+)\".*", "$1");
			}
		}
		throw new IllegalStateException("no line for " + text);
	}

	private void files(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		byte[] body = exchange.getRequestBody().readAllBytes();
		if (exchange.getRequestMethod().equals("POST")) {
			String form = new String(body, StandardCharsets.UTF_8);
			this.purposes.add(part(form, "name=\"purpose\""));
			String id = "file-" + this.files.size();
			this.files.put(id, part(form, "filename="));
			respond(exchange, "{\"id\":\"" + id + "\",\"object\":\"file\",\"bytes\":" + body.length
					+ ",\"created_at\":1765000000,\"filename\":\"batch.jsonl\",\"purpose\":\"batch\",\"status\":\"processed\"}");
		}
		else if (path.endsWith("/content")) {
			String id = path.substring("/v1/files/".length(), path.length() - "/content".length());
			respond(exchange, this.files.get(id));
		}
		else {
			respond(exchange,
					"{\"id\":\"" + path.substring("/v1/files/".length()) + "\",\"object\":\"file\",\"deleted\":true}");
		}
	}

	// The value of the multipart part whose headers contain the marker.
	private static String part(String form, String marker) {
		int headers = form.indexOf(marker);
		int start = form.indexOf("\r\n\r\n", headers) + 4;
		int end = form.indexOf("\r\n--", start);
		return form.substring(start, end).strip();
	}

	private void batches(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
		if (exchange.getRequestMethod().equals("POST")) {
			this.created.add(body);
			String id = "batch_" + this.batches.size();
			this.batches.put(id, body.replaceAll(".*\"input_file_id\":\"([^\"]+)\".*", "$1"));
			respond(exchange, batch(id, "validating"));
			return;
		}
		String id = path.substring("/v1/batches/".length());
		if (!this.ended) {
			respond(exchange, batch(id, "in_progress"));
			return;
		}
		StringBuilder output = new StringBuilder();
		StringBuilder errors = new StringBuilder();
		for (String line : this.files.get(this.batches.get(id)).split("\n")) {
			String customId = line.replaceAll(".*\"custom_id\":\"(llmq_[0-9a-f]+)\".*", "$1");
			String failure = this.failures.get(customId);
			if (failure == null) {
				output.append("{\"id\":\"batch_req_1\",\"custom_id\":\"")
					.append(customId)
					.append("\",\"response\":{\"status_code\":200,\"request_id\":\"req_1\",\"body\":")
					.append("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1765000000,")
					.append("\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",")
					.append("\"content\":\"A summary\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],")
					.append("\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}},")
					.append("\"error\":null}\n");
			}
			else if (failure.equals("batch_expired")) {
				errors.append("{\"id\":\"batch_req_2\",\"custom_id\":\"")
					.append(customId)
					.append("\",\"response\":null,\"error\":{\"code\":\"batch_expired\",")
					.append("\"message\":\"This request could not be executed before the completion window expired.\"}}\n");
			}
			else {
				errors.append("{\"id\":\"batch_req_3\",\"custom_id\":\"")
					.append(customId)
					.append("\",\"response\":{\"status_code\":400,\"request_id\":\"req_3\",\"body\":{\"error\":")
					.append("{\"message\":\"max_tokens is too large\",\"type\":\"invalid_request_error\"}}},")
					.append("\"error\":null}\n");
			}
		}
		this.files.put("file-output-" + id, output.toString());
		this.files.put("file-errors-" + id, errors.toString());
		respond(exchange,
				batch(id, "completed")
					.replace("\"output_file_id\":null", "\"output_file_id\":\"file-output-" + id + "\"")
					.replace("\"error_file_id\":null", "\"error_file_id\":\"file-errors-" + id + "\""));
	}

	private static String batch(String id, String status) {
		return "{\"id\":\"" + id + "\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
				+ "\"input_file_id\":\"file-0\",\"completion_window\":\"24h\",\"status\":\"" + status + "\","
				+ "\"output_file_id\":null,\"error_file_id\":null,\"created_at\":1765000000}";
	}

	private static void respond(HttpExchange exchange, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.sendResponseHeaders(200, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	private static Throwable failure(CompletableFuture<?> future) {
		return catchThrowableOfType(future::join, CompletionException.class).getCause();
	}

}
