package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official Java SDK's Message Batches against the simulator: a batch ends after the
 * configured delay, on the simulator's clock, and its results parse as Anthropic's do;
 * the processing queue has a limit of its own.
 */
class SimulatedBatchesSdkTests {

	private static final String MODEL = "claude-sonnet-4-5";

	private final AtomicLong nanos = new AtomicLong();

	private ProviderSimulator simulator;

	private AnthropicClient sdk;

	@BeforeEach
	void start() {
		SimulatorProperties properties = new SimulatorProperties();
		properties.setModels(Map.of(MODEL, SimulatorProperties.Limits.of(3, 30_000, 8_000)));
		properties.setBatchQueueLimit(3);
		properties.setBatchCompletionDelay(Duration.ofMinutes(10));
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), this.nanos::get));
		this.simulator.start();
		this.sdk = AnthropicOkHttpClient.builder()
			.baseUrl(this.simulator.baseUrl())
			.apiKey("sk-ant-anything")
			.maxRetries(0)
			.build();
	}

	@AfterEach
	void stop() {
		this.sdk.close();
		this.simulator.close();
	}

	@Test
	void batchEndsAfterTheCompletionDelayAndAnswersEveryRequest() {
		MessageBatch created = this.sdk.messages().batches().create(batch("a", "b"));
		assertThat(this.sdk.messages().batches().retrieve(created.id()).processingStatus())
			.isEqualTo(MessageBatch.ProcessingStatus.IN_PROGRESS);

		this.nanos.addAndGet(Duration.ofMinutes(10).toNanos());

		assertThat(this.sdk.messages().batches().retrieve(created.id()).processingStatus())
			.isEqualTo(MessageBatch.ProcessingStatus.ENDED);
		List<MessageBatchIndividualResponse> results = new ArrayList<>();
		try (StreamResponse<MessageBatchIndividualResponse> stream = this.sdk.messages()
			.batches()
			.resultsStreaming(created.id())) {
			stream.stream().forEach(results::add);
		}
		assertThat(results).extracting(MessageBatchIndividualResponse::customId).containsExactly("a", "b");
		assertThat(results.get(0).result().asSucceeded().message().usage().outputTokens()).isEqualTo(64);
		assertThat(this.simulator.stats().requests()).as("batches are not Messages requests").isZero();
	}

	@Test
	void batchBeyondTheProcessingQueueLimitIsRateLimitedUntilABatchEnds() {
		this.sdk.messages().batches().create(batch("a", "b"));

		assertThatExceptionOfType(RateLimitException.class)
			.isThrownBy(() -> this.sdk.messages().batches().create(batch("c", "d")));

		this.nanos.addAndGet(Duration.ofMinutes(10).toNanos());
		assertThat(this.sdk.messages().batches().create(batch("c", "d")).id()).startsWith("msgbatch_");
	}

	private static BatchCreateParams batch(String... ids) {
		BatchCreateParams.Builder builder = BatchCreateParams.builder();
		for (String id : ids) {
			builder.addRequest(BatchCreateParams.Request.builder()
				.customId(id)
				.params(BatchCreateParams.Request.Params.builder()
					.model(MODEL)
					.maxTokens(64)
					.addUserMessage("Summarise " + id)
					.build())
				.build());
		}
		return builder.build();
	}

}
