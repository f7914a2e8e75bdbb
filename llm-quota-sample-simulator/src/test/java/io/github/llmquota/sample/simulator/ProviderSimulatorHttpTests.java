package io.github.llmquota.sample.simulator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator over real HTTP, on a free port, with a frozen clock so that no bucket
 * refills while the test runs.
 */
class ProviderSimulatorHttpTests {

	private static final String REQUEST = """
			{"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": false, "metadata": {"user_id": "u1"},
			 "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello, simulator"}]}]}
			""";

	private final HttpClient client = HttpClient.newHttpClient();

	private final ObjectMapper objectMapper = new ObjectMapper();

	private ProviderSimulator simulator;

	@BeforeEach
	void startSimulator() {
		SimulatorProperties properties = new SimulatorProperties();
		properties.setLatency(Duration.ZERO);
		properties.setLatencyJitter(Duration.ZERO);
		properties.setModels(Map.of("claude-sonnet-4-5", SimulatorProperties.Limits.of(3, 30_000, 8_000)));
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), () -> 0L));
		this.simulator.start();
	}

	@AfterEach
	void stopSimulator() {
		this.simulator.close();
	}

	@Test
	void servesAMessageWithAnthropicsHeaders() throws Exception {
		HttpResponse<String> response = postMessage();
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
		assertThat(response.headers().firstValue("request-id"))
			.hasValueSatisfying((id) -> assertThat(id).startsWith("req_"));
		assertThat(response.headers().firstValue("anthropic-ratelimit-requests-limit")).hasValue("3");
		assertThat(response.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("2");
		assertThat(response.headers().firstValue("anthropic-ratelimit-tokens-limit")).hasValue("38000");
		assertThat(response.headers().firstValue("anthropic-ratelimit-input-tokens-reset"))
			.hasValueSatisfying((reset) -> assertThat(reset).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"));
		JsonNode message = this.objectMapper.readTree(response.body());
		assertThat(message.get("type").asText()).isEqualTo("message");
		assertThat(message.at("/content/0/text").asText()).isNotEmpty();
		// ceil(16 / 4)
		assertThat(message.at("/usage/input_tokens").asLong()).isEqualTo(4);
		assertThat(message.at("/usage/output_tokens").asLong()).isEqualTo(64);
	}

	@Test
	void answers429OnceTheRequestsPerMinuteAreSpentAndCountsIt() throws Exception {
		for (int i = 0; i < 3; i++) {
			assertThat(postMessage().statusCode()).isEqualTo(200);
		}
		HttpResponse<String> refused = postMessage();
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("retry-after")).hasValue("20");
		assertThat(refused.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("0");
		assertThat(this.objectMapper.readTree(refused.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");

		JsonNode stats = this.objectMapper.readTree(get("/stats").body()).at("/models/claude-sonnet-4-5");
		assertThat(stats.get("served").asLong()).isEqualTo(3);
		assertThat(stats.get("rateLimitedByRequests").asLong()).isEqualTo(1);
		assertThat(stats.get("inputTokens").asLong()).isEqualTo(12);
		assertThat(stats.get("outputTokens").asLong()).isEqualTo(192);
		assertThat(this.simulator.stats().model("claude-sonnet-4-5").rateLimited()).isEqualTo(1);
	}

	@Test
	void atAnOverloadRatioOfOneAnswersEveryRequestWithAnthropicsOverloadedError() throws Exception {
		this.simulator.close();
		SimulatorProperties properties = new SimulatorProperties();
		properties.setOverloadRatio(1.0);
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), () -> 0L));
		this.simulator.start();

		HttpResponse<String> response = postMessage();

		assertThat(response.statusCode()).isEqualTo(529);
		assertThat(response.headers().firstValue("x-should-retry")).hasValue("true");
		assertThat(this.objectMapper.readTree(response.body()).at("/error/type").asText())
			.isEqualTo("overloaded_error");
		assertThat(this.simulator.stats().overloaded()).isEqualTo(1);
		assertThat(this.simulator.stats().requests()).isEqualTo(1);
		assertThat(this.simulator.stats().model("claude-sonnet-4-5").served()).isZero();
	}

	@Test
	void resetsItsStatsOnRequest() throws Exception {
		postMessage();
		HttpResponse<String> reset = this.client.send(
				HttpRequest.newBuilder(uri("/stats/reset")).POST(HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(reset.statusCode()).isEqualTo(204);
		assertThat(this.simulator.stats().model("claude-sonnet-4-5").served()).isZero();
	}

	@Test
	void answersAnUnknownPathWithNotFound() throws Exception {
		HttpResponse<String> response = get("/v1/messages/count_tokens");
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(this.objectMapper.readTree(response.body()).at("/error/type").asText()).isEqualTo("not_found_error");
	}

	@Test
	void releasesItsPortWhenClosedEvenIfNeverStarted() throws IOException {
		ProviderSimulator unstarted = new ProviderSimulator(new SimulatorProperties());
		int port = unstarted.port();
		unstarted.close();
		try (ServerSocket socket = new ServerSocket()) {
			socket.bind(new InetSocketAddress("127.0.0.1", port));
			assertThat(socket.getLocalPort()).isEqualTo(port);
		}
	}

	private HttpResponse<String> postMessage() throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(uri("/v1/messages"))
			.header("content-type", "application/json")
			.header("x-api-key", "sk-ant-anything")
			.header("anthropic-version", "2023-06-01")
			.POST(HttpRequest.BodyPublishers.ofString(REQUEST))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create(this.simulator.baseUrl() + path);
	}

}
