package io.github.llmquota.sample;

import java.util.Map;

import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.failover.FailoverQuotaStore;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.chat.ChatAnswer;
import io.github.llmquota.sample.chat.ChatService;
import io.github.llmquota.sample.simulator.ProviderSimulator;
import io.github.llmquota.sample.summary.Summariser;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample as a user starts it: on its embedded Redis, calling its simulator over HTTP.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(ProviderAttempts.Listener.class)
class SampleApplicationTests {

	@Autowired
	private TestRestTemplate http;

	@Autowired
	private RedisConnectionFactory redis;

	@Autowired
	private QuotaEngine engine;

	@Autowired
	private QuotaStore store;

	@Autowired
	private ConfigurableEnvironment environment;

	@Autowired
	private ProviderSimulator simulator;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private ProviderAttempts.Listener admissions;

	@Autowired
	private Summariser summariser;

	@Test
	void startsOnItsEmbeddedRedisWhenNoneIsConfiguredAndAdmitsACall() {
		assertThat(this.environment.getPropertySources().contains("embeddedRedis")).isTrue();
		assertThat(this.environment.getProperty("spring.data.redis.host")).isEqualTo("127.0.0.1");
		try (RedisConnection connection = this.redis.getConnection()) {
			assertThat(connection.ping()).isEqualTo("PONG");
		}
		assertThat(this.store).isInstanceOfSatisfying(FailoverQuotaStore.class,
				(store) -> assertThat(store.getShared()).isInstanceOf(RedisQuotaStore.class));
		try (QuotaLease lease = this.engine
			.acquire(QuotaRequest.builder("claude-sonnet-4-5").inputTokens(100).maxOutputTokens(200).build())) {
			lease.settle(TokenUsage.of(100, 50));
		}
	}

	@Test
	void chatAnswersWithTheTextAndTheModelThroughTheSimulator() {
		long served = this.simulator.stats().model(ChatService.MODEL).served();
		long requests = this.simulator.stats().requests();

		ResponseEntity<ChatAnswer> response = this.http.postForEntity("/chat",
				Map.of("userId", "alice", "message", "What does llm-quota do?"), ChatAnswer.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(response.getBody().text()).isNotBlank();
		assertThat(response.getBody().model()).isEqualTo(ChatService.MODEL);
		assertThat(this.simulator.stats().model(ChatService.MODEL).served()).isEqualTo(served + 1);
		assertThat(this.simulator.stats().requests()).isEqualTo(requests + 1);
		Counter missingUsage = this.meters.find(LlmQuotaMetricNames.USAGE_MISSING).counter();
		assertThat((missingUsage != null) ? missingUsage.count() : 0).isZero();
	}

	@Test
	void anOverloadedSummaryIsWaitedOutAndEveryAttemptTheProviderSawWasAdmitted() {
		ProviderAttempts before = ProviderAttempts.read(this.simulator, this.admissions);
		this.simulator.overloadNext(1);

		ResponseEntity<Answer> response = this.summariser.summarise(Summariser.MODEL,
				this.summariser.prompt("A short conversation."));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		ProviderAttempts attempts = ProviderAttempts.read(this.simulator, this.admissions).since(before);
		assertThat(attempts.providerRequests()).isEqualTo(2);
		assertThat(attempts.unadmitted()).isZero();
	}

	@Test
	void anOverloadedChatThroughItsFallbackChainIsWaitedOutAndEveryAttemptTheProviderSawWasAdmitted() {
		ProviderAttempts before = ProviderAttempts.read(this.simulator, this.admissions);
		long overloaded = this.simulator.stats().overloaded();
		this.simulator.overloadNext(1);

		ResponseEntity<ChatAnswer> response = this.http.postForEntity("/chat",
				Map.of("userId", "alice", "message", "Are you there?"), ChatAnswer.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(response.getBody().model()).isEqualTo(ChatService.MODEL);
		assertThat(this.simulator.stats().overloaded()).isEqualTo(overloaded + 1);
		ProviderAttempts attempts = ProviderAttempts.read(this.simulator, this.admissions).since(before);
		assertThat(attempts.providerRequests()).isEqualTo(2);
		assertThat(attempts.unadmitted()).isZero();
	}

	@Test
	void chatWithoutAMessageIsABadRequest() {
		ResponseEntity<String> response = this.http.postForEntity("/chat", Map.of("userId", "alice"), String.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
	}

	@Test
	void servesTheLivePageAndItsScript() {
		assertThat(this.http.getForObject("/", String.class)).contains("<script src=\"app.js\">");
		assertThat(this.http.getForObject("/app.js", String.class)).contains("actuator/llmquota");
	}

}
