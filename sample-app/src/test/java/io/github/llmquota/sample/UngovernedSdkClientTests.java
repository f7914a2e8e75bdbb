package io.github.llmquota.sample;

import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.simulator.ProviderSimulator;
import io.github.llmquota.sample.summary.Summariser;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof that the sample's "every attempt was admitted" check can fail: with the
 * attempt governor switched off, {@code @LlmRateLimited} admits the call once and the SDK
 * retries the overload on its own, so the provider sees a request the engine never
 * admitted.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.provider.client=anthropic-sdk", "llm.quota.governor.enabled=false" })
@Import(ProviderAttempts.Listener.class)
class UngovernedSdkClientTests {

	@Autowired
	private ProviderSimulator simulator;

	@Autowired
	private ProviderAttempts.Listener admissions;

	@Autowired
	private Summariser summariser;

	@Test
	void withoutTheGovernorTheSdksOwnRetryReachesTheProviderUnadmitted() {
		ProviderAttempts before = ProviderAttempts.read(this.simulator, this.admissions);
		this.simulator.overloadNext(1);

		ResponseEntity<Answer> response = this.summariser.summarise(Summariser.MODEL,
				this.summariser.prompt("A short conversation."));

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		ProviderAttempts attempts = ProviderAttempts.read(this.simulator, this.admissions).since(before);
		assertThat(attempts.providerRequests()).isEqualTo(2);
		assertThat(attempts.unadmitted()).isEqualTo(1);
	}

}
