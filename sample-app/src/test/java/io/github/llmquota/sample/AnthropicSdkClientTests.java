package io.github.llmquota.sample;

import java.util.Map;

import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.SdkAnthropicClient;
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
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample with {@code sample.provider.client=anthropic-sdk}: its calls go through the
 * official Java SDK, with its default retries, to the simulator, and the attempt governor
 * admits every attempt the SDK makes.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.provider.client=anthropic-sdk")
@Import(ProviderAttempts.Listener.class)
class AnthropicSdkClientTests {

	@Autowired
	private TestRestTemplate http;

	@Autowired
	private AnthropicClient client;

	@Autowired
	private ProviderSimulator simulator;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private ProviderAttempts.Listener admissions;

	@Autowired
	private Summariser summariser;

	@Test
	void chatAnswersThroughTheOfficialSdkAndIsSettledAtTheReportedUsage() {
		assertThat(this.client).isInstanceOf(SdkAnthropicClient.class);
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
	void anOverloadIsNotRetriedByTheSdkButWaitedOutAndEveryAttemptTheProviderSawWasAdmitted() {
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
		this.simulator.overloadNext(1);

		ResponseEntity<ChatAnswer> response = this.http.postForEntity("/chat",
				Map.of("userId", "alice", "message", "Are you there?"), ChatAnswer.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		ProviderAttempts attempts = ProviderAttempts.read(this.simulator, this.admissions).since(before);
		assertThat(attempts.providerRequests()).isEqualTo(2);
		assertThat(attempts.unadmitted()).isZero();
	}

}
