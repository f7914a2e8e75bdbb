package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.autoconfigure.LlmQuotaAutoConfiguration;
import io.github.llmquota.autoconfigure.LlmQuotaBatchAutoConfiguration;
import io.github.llmquota.batch.AnthropicBatchProvider;
import io.github.llmquota.batch.BatchItemResult;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.batch.OpenAiBatchProvider;
import io.github.llmquota.core.Provider;
import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The batch valve of an application with both an {@link AnthropicClient} and an
 * {@link OpenAIClient} bean, on a real Redis, against the simulator's Message Batches and
 * OpenAI Batch APIs: each deferred call goes to the batch API of its model's provider,
 * and comes back as that provider's answer. The simulator's clock moves only when the
 * test moves it, past each API's completion delay.
 */
class SimulatedBatchValveTests {

	private static final String CLAUDE = "claude-sonnet-4-5";

	private static final String GPT = "gpt-4o-mini";

	private final AtomicLong nanos = new AtomicLong();

	private ProviderSimulator simulator;

	@BeforeEach
	void startSimulator() {
		SimulatorProperties properties = new SimulatorProperties();
		properties.setModels(Map.of(CLAUDE, SimulatorProperties.Limits.of(60, 30_000, 8_000), GPT,
				SimulatorProperties.Limits.of(60, 30_000, 8_000)));
		properties.setBatchCompletionDelay(Duration.ofMinutes(10));
		properties.setOpenaiBatchCompletionDelay(Duration.ofMinutes(20));
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), this.nanos::get));
		this.simulator.start();
	}

	@AfterEach
	void stopSimulator() {
		this.simulator.close();
	}

	@Test
	void eachDeferredCallGoesToTheBatchApiOfItsModelsProvider() {
		application().run((context) -> {
			BatchValve valve = context.getBean(BatchValve.class);
			assertThat(valve.providers()).containsExactlyInAnyOrder(Provider.ANTHROPIC, Provider.OPENAI);

			CompletableFuture<BatchItemResult> claude = valve.defer(CLAUDE, AnthropicBatchProvider.body(
					MessageCreateParams.builder().model(CLAUDE).maxTokens(64).addUserMessage("Summarise one").build()));
			CompletableFuture<BatchItemResult> gpt = valve.defer(GPT,
					OpenAiBatchProvider.body(ChatCompletionCreateParams.builder()
						.model(GPT)
						.maxCompletionTokens(64)
						.addUserMessage("Summarise two")
						.build()),
					4);

			await().untilAsserted(() -> {
				assertThat(valve.ledger().batches(CLAUDE)).isOne();
				assertThat(valve.ledger().batches(GPT)).isOne();
			});
			assertThat(this.simulator.openAiBatchTokensEnqueued(GPT)).as("only the OpenAI call is in OpenAI's queue")
				.isPositive();
			assertThat(this.simulator.openAiBatchTokensEnqueued(CLAUDE)).isZero();

			this.nanos.addAndGet(Duration.ofMinutes(10).toNanos());
			Message message = AnthropicBatchProvider.message(await().until(claude::join, (result) -> true).body());
			assertThat(message.model().asString()).isEqualTo(CLAUDE);
			assertThat(gpt).as("OpenAI's batch takes longer").isNotDone();

			this.nanos.addAndGet(Duration.ofMinutes(10).toNanos());
			ChatCompletion completion = OpenAiBatchProvider
				.chatCompletion(await().until(gpt::join, (result) -> true).body());
			assertThat(completion.model()).isEqualTo(GPT);
			assertThat(this.simulator.stats().requests()).as("batches are not direct calls").isZero();
		});
	}

	private ApplicationContextRunner application() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, LlmQuotaAutoConfiguration.class,
					LlmQuotaBatchAutoConfiguration.class))
			.withBean(AnthropicClient.class,
					() -> AnthropicOkHttpClient.builder().baseUrl(this.simulator.baseUrl()).apiKey("sk-ant-x").build())
			.withBean(OpenAIClient.class,
					() -> OpenAIOkHttpClient.builder().baseUrl(this.simulator.baseUrl() + "/v1").apiKey("sk-x").build())
			.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port(),
					"llm.quota.key-prefix=simbatch" + UUID.randomUUID().toString().substring(0, 8),
					"llm.quota.models." + CLAUDE + ".provider=anthropic",
					"llm.quota.models." + CLAUDE + ".requests-per-minute=60",
					"llm.quota.models." + GPT + ".provider=openai",
					"llm.quota.models." + GPT + ".requests-per-minute=60", "llm.quota.batch.enabled=true",
					"llm.quota.batch.max-batch-age=0s", "llm.quota.batch.interval=100ms",
					"llm.quota.batch.first-poll=100ms", "llm.quota.batch.max-poll=200ms");
	}

}
