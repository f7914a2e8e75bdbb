package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.batches.Batch;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.batch.BatchItem;
import io.github.llmquota.batch.BatchItemResult;
import io.github.llmquota.batch.BatchRefusedException;
import io.github.llmquota.batch.OpenAiBatchProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official openai-java SDK, through llm-quota's {@link OpenAiBatchProvider}, against
 * the simulator's Files and Batch APIs over HTTP: the JSONL upload, the batch, its
 * completion after the configured delay on the simulator's clock, the output file mapped
 * back by {@code custom_id}, and the queue's own limit in enqueued tokens per model.
 */
class SimulatedOpenAiBatchesSdkTests {

	private static final String MODEL = "gpt-4o-mini";

	private final AtomicLong nanos = new AtomicLong();

	private ProviderSimulator simulator;

	private OpenAIClient sdk;

	private OpenAiBatchProvider provider;

	@BeforeEach
	void start() {
		SimulatorProperties properties = new SimulatorProperties();
		properties.setModels(Map.of(MODEL, SimulatorProperties.Limits.of(3, 30_000, 8_000)));
		properties.setOpenaiBatchQueueTokens(100);
		properties.setOpenaiBatchCompletionDelay(Duration.ofMinutes(10));
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), this.nanos::get));
		this.simulator.start();
		this.sdk = OpenAIOkHttpClient.builder()
			.baseUrl(this.simulator.baseUrl() + "/v1")
			.apiKey("sk-anything")
			.maxRetries(0)
			.build();
		this.provider = new OpenAiBatchProvider(this.sdk);
	}

	@AfterEach
	void stop() {
		this.sdk.close();
		this.simulator.close();
	}

	@Test
	void batchCompletesAfterTheDelayAndEveryCallComesBackAsAChatCompletion() {
		String batchId = this.provider.submit(List.of(item("a"), item("b")));

		assertThat(this.provider.poll(batchId)).isEmpty();
		assertThat(this.sdk.batches().retrieve(batchId).status()).isEqualTo(Batch.Status.IN_PROGRESS);
		assertThat(this.simulator.openAiBatchTokensEnqueued(MODEL)).isPositive();
		this.nanos.addAndGet(Duration.ofMinutes(10).toNanos());

		List<BatchItemResult> results = this.provider.poll(batchId).orElseThrow();
		assertThat(results).extracting(BatchItemResult::id).containsExactly("a", "b");
		assertThat(results).allSatisfy((result) -> {
			assertThat(result.outcome()).isEqualTo(BatchItemResult.Outcome.SUCCEEDED);
			assertThat(result.model()).isEqualTo(MODEL);
			assertThat(OpenAiBatchProvider.chatCompletion(result.body()).usage().orElseThrow().completionTokens())
				.isEqualTo(result.outputTokens())
				.isPositive();
		});
		assertThat(this.simulator.openAiBatchTokensEnqueued(MODEL)).isZero();
		assertThat(this.simulator.stats().requests()).as("batches are not Messages requests").isZero();
	}

	@Test
	void batchBeyondTheEnqueuedTokenLimitFailsUntilABatchCompletes() {
		String first = this.provider.submit(List.of(item("a", 200)));
		// 200 characters of prompt are about 50 tokens: a second one does not fit in 100.
		String second = this.provider.submit(List.of(item("b", 200), item("c", 200)));

		Batch failed = this.sdk.batches().retrieve(second);
		assertThat(failed.status()).isEqualTo(Batch.Status.FAILED);
		assertThat(failed.errors().orElseThrow().data().orElseThrow().get(0).code()).hasValue("token_limit_exceeded");
		assertThatExceptionOfType(BatchRefusedException.class).as("its calls are sent again later")
			.isThrownBy(() -> this.provider.poll(second));

		this.nanos.addAndGet(Duration.ofMinutes(10).toNanos());
		assertThat(this.provider.poll(first).orElseThrow()).hasSize(1);
		String third = this.provider.submit(List.of(item("b", 200)));
		assertThat(this.sdk.batches().retrieve(third).status()).isEqualTo(Batch.Status.IN_PROGRESS);
	}

	private static BatchItem item(String id) {
		return item(id, 20);
	}

	private static BatchItem item(String id, int promptChars) {
		return new BatchItem(id,
				OpenAiBatchProvider.body(ChatCompletionCreateParams.builder()
					.model(MODEL)
					.maxCompletionTokens(64)
					.addUserMessage("x".repeat(promptChars))
					.build()));
	}

}
