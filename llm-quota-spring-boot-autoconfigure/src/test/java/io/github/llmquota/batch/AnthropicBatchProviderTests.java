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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AnthropicBatchProvider}: the official anthropic-java client against a
 * Message Batches API on a loopback port, driven by a {@link BatchValve} on a real Redis.
 */
class AnthropicBatchProviderTests {

	private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
			+ "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"A summary\"}],"
			+ "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}";

	private final List<String> created = Collections.synchronizedList(new ArrayList<>());

	private final String prefix = "a" + UUID.randomUUID().toString().substring(0, 8);

	private final QuotaSettings quotaSettings = TestSettings.pool("pool")
		.limit(Dimension.REQUESTS_PER_MINUTE, 60)
		.build();

	private volatile boolean ended;

	private volatile String expiredId = "";

	private HttpServer server;

	private LettuceConnectionFactory factory;

	private DefaultQuotaEngine engine;

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/v1/messages/batches", this::batches);
		this.server.start();
		this.factory = TestRedis.shared().connectionFactory();
		this.engine = new DefaultQuotaEngine(this.quotaSettings,
				new RedisQuotaStore(this.factory, this.quotaSettings, this.prefix));
	}

	@AfterEach
	void stop() {
		this.engine.close();
		this.factory.destroy();
		this.server.stop(0);
	}

	@Test
	void deferredMessagesGoOutAsOneMessageBatchAndComeBackAsMessagesOrClearErrors() {
		AnthropicClient client = AnthropicOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + this.server.getAddress().getPort())
			.apiKey("unused")
			.maxRetries(0)
			.build();
		BatchValve valve = new BatchValve(this.engine, this.quotaSettings,
				new BatchSettings(Duration.ZERO, 10, Duration.ZERO, 100, Duration.ofMillis(1), Duration.ofMillis(1),
						Duration.ofSeconds(1), Duration.ofDays(1)),
				new BatchLedger(new StringRedisTemplate(this.factory), this.prefix), new AnthropicBatchProvider(client),
				null);
		CompletableFuture<BatchItemResult> summary = valve.defer("model", AnthropicBatchProvider.body(params("one")));
		CompletableFuture<BatchItemResult> late = valve.defer("model", AnthropicBatchProvider.body(params("two")));

		valve.work();

		assertThat(this.created).singleElement()
			.satisfies((body) -> assertThat(body).contains("\"custom_id\":\"llmq_", "\"max_tokens\":300",
					"\"model\":\"claude-sonnet-4-5\"", "\"content\":\"Summarise one\"",
					"\"content\":\"Summarise two\""));
		this.expiredId = this.created.get(0).replaceAll("(?s).*\"custom_id\":\"(llmq_[0-9a-f]+)\".*two.*", "$1");
		this.ended = true;
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			valve.work();
			return summary.isDone() && late.isDone();
		});

		Message message = AnthropicBatchProvider.message(summary.join().body());
		assertThat(message.content().get(0).asText().text()).isEqualTo("A summary");
		assertThat(catchThrowableOfType(late::join, CompletionException.class).getCause())
			.isInstanceOf(DeferredCallException.class)
			.hasMessageContaining("expired");
	}

	private static MessageCreateParams params(String text) {
		return MessageCreateParams.builder()
			.model("claude-sonnet-4-5")
			.maxTokens(300)
			.addUserMessage("Summarise " + text)
			.build();
	}

	private void batches(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
		if (exchange.getRequestMethod().equals("POST")) {
			this.created.add(body);
			respond(exchange, "application/json", batch("in_progress"));
		}
		else if (path.endsWith("/results")) {
			StringBuilder lines = new StringBuilder();
			for (String id : this.created.get(0).split("\"custom_id\":\"")) {
				if (!id.startsWith("llmq_")) {
					continue;
				}
				id = id.substring(0, id.indexOf('"'));
				lines
					.append(id.equals(this.expiredId)
							? "{\"custom_id\":\"" + id + "\",\"result\":{\"type\":\"expired\"}}" : "{\"custom_id\":\""
									+ id + "\",\"result\":{\"type\":\"succeeded\",\"message\":" + MESSAGE + "}}")
					.append('\n');
			}
			respond(exchange, "application/binary", lines.toString());
		}
		else {
			respond(exchange, "application/json", batch(this.ended ? "ended" : "in_progress"));
		}
	}

	private String batch(String status) {
		String url = "http://127.0.0.1:" + this.server.getAddress().getPort()
				+ "/v1/messages/batches/msgbatch_1/results";
		return "{\"id\":\"msgbatch_1\",\"type\":\"message_batch\",\"processing_status\":\"" + status + "\","
				+ "\"request_counts\":{\"processing\":0,\"succeeded\":0,\"errored\":0,\"canceled\":0,\"expired\":0},"
				+ "\"created_at\":\"2026-12-06T18:00:00Z\",\"expires_at\":\"2026-12-07T18:00:00Z\",\"ended_at\":null,"
				+ "\"cancel_initiated_at\":null,\"archived_at\":null,\"results_url\":"
				+ (status.equals("ended") ? "\"" + url + "\"" : "null") + "}";
	}

	private static void respond(HttpExchange exchange, String type, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", type);
		exchange.sendResponseHeaders(200, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

}
