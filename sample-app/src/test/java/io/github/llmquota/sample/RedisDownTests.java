package io.github.llmquota.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;
import static org.awaitility.Awaitility.await;

/**
 * The sample, with its settings, while its Redis is killed: the {@code llmquota} endpoint
 * answers with the local fail mode's view marked degraded, and health probes answer
 * promptly, the aggregate {@code DOWN} (Redis is down) while readiness stays {@code UP}
 * (the fail mode still serves calls).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.embedded-redis.enabled=false", "management.endpoint.health.show-details=always" })
@DirtiesContext
class RedisDownTests {

	private static final String POOL = "anthropic-sonnet";

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	// Only a hang guard: without the sample's Redis timeouts each health probe waits 60
	// s.
	private static final Duration HANG_GUARD = Duration.ofSeconds(20);

	private static final RedisServer redis = startRedis();

	@Autowired
	private TestRestTemplate http;

	@Autowired
	private QuotaEngine engine;

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.host", () -> "127.0.0.1");
		registry.add("spring.data.redis.port", () -> redis.ports().get(0));
	}

	@AfterAll
	static void stopRedis() throws IOException {
		redis.stop();
	}

	@Test
	void endpointShowsTheLocalViewMarkedDegradedAndHealthAnswersPromptlyWhileRedisIsDown() throws IOException {
		this.engine.acquire(QuotaRequest.builder("claude-sonnet-4-5").maxWait(Duration.ZERO).build())
			.settle(TokenUsage.of(0, 0));
		assertThat(get("/actuator/llmquota/" + POOL).getBody()).containsEntry("view", "shared");
		// Probes run all the time in production, so the client holds connections when
		// Redis dies.
		assertThat(get("/actuator/health").getBody()).containsEntry("status", "UP");

		redis.stop();

		ResponseEntity<Map<String, Object>> pool = await().atMost(HANG_GUARD)
			.until(() -> get("/actuator/llmquota/" + POOL), (response) -> true);
		assertThat(pool.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(pool.getBody()).containsEntry("view", "local").containsKey("dimensions");
		assertThat(pool.getBody().get("degraded")).asInstanceOf(MAP)
			.containsEntry("failMode", "local")
			.containsKeys("since", "cause");
		ResponseEntity<Map<String, Object>> pools = get("/actuator/llmquota");
		assertThat(pools.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(pools.getBody().get("degraded")).asInstanceOf(MAP).containsEntry("failMode", "local");

		await().atMost(HANG_GUARD).untilAsserted(() -> {
			ResponseEntity<Map<String, Object>> health = get("/actuator/health");
			assertThat(health.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
			assertThat(health.getBody()).containsEntry("status", "DOWN");
			Map<String, Object> components = component(health.getBody(), "components");
			assertThat(component(components, "redis")).containsEntry("status", "DOWN");
			assertThat(component(components, "llmquota")).containsEntry("status", "UP");
			assertThat(component(component(components, "llmquota"), "details")).containsEntry("degraded", true);
		});
		ResponseEntity<Map<String, Object>> readiness = await().atMost(HANG_GUARD)
			.until(() -> get("/actuator/health/readiness"), (response) -> true);
		assertThat(readiness.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(readiness.getBody()).containsEntry("status", "UP");
	}

	private ResponseEntity<Map<String, Object>> get(String path) {
		return this.http.exchange(path, HttpMethod.GET, null, JSON);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> component(Map<String, Object> parent, String key) {
		assertThat(parent).containsKey(key);
		return (Map<String, Object>) parent.get(key);
	}

	private static RedisServer startRedis() {
		try {
			RedisServer server = RedisServer.newRedisServer()
				.port(freePort())
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			server.start();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
