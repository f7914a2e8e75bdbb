package io.github.llmquota.sample.grafana;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Grafana dashboard shipped in {@code docs/grafana} names only meters and labels that
 * the sample's {@code /actuator/prometheus} has, once the sample has served chats (one
 * through the fallback chain), rejected a call, and seen a provider 429 and an overload.
 */
// Spring Boot tests export no metrics unless asked to.
@AutoConfigureObservability(tracing = false)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"llm.quota.pools.anthropic-sonnet.requests-per-minute=1", "llm.quota.fallback.attempt-wait=200ms" })
class GrafanaDashboardTests {

	static final Path DASHBOARD = Path.of("../docs/grafana/llm-quota-dashboard.json");

	@Autowired
	private TestRestTemplate http;

	@Autowired
	private QuotaEngine engine;

	@Test
	void everyQueryOfTheDashboardNamesMetersAndLabelsTheSampleExports() throws Exception {
		for (int i = 0; i < 2; i++) {
			ResponseEntity<String> chat = this.http.postForEntity("/chat",
					Map.of("userId", "alice", "message", "Question " + i), String.class);
			assertThat(chat.getStatusCode()).isEqualTo(HttpStatus.OK);
		}
		// Sonnet's one request a minute is taken: a call that cannot wait is rejected.
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> this.engine.acquire(QuotaRequest.builder("claude-sonnet-4-5")
				.inputTokens(10)
				.maxOutputTokens(10)
				.maxWait(Duration.ZERO)
				.build()));
		providerAnswers(429, ErrorClass.RATE_LIMITED);
		providerAnswers(529, ErrorClass.OVERLOADED);

		String scrape = this.http.getForObject("/actuator/prometheus", String.class);
		JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
		DashboardQueryChecker checker = new DashboardQueryChecker(scrape);
		List<String> queries = DashboardQueryChecker.queries(dashboard);

		assertThat(queries).hasSizeGreaterThanOrEqualTo(15);
		assertThat(checker.problems(queries)).isEmpty();
		assertThat(checker.legendProblems(dashboard)).isEmpty();
	}

	private void providerAnswers(int status, ErrorClass errorClass) {
		this.engine.acquire(QuotaRequest.builder("claude-haiku-4-5").inputTokens(10).maxOutputTokens(10).build())
			.release(CallOutcome.FAILED, ProviderFeedback.builder(status).classify(errorClass).build());
	}

}
