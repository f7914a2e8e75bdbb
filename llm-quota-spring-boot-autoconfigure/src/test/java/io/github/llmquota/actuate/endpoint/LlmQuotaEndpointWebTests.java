package io.github.llmquota.actuate.endpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.llmquota.autoconfigure.LlmQuotaProperties;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.WithoutSecurity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code llmquota} endpoint over HTTP, in an application whose pool is shared,
 * through a real Redis, with a second engine that stands for another instance of the
 * fleet.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
@SpringBootTest(classes = LlmQuotaEndpointWebTests.TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=llmquota,health", "llm.quota.safety-margin=0",
				"llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.pool=openai",
				"llm.quota.models.gpt-4o.requests-per-minute=100", "llm.quota.models.gpt-4o.max-concurrency=100",
				"llm.quota.models.gpt-4o-mini.provider=openai", "llm.quota.models.gpt-4o-mini.pool=openai",
				"llm.quota.models.gpt-4o-mini.requests-per-minute=100",
				"llm.quota.models.gpt-4o-mini.max-concurrency=100", "llm.quota.models.claude.provider=anthropic",
				"llm.quota.models.claude.requests-per-minute=50",
				// Spring AI's chat models are on the test classpath, and refuse to start
				// without a key.
				"spring.ai.anthropic.api-key=unused", "spring.ai.openai.api-key=unused", WithoutSecurity.PROPERTY })
class LlmQuotaEndpointWebTests {

	private static final String PREFIX = "web" + UUID.randomUUID().toString().substring(0, 8);

	@Autowired
	private TestRestTemplate rest;

	@Autowired
	private QuotaEngine engine;

	@Autowired
	private QuotaSettings settings;

	@Autowired
	private LlmQuotaProperties properties;

	private LettuceConnectionFactory otherConnections;

	private DefaultQuotaEngine otherInstance;

	private final List<QuotaLease> leases = new ArrayList<>();

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.host", () -> TestRedis.shared().host());
		registry.add("spring.data.redis.port", () -> TestRedis.shared().port());
		registry.add("llm.quota.key-prefix", () -> PREFIX);
	}

	@BeforeEach
	void otherInstanceOfTheFleet() {
		this.otherConnections = TestRedis.shared().connectionFactory();
		// Every test starts from an idle fleet. The context is fresh too: an engine that
		// wrote to a pool whose keys then vanished restarts it with empty buckets, on
		// purpose.
		StringRedisTemplate redis = new StringRedisTemplate(this.otherConnections);
		Set<String> keys = redis.keys(PREFIX + ":*");
		if (keys != null && !keys.isEmpty()) {
			redis.delete(keys);
		}
		this.otherInstance = new DefaultQuotaEngine(this.settings,
				new RedisQuotaStore(this.otherConnections, this.settings, this.properties.getKeyPrefix()));
	}

	@AfterEach
	void stop() {
		this.leases.forEach(QuotaLease::close);
		this.otherInstance.close();
		this.otherConnections.destroy();
	}

	@Test
	void utilisationOfASharedPoolCountsEveryInstanceOfTheFleet() {
		for (int i = 0; i < 30; i++) {
			acquire(this.engine, "gpt-4o").settle(TokenUsage.of(10, 5));
		}
		for (int i = 0; i < 20; i++) {
			this.leases.add(acquire(this.otherInstance, "gpt-4o-mini"));
		}

		ResponseEntity<String> response = this.rest.getForEntity("/actuator/llmquota", String.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		DocumentContext json = JsonPath.parse(response.getBody());
		assertThat(json.read("$.pools", Map.class).keySet()).containsExactly("claude", "openai");
		assertThat(json.read("$.pools.openai.provider", String.class)).isEqualTo("openai");
		assertThat(json.read("$.pools.openai.models", Map.class).keySet()).containsExactly("gpt-4o", "gpt-4o-mini");
		String rpm = "$.pools.openai.dimensions.requests-per-minute.";
		assertThat(json.read(rpm + "limit", Long.class)).isEqualTo(100);
		assertThat(json.read(rpm + "effectiveLimit", Double.class)).isEqualTo(100.0);
		assertThat(json.read(rpm + "usedLastMinute", Double.class)).isEqualTo(50.0);
		assertThat(json.read(rpm + "utilisation", Double.class)).isEqualTo(0.5);
		assertThat(json.read(rpm + "status", String.class)).isEqualTo("OK");
		List<Double> trend = json.read(rpm + "trend", List.class);
		assertThat(trend).hasSize(60);
		assertThat(trend.get(58) + trend.get(59)).as("this minute and, across a minute boundary, the last")
			.isCloseTo(0.5, Offset.offset(1e-9));
		assertThat(json.read("$.pools.openai.inFlight", Long.class)).as("only the other instance's leases are open")
			.isEqualTo(20);
		assertThat(json.read("$.pools.openai.dimensions.concurrency.utilisation", Double.class)).isEqualTo(0.2);
		assertThat(json.read("$.pools.openai.queued", Map.class)).containsEntry(Priority.NORMAL, 0).hasSize(4);
		assertThat(json.read("$.pools.openai", Map.class)).as("nothing cools down").doesNotContainKey("cooldownUntil");
		assertThat(json.read("$.pools.openai.view", String.class)).isEqualTo("shared");
		assertThat(json.read("$.pools.openai", Map.class)).as("Redis answers").doesNotContainKey("degraded");
		assertThat(json.read("$", Map.class)).as("Redis answers").doesNotContainKey("degraded");
		assertThat(json.read("$.pools.openai.multiplier", Double.class)).isEqualTo(1.0);
		assertThat(json.read("$.pools.openai.thresholds.warn", Double.class)).isEqualTo(0.8);
		assertThat(json.read("$.pools.openai.thresholds.critical", Double.class)).isEqualTo(0.9);
		assertThat(json.read("$.pools.claude.dimensions.requests-per-minute.utilisation", Double.class)).isZero();
	}

	@Test
	void onePoolIsServedAtItsOwnPath() {
		for (int i = 0; i < 85; i++) {
			this.leases.add(acquire((i % 2 == 0) ? this.engine : this.otherInstance, "gpt-4o"));
		}

		ResponseEntity<String> response = this.rest.getForEntity("/actuator/llmquota/openai", String.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		DocumentContext json = JsonPath.parse(response.getBody());
		assertThat(json.read("$.status", String.class)).isEqualTo("WARN");
		assertThat(json.read("$.dimensions.requests-per-minute.utilisation", Double.class)).isEqualTo(0.85);
		assertThat(json.read("$.dimensions.requests-per-minute.status", String.class)).isEqualTo("WARN");
		assertThat(json.read("$.inFlight", Long.class)).isEqualTo(85);
	}

	@Test
	void unknownPoolIsNotFound() {
		ResponseEntity<String> response = this.rest.getForEntity("/actuator/llmquota/no-such-pool", String.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
	}

	private static QuotaLease acquire(QuotaEngine engine, String model) {
		return engine.acquire(QuotaRequest.builder(model).priority(Priority.CRITICAL).maxWait(Duration.ZERO).build());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

	}

}
