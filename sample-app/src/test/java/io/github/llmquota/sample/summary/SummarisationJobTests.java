package io.github.llmquota.sample.summary;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.sample.chat.ChatTranscripts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.summaries.enabled=true", "sample.summaries.interval=PT0.2S" })
class SummarisationJobTests {

	@Autowired
	private ChatTranscripts transcripts;

	@Autowired
	private AdmittedPriorities admitted;

	@Test
	void summarisesRecentChatsAtBackgroundPriority(CapturedOutput output) {
		this.transcripts.add("alice", "Can I raise my limit?", "Yes, in the console.");
		this.transcripts.add("bob", "What is a pool?", "Models that share one provider limit.");

		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(output.getOut())
				.contains("Summary of 2 chat exchanges: This is a simulated answer"));
		assertThat(this.admitted.priorities).containsOnly("BACKGROUND");
		assertThat(this.transcripts.take(1)).isEmpty();
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class ListenerConfiguration {

		@Bean
		AdmittedPriorities admittedPriorities() {
			return new AdmittedPriorities();
		}

	}

	static class AdmittedPriorities implements QuotaEngineListener {

		final List<String> priorities = new CopyOnWriteArrayList<>();

		@Override
		public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
			this.priorities.add(request.priority());
		}

	}

}
